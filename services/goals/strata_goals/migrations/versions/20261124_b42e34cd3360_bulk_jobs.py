"""bulk jobs

Revision ID: b42e34cd3360
Revises: goals_0002
Create Date: 2026-11-24 02:32:05.684153
"""

from collections.abc import Sequence

from strata_kit import migrations


revision: str = "b42e34cd3360"
down_revision: str | None = "goals_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    migrations.create_job_table(retries=False)  # the retries came in a later revision


def downgrade() -> None:
    migrations.drop_job_table()
