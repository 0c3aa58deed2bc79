"""SCIM resources: the User/Group ↔ employee/org unit link, case-insensitive unique
userName/displayName, and the attributes Strata keeps verbatim.

Existing employees and org units become the SCIM resources they already were (same ids), so
an identity provider connected before this revision sees the same Users and Groups; of rows
sharing a case-insensitive e-mail address or unit name, the oldest keeps it.

The employee's e-mail becomes optional (RFC 7643 requires only a userName).

Revision ID: goals_0004_scim
Revises: goals_0003_job_retries
Create Date: 2026-12-07 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "goals_0004_scim"
down_revision: str | None = "goals_0003_job_retries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scim_resource",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("resource_type", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_scim_resource")),
        sa.UniqueConstraint(
            "tenant_id",
            "resource_type",
            "name_key",
            name=op.f("uq_scim_resource_tenant_id_resource_type_name_key"),
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "resource_type",
            "target_id",
            name=op.f("uq_scim_resource_tenant_id_resource_type_target_id"),
        ),
    )
    with op.batch_alter_table("scim_resource", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scim_resource_tenant_id_resource_type_external_id"),
            ["tenant_id", "resource_type", "external_id"],
            unique=False,
        )
    # RFC 7643 requires only a userName: a person provisioned without an e-mail has none.
    with op.batch_alter_table("employee", schema=None) as batch_op:
        batch_op.alter_column(
            "email", existing_type=sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True
        )
    for resource_type, table, name in (
        ("User", "employee", "email"),
        ("Group", "org_unit", "name"),
    ):
        op.execute(
            f"""
            INSERT INTO scim_resource (tenant_id, id, created_at, updated_at, version,
                resource_type, target_id, name, name_key, external_id, attributes)
            SELECT tenant_id, id, created_at, updated_at, 1, '{resource_type}', id, {name},
                lower({name}), external_id, '{{}}'
            FROM (
                SELECT t.*, row_number() OVER (
                    PARTITION BY tenant_id, lower({name}) ORDER BY created_at, id
                ) AS n
                FROM {table} t
            ) ranked
            WHERE n = 1
            """  # noqa: S608  (constants only)
        )


def downgrade() -> None:
    with op.batch_alter_table("scim_resource", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scim_resource_tenant_id_resource_type_external_id"))
    op.drop_table("scim_resource")
    with op.batch_alter_table("employee", schema=None) as batch_op:
        batch_op.alter_column(
            "email", existing_type=sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False
        )
