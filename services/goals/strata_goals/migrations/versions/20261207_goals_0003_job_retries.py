"""job retries: attempts and the next attempt's time (a failing job is retried with
backoff, then marked dead)

Revision ID: goals_0003_job_retries
Revises: b42e34cd3360
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from strata_kit import migrations

revision: str = "goals_0003_job_retries"
down_revision: str | None = "b42e34cd3360"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    migrations.add_job_retries()


def downgrade() -> None:
    migrations.drop_job_retries()
