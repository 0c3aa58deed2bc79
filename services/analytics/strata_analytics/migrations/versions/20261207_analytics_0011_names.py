"""names of cycles and campaigns in the read model (reports show them, not the ids)

Revision ID: analytics_0011_names
Revises: analytics_0010_job_retries
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "analytics_0011_names"
down_revision: str | None = "analytics_0010_job_retries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("cycle_view", "campaign_view"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
            )


def downgrade() -> None:
    for table in ("campaign_view", "cycle_view"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("name")
