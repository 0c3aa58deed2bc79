"""job retries: attempts and the next attempt's time (a failing job is retried with
backoff, then marked dead)

Revision ID: analytics_0010_job_retries
Revises: analytics_0009_stale
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from strata_kit import migrations

revision: str = "analytics_0010_job_retries"
down_revision: str | None = "analytics_0009_stale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    migrations.add_job_retries()


def downgrade() -> None:
    migrations.drop_job_retries()
