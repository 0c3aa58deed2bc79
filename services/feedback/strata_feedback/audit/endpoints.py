"""`GET /api/v1/feedback/audit`: the kit's audit endpoints on the feedback audit table."""

from strata_feedback.models import AuditRecord
from strata_kit.audit import audit_router

router = audit_router("feedback", AuditRecord)
