"""The analytics demo loader, in process: group attributes keyed by the shared demo ids, the
calibration session opened only once last month's results are all there, each step once."""

from datetime import UTC, date, datetime

from sqlmodel import select

from strata_analytics.calibration.models import CalibrationEntry, CalibrationSession
from strata_analytics.demo import (
    ADJUSTED,
    PLANNED_POSTS,
    demo_attributes,
    last_month,
    load_demo,
    session_name,
)
from strata_analytics.groups.models import GroupAttribute
from strata_analytics.models import AuditRecord
from strata_contracts.goals.demo import DEMO_PEOPLE, demo_id, month_key
from strata_contracts.goals.vocabulary import Perspective


def test_last_month_wraps_the_year():
    assert last_month(date(2027, 1, 15)) == date(2026, 12, 1)
    assert last_month(date(2026, 11, 24)) == date(2026, 10, 1)


def test_attributes_are_the_same_on_every_load(tenant_id):
    first, again = demo_attributes(tenant_id), demo_attributes(tenant_id)
    assert first == again
    assert len(first) == len(DEMO_PEOPLE) == 37
    lena = first[demo_id(tenant_id, "employee", "E010")]
    assert lena == {
        "site": "Sales office",
        "gender": "female",
        "age_band": "40-49",
    }  # 10 * 7 mod 4 = 2
    planned = [p for p in DEMO_PEOPLE if p.position in PLANNED_POSTS]
    genders = [first[demo_id(tenant_id, "employee", p.external_id)]["gender"] for p in planned]
    # Both groups are large enough for the adverse-impact check (k = 3).
    assert (genders.count("female"), genders.count("male")) == (11, 15)


async def snapshot(db_session):  # type: ignore[no-untyped-def]
    db_session.expire_all()
    attributes = sorted(
        (a.employee_id, a.attribute, a.value, a.version)
        for a in (await db_session.exec(select(GroupAttribute))).all()
    )
    sessions = [
        (s.id, s.name, s.version) for s in (await db_session.exec(select(CalibrationSession))).all()
    ]
    entries = sorted(
        (e.employee_id, e.raw_band, e.calibrated_band, e.version)
        for e in (await db_session.exec(select(CalibrationEntry))).all()
    )
    audits = len((await db_session.exec(select(AuditRecord))).all())
    return attributes, sessions, entries, audits


class TestLoadDemo:
    async def test_each_step_once_and_the_session_waits_for_results(
        self, world, consumer, db_session, tenant_id
    ):
        today = datetime.now(UTC).date()
        assert await load_demo(db_session, tenant_id) is True
        await db_session.commit()
        attributes, sessions, _, _ = await snapshot(db_session)
        assert len(attributes) == 37 * 3
        assert sessions == []  # no results yet: nothing to calibrate

        # Last month's results arrive the normal way (events), for every planned person.
        world.cycle = demo_id(tenant_id, "cycle", month_key(last_month(today)))
        world.org_unit("Precision Parts Ltd", world.unit)
        people = {
            p.external_id: world.employee(
                p.name, employee_id=demo_id(tenant_id, "employee", p.external_id)
            )
            for p in DEMO_PEOPLE
        }
        planned = [p.external_id for p in DEMO_PEOPLE if p.position in PLANNED_POSTS]
        for n, key in enumerate(planned[:-1]):
            plan, keys = world.plan(people[key], [("Output", Perspective.FINANCIAL, "100", None)])
            world.actual(plan, people[key], keys["Output"], ["0.9", "1.05", "0.7"][n % 3])
        await world.sync(consumer)
        assert await load_demo(db_session, tenant_id) is False  # one result still missing
        await db_session.commit()
        assert (await snapshot(db_session))[1] == []

        last = planned[-1]
        plan, keys = world.plan(people[last], [("Output", Perspective.FINANCIAL, "100", None)])
        world.actual(plan, people[last], keys["Output"], "0.9")
        await world.sync(consumer)
        assert await load_demo(db_session, tenant_id) is True
        await db_session.commit()
        state = await snapshot(db_session)
        [(_, name, _)] = state[1]
        assert name == session_name(last_month(today))
        entries = {e[0]: e for e in state[2]}
        assert len(entries) == len(planned)
        clara = entries[demo_id(tenant_id, "employee", ADJUSTED)]
        assert (clara[1], clara[2]) == ("2", "3")  # Clara scored 0.7 (band 2), calibrated 3
        assert sum(1 for e in entries.values() if e[2] is not None) == 1

        # Loading again changes nothing at all.
        assert await load_demo(db_session, tenant_id) is False
        await db_session.commit()
        assert await snapshot(db_session) == state
