"""The demo tenant's analytics.

Analytics owns no demo figures of its own: its read model, overall results, bands and
fairness measures come from the other services' demo data by the normal paths, once the
processes run. The goals and reviews demo loaders write their events to their outboxes
(org, cycles, signed plans, actuals; the closed half-year 360); the relays deliver them to
the gateway's feed; the analytics consumer projects them, and `reviews.campaign.closed`
queues the pull of the campaign's answers from the reviews service's private feed, after
which every ratee's result is refreshed.

What analytics does own is HR's input, and that is what this loader adds:

1. the group attributes of the demo people (`site`, `gender`, `age_band`), so that the
   adverse-impact check has an example to run on. They are keyed by the shared `demo_id`,
   as the goals demo creates the people (this loader runs before the org projection has
   them, which is why it stores through `group_service.store`, not the API's import, whose
   check that the employee exists would refuse them yet);
2. a calibration session over last month's results, with one adjustment, through the
   calibration service. A session snapshots results, so it can only be opened once they
   are there: `make run` loads the demo before the processes start, so the first load
   stores the attributes only, and the next `strata demo` (the next `make run`) opens the
   session, once every planned person of last month has a result.

Each step happens once: loading again when both are there changes nothing.
"""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.calibration.models import CalibrationSession
from strata_analytics.calibration.service import calibration_service
from strata_analytics.groups.repository import GroupRepository
from strata_analytics.groups.service import group_service
from strata_analytics.results.repository import ResultRepository
from strata_contracts.analytics.calibration import (
    AdjustmentCreate,
    CalibrationSessionCreate,
    GuidelineShare,
)
from strata_contracts.goals.demo import DEMO_PEOPLE, DEMO_UNITS, demo_id, month_key
from strata_contracts.identity import IdentityClaims, Role
from strata_kit.logging import get_logger

log = get_logger(__name__)

SITES = {"U-ENT": "Head office", "U-SALES": "Sales office", "U-FIN": "Head office"}
"""Where people work: sales in the sales office, production and quality at the plant."""
PLANT = "Plant"

FEMALE = frozenset(
    {
        "E001",  # Margit Keller
        "E003",  # Aylin Demir
        "E005",  # Sofia Marin
        "E010",  # Lena Fischer
        "E012",  # Clara Weiss
        "E014",  # Ines Costa
        "E021",  # Mina Yilmaz
        "E023",  # Hanna Lind
        *(f"E0{30 + n}" for n in range(16) if n % 3 == 0),  # 6 of the 16 line operators
        "E050",
        "E061",
    }
)
AGE_BANDS = ("under 30", "30-39", "40-49", "50 and over")
PLANNED_POSTS = frozenset({"P-REP", "P-LEAD", "P-OPERATOR"})
"""The posts the goals demo signs plans for (so they have results every month)."""
GUIDELINE = (("1", "10"), ("2", "20"), ("3", "40"), ("4", "20"), ("5", "10"))
ADJUSTED = "E012"
ADJUSTMENT = (
    "3",
    "Five of the seven complaints came from one customer's delivery dispute that "
    "production caused; the panel rates her service as meeting expectations.",
)
"""Clara Weiss, whose complaints the feedback demo's interview discusses."""


def last_month(today: date) -> date:
    """The first day of the month before `today`'s (the goals demo's closed cycle)."""
    first = today.replace(day=1)
    return (
        first.replace(year=first.year - 1, month=12)
        if first.month == 1
        else first.replace(month=first.month - 1)
    )


def session_name(month: date) -> str:
    return f"Demo calibration, {month.strftime('%B %Y')}"


def demo_attributes(tenant_id: uuid.UUID) -> dict[uuid.UUID, dict[str, str]]:
    """The demo people's attributes, derived from their HRIS keys (the same on every load)."""
    units = {unit.key for unit in DEMO_UNITS}
    out = {}
    for person in DEMO_PEOPLE:
        assert person.unit in units
        number = int(person.external_id[1:])
        out[demo_id(tenant_id, "employee", person.external_id)] = {
            "site": SITES.get(person.unit, PLANT),
            "gender": "female" if person.external_id in FEMALE else "male",
            "age_band": AGE_BANDS[(number * 7) % len(AGE_BANDS)],
        }
    return out


async def load_demo(session: AsyncSession, tenant_id: uuid.UUID) -> bool:
    """Add what is missing of the analytics demo; False when nothing was."""
    system = IdentityClaims(
        subject="system:demo-loader", tenant_id=tenant_id, roles=frozenset({Role.HR})
    )
    stored = await store_attributes(session, system)
    opened = await open_calibration(session, system, datetime.now(UTC).date())
    return stored or opened


async def store_attributes(session: AsyncSession, system: IdentityClaims) -> bool:
    assert system.tenant_id is not None
    attributes = demo_attributes(system.tenant_id)
    if await GroupRepository(session).attributes_of(set(attributes)):
        return False
    await group_service.store(session, system, attributes)
    return True


async def open_calibration(session: AsyncSession, system: IdentityClaims, today: date) -> bool:
    """Open last month's demo calibration session once every planned person has a result."""
    assert system.tenant_id is not None
    tenant, month = system.tenant_id, last_month(today)
    name = session_name(month)
    existing = select(CalibrationSession.id).where(col(CalibrationSession.name) == name)
    if (await session.exec(existing)).first() is not None:
        return False
    cycle = demo_id(tenant, "cycle", month_key(month))
    planned = {
        demo_id(tenant, "employee", p.external_id)
        for p in DEMO_PEOPLE
        if p.position in PLANNED_POSTS
    }
    results = await ResultRepository(session).cycle_results(cycle)
    banded = {r.employee_id for r in results if r.band is not None}
    if not planned <= banded:
        log.info("demo.calibration_waiting", results=len(banded), expected=len(planned))
        return False
    created = await calibration_service.create(
        session,
        system,
        CalibrationSessionCreate(
            name=name,
            cycle_id=cycle,
            guideline=[GuidelineShare(band=b, share=Decimal(s)) for b, s in GUIDELINE],
        ),
    )
    band, reason = ADJUSTMENT
    await calibration_service.adjust(
        session,
        system,
        created.id,
        AdjustmentCreate(
            employee_id=demo_id(tenant, "employee", ADJUSTED), calibrated_band=band, reason=reason
        ),
    )
    return True
