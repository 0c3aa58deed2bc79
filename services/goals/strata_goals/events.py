"""Domain events of the goals service, written to the outbox in the transaction of the change.

The payloads are contract models (`strata_contracts.goals.events`); the relay that delivers
outbox rows is not part of this service.
"""

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_goals.models import OutboxEvent
from strata_kit.outbox import record_event


async def emit(session: AsyncSession, type: str, subject: str, data: BaseModel) -> None:
    """Add one event to the outbox of the current transaction."""
    await record_event(session, OutboxEvent, type=type, subject=subject, data=data)
