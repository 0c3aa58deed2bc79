"""The demo data set's people and keys, shared so that every service's demo speaks of the
same employees, units and cycles as the goals service's demo (which creates them).

A service cannot read the goals database while loading its own demo, so ids are derived:

    demo_id(tenant_id, "employee", "E010")   the employee with HRIS key E010
    demo_id(tenant_id, "org-unit", "U-SALES")
    demo_id(tenant_id, "position", "P-REP")
    demo_id(tenant_id, "cycle", month_key(day))       the monthly cycle holding `day`
    demo_id(tenant_id, "cycle", half_year_key(day))   the half-year cycle holding `day`

The goals demo keeps last month's cycle closed and this month's in coaching, both relative
to the day it is loaded, and the current half-year's cycle (for the 360) in coaching.
"""

import uuid
from datetime import date
from typing import NamedTuple

DEMO_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://strata.dev/demo")


def demo_id(tenant_id: uuid.UUID, kind: str, key: str) -> uuid.UUID:
    """The id of a demo record: `kind` is employee, org-unit, position or cycle."""
    return uuid.uuid5(DEMO_NAMESPACE, f"{tenant_id}/{kind}/{key}")


def month_key(day: date) -> str:
    """Key of the monthly demo cycle holding `day`, e.g. `2026-11`."""
    return f"{day.year}-{day.month:02d}"


def half_year_key(day: date) -> str:
    """Key of the half-year demo cycle holding `day`, e.g. `2026-H2`."""
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


class DemoUnit(NamedTuple):
    key: str
    name: str
    parent: str | None


class DemoPosition(NamedTuple):
    key: str
    title: str
    unit: str


class DemoPerson(NamedTuple):
    external_id: str
    name: str
    unit: str
    position: str
    manager: str | None


DEMO_COMPANY = "Precision Parts Ltd"

DEMO_UNITS: tuple[DemoUnit, ...] = (
    DemoUnit("U-ENT", DEMO_COMPANY, None),
    DemoUnit("U-SALES", "Sales", "U-ENT"),
    DemoUnit("U-PROD", "Production", "U-ENT"),
    DemoUnit("U-FIN", "Finance", "U-ENT"),
    DemoUnit("U-QA", "Quality", "U-ENT"),
)

DEMO_POSITIONS: tuple[DemoPosition, ...] = (
    DemoPosition("P-MD", "Managing director", "U-ENT"),
    DemoPosition("P-HEAD-SALES", "Head of sales", "U-SALES"),
    DemoPosition("P-REP", "Sales representative", "U-SALES"),
    DemoPosition("P-HEAD-PROD", "Head of production", "U-PROD"),
    DemoPosition("P-LEAD", "Line lead", "U-PROD"),
    DemoPosition("P-OPERATOR", "Line operator", "U-PROD"),
    DemoPosition("P-HEAD-FIN", "Head of finance", "U-FIN"),
    DemoPosition("P-FIN", "Finance specialist", "U-FIN"),
    DemoPosition("P-HEAD-QA", "Head of quality", "U-QA"),
    DemoPosition("P-QA", "Quality engineer", "U-QA"),
)

_REPS = ("Lena Fischer", "Omar Haddad", "Clara Weiss", "Tomasz Zielinski", "Ines Costa")
_LEADS = ("Karl Berger", "Mina Yilmaz", "Rui Almeida", "Hanna Lind")

DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("E001", "Margit Keller", "U-ENT", "P-MD", None),
    DemoPerson("E002", "Jonas Brandt", "U-SALES", "P-HEAD-SALES", "E001"),
    DemoPerson("E003", "Aylin Demir", "U-PROD", "P-HEAD-PROD", "E001"),
    DemoPerson("E004", "Piotr Nowak", "U-FIN", "P-HEAD-FIN", "E001"),
    DemoPerson("E005", "Sofia Marin", "U-QA", "P-HEAD-QA", "E001"),
    *(
        DemoPerson(f"E01{n}", name, "U-SALES", "P-REP", "E002")
        for n, name in enumerate((*_REPS, "Felix Huber"))
    ),
    *(DemoPerson(f"E02{n}", name, "U-PROD", "P-LEAD", "E003") for n, name in enumerate(_LEADS)),
    *(
        DemoPerson(
            f"E0{30 + n}", f"Line operator {n + 1:02d}", "U-PROD", "P-OPERATOR", f"E02{n // 4}"
        )
        for n in range(16)
    ),
    *(
        DemoPerson(f"E05{n}", f"Finance specialist {n + 1}", "U-FIN", "P-FIN", "E004")
        for n in range(3)
    ),
    *(DemoPerson(f"E06{n}", f"Quality engineer {n + 1}", "U-QA", "P-QA", "E005") for n in range(3)),
)
"""37 people: the managing director, four heads, six sales representatives (E010 to E015),
four line leads (E020 to E023) with four line operators each (E030 to E045), finance and quality."""
