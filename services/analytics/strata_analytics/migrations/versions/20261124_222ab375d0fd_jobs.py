"""jobs

Revision ID: 222ab375d0fd
Revises: 43d4d785d6aa
Create Date: 2026-11-24 01:44:15.274615
"""

from collections.abc import Sequence

from strata_kit import migrations


revision: str = "222ab375d0fd"
down_revision: str | None = "43d4d785d6aa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    migrations.create_job_table(retries=False)  # the retries came in a later revision


def downgrade() -> None:
    migrations.drop_job_table()
