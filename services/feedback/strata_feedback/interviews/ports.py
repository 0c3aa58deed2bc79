"""What an interview needs of its follow-ups, as a narrow interface. Improvement actions
and appeals belong to an interview (both import `interviews`), so the interview reaches
them only through this port, which the app wires (`main.py` puts `wiring.FeedbackPorts`
on `app.state.feedback_ports`) and the routes hand to the service: a dependency one way,
checked by import-linter."""

from typing import Annotated, Protocol
from uuid import UUID

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession


class FollowUps(Protocol):
    async def open_action_ids(self, session: AsyncSession, interview_id: UUID) -> list[UUID]:
        """The interview's improvement actions not yet done or dropped, oldest first."""
        ...

    async def unresolved_appeal_id(self, session: AsyncSession, interview_id: UUID) -> UUID | None:
        """The interview's appeal while it is open or under review."""
        ...


def follow_ups(request: Request) -> FollowUps:
    port: FollowUps = request.app.state.feedback_ports
    return port


FollowUpsDep = Annotated[FollowUps, Depends(follow_ups)]
