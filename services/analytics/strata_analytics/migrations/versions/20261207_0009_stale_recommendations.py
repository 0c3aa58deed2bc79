"""stale recommendations: a result an upheld appeal changed marks what was built on it

Revision ID: analytics_0009_stale
Revises: analytics_0008_groups
Create Date: 2026-12-07 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "analytics_0009_stale"
down_revision: str | None = "analytics_0008_groups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recommendation_run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stale_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True)
        )
        batch_op.add_column(sa.Column("stale_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rerun_of", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("superseded_by", sa.Uuid(), nullable=True))
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stale", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("stale_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True)
        )
        batch_op.add_column(sa.Column("superseded_by", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_column("superseded_by")
        batch_op.drop_column("stale_reason")
        batch_op.drop_column("stale")
    with op.batch_alter_table("recommendation_run", schema=None) as batch_op:
        batch_op.drop_column("superseded_by")
        batch_op.drop_column("rerun_of")
        batch_op.drop_column("stale_at")
        batch_op.drop_column("stale_reason")
