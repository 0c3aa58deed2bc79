"""group attributes for the adverse-impact check

Revision ID: analytics_0008_groups
Revises: analytics_0007_applied
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "analytics_0008_groups"
down_revision: str | None = "analytics_0007_applied"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_attribute",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("attribute", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_group_attribute")),
        sa.UniqueConstraint(
            "tenant_id",
            "employee_id",
            "attribute",
            name=op.f("uq_group_attribute_tenant_id_employee_id_attribute"),
        ),
    )
    with op.batch_alter_table("group_attribute", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_attribute_tenant_id_attribute_value"),
            ["tenant_id", "attribute", "value"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("group_attribute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_attribute_tenant_id_attribute_value"))
    op.drop_table("group_attribute")
