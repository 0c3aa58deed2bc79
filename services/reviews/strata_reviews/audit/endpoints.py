"""`GET /api/v1/reviews/audit`: the kit's audit endpoints on the reviews audit table."""

from strata_kit.audit import audit_router
from strata_reviews.models import AuditRecord

router = audit_router("reviews", AuditRecord)
