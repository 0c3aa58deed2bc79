"""The audit query endpoints (HR and admin): the kit's, on the goals audit table."""

from strata_goals.models import AuditRecord
from strata_kit.audit import audit_router

router = audit_router("goals", AuditRecord)
