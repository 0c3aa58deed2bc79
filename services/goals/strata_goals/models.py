"""The goals service's table base (its own registry and metadata: its own database), and the
two tables every service keeps: the audit trail and the transactional outbox."""

from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, Index

from strata_kit.audit import AuditFields
from strata_kit.db import TenantModel, new_registry
from strata_kit.outbox import OutboxFields

registry = new_registry()
metadata = registry.metadata


class GoalsModel(TenantModel, registry=registry):
    """Base of every tenant-owned table of the goals service."""


class AuditRecord(AuditFields, GoalsModel, table=True):
    """Who changed what, when, from what to what, and why (append only)."""

    __tablename__ = "audit_record"
    __table_args__ = (
        Index(None, "tenant_id", "entity_type", "entity_id"),
        Index(None, "tenant_id", "occurred_at"),
    )


class OutboxEvent(OutboxFields, GoalsModel, table=True):
    """Domain events waiting for the relay, written in the transaction of the change."""

    __tablename__ = "outbox_event"
    __table_args__ = (Index(None, "tenant_id", "occurred_at"),)


def enum_column(enum: type[StrEnum]) -> Any:
    """A column type storing a `StrEnum` by value in a plain VARCHAR (no native enum type, so
    adding a value later needs no migration) and reading it back as the enum."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )
