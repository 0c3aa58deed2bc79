"""results applied: compensation, recommendations, promotion, training

Revision ID: analytics_0007_applied
Revises: 9595b8586176
Create Date: 2026-11-24 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "analytics_0007_applied"
down_revision: str | None = "9595b8586176"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "compensation",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("base_salary", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("range_midpoint", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_compensation")),
        sa.UniqueConstraint(
            "tenant_id", "employee_id", name=op.f("uq_compensation_tenant_id_employee_id")
        ),
    )
    with op.batch_alter_table("compensation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compensation_tenant_id_updated_at"),
            ["tenant_id", "updated_at"],
            unique=False,
        )

    op.create_table(
        "competency_requirement",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("competency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("required_level", sa.Numeric(precision=10, scale=4), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_competency_requirement")),
        sa.UniqueConstraint(
            "tenant_id",
            "competency_key",
            name=op.f("uq_competency_requirement_tenant_id_competency_key"),
        ),
    )
    op.create_table(
        "merit_matrix",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("compa_ratio_bands", sa.JSON(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_merit_matrix")),
        sa.UniqueConstraint("tenant_id", "scope", name=op.f("uq_merit_matrix_tenant_id_scope")),
    )
    op.create_table(
        "recommendation_run",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_recommendation_run")),
    )
    with op.batch_alter_table("recommendation_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_run_tenant_id_cycle_id"),
            ["tenant_id", "cycle_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_recommendation_run_tenant_id_updated_at"),
            ["tenant_id", "updated_at"],
            unique=False,
        )

    op.create_table(
        "training_programme",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("competency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_training_programme")),
    )
    op.create_table(
        "recommendation",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("proposed_value", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("final_value", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "run_id"],
            ["recommendation_run.tenant_id", "recommendation_run.id"],
            name=op.f("fk_recommendation_tenant_id_run_id_recommendation_run"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_recommendation")),
    )
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_tenant_id_employee_id"),
            ["tenant_id", "employee_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_recommendation_tenant_id_run_id"), ["tenant_id", "run_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recommendation_tenant_id_updated_at"),
            ["tenant_id", "updated_at"],
            unique=False,
        )

    op.create_table(
        "training_enrolment",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "programme_id"],
            ["training_programme.tenant_id", "training_programme.id"],
            name=op.f("fk_training_enrolment_tenant_id_programme_id_training_programme"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_training_enrolment")),
        sa.UniqueConstraint(
            "tenant_id",
            "programme_id",
            "employee_id",
            name=op.f("uq_training_enrolment_tenant_id_programme_id_employee_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("training_enrolment")
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_tenant_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_recommendation_tenant_id_run_id"))
        batch_op.drop_index(batch_op.f("ix_recommendation_tenant_id_employee_id"))

    op.drop_table("recommendation")
    op.drop_table("training_programme")
    with op.batch_alter_table("recommendation_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_run_tenant_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_recommendation_run_tenant_id_cycle_id"))

    op.drop_table("recommendation_run")
    op.drop_table("merit_matrix")
    op.drop_table("competency_requirement")
    with op.batch_alter_table("compensation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compensation_tenant_id_updated_at"))

    op.drop_table("compensation")
