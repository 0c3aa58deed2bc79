"""Every table of the goals service, imported once so the metadata is complete (Alembic)."""

from strata_goals.models import AuditRecord, OutboxEvent, metadata
from strata_goals.org.models import Employee, EmployeePlacement, OrgUnit, Position

__all__ = [
    "AuditRecord",
    "Employee",
    "EmployeePlacement",
    "OrgUnit",
    "OutboxEvent",
    "Position",
    "metadata",
]
