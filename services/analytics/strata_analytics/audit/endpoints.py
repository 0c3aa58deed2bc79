"""`GET /api/v1/analytics/audit`: the kit's audit endpoints on the analytics audit table."""

from strata_analytics.models import AuditRecord
from strata_kit.audit import audit_router

router = audit_router("analytics", AuditRecord)
