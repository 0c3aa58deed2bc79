"""The audit trail and the outbox.

Revision ID: kittest_0002
Revises: kittest_0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "kittest_0002"
down_revision: str | None = "kittest_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_record",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_employee_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=2000), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_audit_record")),
    )
    op.create_index(op.f("ix_audit_record_entity_id"), "audit_record", ["entity_id"])
    op.create_index(op.f("ix_audit_record_entity_type"), "audit_record", ["entity_type"])
    op.create_table(
        "outbox_event",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_outbox_event")),
    )
    op.create_index(op.f("ix_outbox_event_published_at"), "outbox_event", ["published_at"])
    op.create_index(op.f("ix_outbox_event_subject"), "outbox_event", ["subject"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_event_subject"), table_name="outbox_event")
    op.drop_index(op.f("ix_outbox_event_published_at"), table_name="outbox_event")
    op.drop_table("outbox_event")
    op.drop_index(op.f("ix_audit_record_entity_type"), table_name="audit_record")
    op.drop_index(op.f("ix_audit_record_entity_id"), table_name="audit_record")
    op.drop_table("audit_record")
