"""The organisation's one public face for the other domains and the routes: the aggregates
(`units`, `positions`, `employees`, the `hris` bulk upsert) and the `access` rules, each a
class of its own module, gathered here so callers keep one `org_service`.

The aggregates depend one way (hris → employees → positions → units → access → rules →
repository → models); import-linter holds it (pyproject.toml)."""

from strata_goals.org.access import AccessRules
from strata_goals.org.employees import EmployeeService
from strata_goals.org.hris import HrisUpsert
from strata_goals.org.positions import PositionService
from strata_goals.org.rules import (
    NewId,
    employee_read,
    looping,
    org_unit_read,
    position_read,
    topological_order,
)
from strata_goals.org.units import OrgUnitService

__all__ = [
    "NewId",
    "OrgService",
    "employee_read",
    "looping",
    "org_service",
    "org_unit_read",
    "position_read",
    "topological_order",
]


class OrgService(HrisUpsert, EmployeeService, PositionService, OrgUnitService, AccessRules):
    """Every operation of the organisation; each one is its aggregate's (no state here)."""


org_service = OrgService()
