"""Per-relationship anonymity thresholds (only above the campaign's k) and nominations
checked against the reporting lines (what the lines say, and an override's reason).

Revision ID: reviews_0003
Revises: reviews_0002
Create Date: 2026-12-07 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reviews_0003"
down_revision: str | None = "reviews_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RELATIONSHIP = sa.Enum(
    "self",
    "supervisor",
    "peer",
    "direct_report",
    "customer",
    name="relationship",
    native_enum=False,
    length=32,
)


def upgrade() -> None:
    with op.batch_alter_table("campaign_relationship") as batch:
        batch.add_column(sa.Column("anonymity_threshold", sa.Integer(), nullable=True))
    with op.batch_alter_table("nomination") as batch:
        batch.add_column(sa.Column("reporting_line", RELATIONSHIP, nullable=True))
        batch.add_column(sa.Column("override_reason", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("nomination") as batch:
        batch.drop_column("override_reason")
        batch.drop_column("reporting_line")
    with op.batch_alter_table("campaign_relationship") as batch:
        batch.drop_column("anonymity_threshold")
