"""The reviews service's table base: its own registry and metadata (its own database),
plus the two tables every service declares once (audit trail and outbox)."""

from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from strata_kit.audit import AuditFields
from strata_kit.db import TenantModel, new_registry
from strata_kit.db import session_tenant as session_tenant  # the kit's, fails closed
from strata_kit.outbox import OutboxFields

registry = new_registry()
metadata = registry.metadata


class ReviewsModel(TenantModel, registry=registry):
    """Base of every tenant-owned table of the reviews service."""


class AuditRecord(AuditFields, ReviewsModel, table=True):
    __tablename__ = "audit_record"


class OutboxEvent(OutboxFields, ReviewsModel, table=True):
    __tablename__ = "outbox_event"


def enum_type(enum: type[StrEnum]) -> Any:
    """A portable column for a string enum: its values in a VARCHAR (no native type)."""
    return sa.Enum(
        enum,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def tenant_fk(columns: list[str], table: str, targets: list[str]) -> sa.ForeignKeyConstraint:
    """A foreign key to another row of the same tenant: `tenant_id` leads both sides."""
    return sa.ForeignKeyConstraint(
        ["tenant_id", *columns], [f"{table}.tenant_id", *(f"{table}.{t}" for t in targets)]
    )
