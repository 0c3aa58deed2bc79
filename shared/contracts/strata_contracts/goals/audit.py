"""The goals service's audit trail, as HR reads it (the model every service shares)."""

from strata_contracts.audit import AuditRecordRead

__all__ = ["AuditRecordRead"]
