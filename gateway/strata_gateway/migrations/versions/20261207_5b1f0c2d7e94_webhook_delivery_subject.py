"""webhook deliveries carry their event's subject (ordered delivery per subject)

Revision ID: 5b1f0c2d7e94
Revises: 904e931eb603
Create Date: 2026-12-07 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "5b1f0c2d7e94"
down_revision: str | None = "904e931eb603"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "subject",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=False,
                server_default="",
            )
        )
    # Existing deliveries take their event's subject.
    op.execute(
        "UPDATE webhook_delivery SET subject = "
        "(SELECT event.subject FROM event WHERE event.id = webhook_delivery.event_id) "
        "WHERE EXISTS (SELECT 1 FROM event WHERE event.id = webhook_delivery.event_id)"
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.alter_column("subject", server_default=None)
        batch_op.create_index(
            "ix_webhook_delivery_subject_order",
            ["tenant_id", "subscription_id", "subject", "event_position"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_delivery_subject_order")
        batch_op.drop_column("subject")
