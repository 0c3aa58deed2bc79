"""Payloads of the goals service's domain events (the `data` of an `EventEnvelope`).

| type | subject | data |
| --- | --- | --- |
| `goals.org_unit.changed` | `org_unit/<id>` | `OrgUnitChanged` |
| `goals.position.changed` | `position/<id>` | `PositionChanged` |
| `goals.employee.upserted` | `employee/<id>` | `EmployeeUpserted` |
"""

from typing import Literal

from pydantic import BaseModel, Field

from strata_contracts.goals.org import EmployeeRead, OrgUnitRead, PositionRead

Change = Literal["created", "updated"]


class OrgUnitChanged(BaseModel):
    """An org unit was created or changed (`goals.org_unit.changed`)."""

    change: Change
    org_unit: OrgUnitRead


class PositionChanged(BaseModel):
    """A position was created or changed (`goals.position.changed`)."""

    change: Change
    position: PositionRead


class EmployeeUpserted(BaseModel):
    """An employee was created or changed, by hand or by the HRIS (`goals.employee.upserted`)."""

    change: Change = Field(description="`created` or `updated`.")
    employee: EmployeeRead = Field(description="The employee after the change.")
