"""a tenant's default language (used when a request sends no Accept-Language)

Revision ID: 8c3e5a1d9f20
Revises: 5b1f0c2d7e94
Create Date: 2026-12-07 02:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "8c3e5a1d9f20"
down_revision: str | None = "5b1f0c2d7e94"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "default_language",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="en",
            )
        )
    # Existing tenants are English (as before); new rows take the model's default.
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.alter_column("default_language", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.drop_column("default_language")
