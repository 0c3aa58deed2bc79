"""The feedback service's table base (its own registry and metadata: its own database),
its audit trail and outbox tables, and column helpers the domain tables share."""

from enum import StrEnum

import sqlalchemy as sa

from strata_kit.audit import AuditFields
from strata_kit.db import TenantModel, new_registry
from strata_kit.outbox import OutboxFields

registry = new_registry()
metadata = registry.metadata


class FeedbackModel(TenantModel, registry=registry):
    """Base of every tenant-owned table of the feedback service."""


class AuditRecord(AuditFields, FeedbackModel, table=True):
    """Who changed what in the feedback service, when, from what to what, and why."""

    __tablename__ = "audit_record"
    __table_args__ = (
        sa.Index(
            "ix_audit_record_tenant_id_entity_type_entity_id",
            "tenant_id",
            "entity_type",
            "entity_id",
        ),
    )


class OutboxEvent(OutboxFields, FeedbackModel, table=True):
    """Domain events waiting for the relay, written in the transaction of their change."""

    __tablename__ = "outbox_event"


def enum_type(enum: type[StrEnum]) -> sa.Enum:
    """A portable enum column: stored as its value (VARCHAR), loaded as the enum member."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )
