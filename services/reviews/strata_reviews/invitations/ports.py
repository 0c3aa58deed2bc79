"""What an invitation needs of the answers given to it, as a narrow interface. Responses
belong to an invitation (`responses` imports `invitations`), so declining reaches the
answers only through this port, which the app wires (`main.py` puts `wiring.ReviewPorts`
on `app.state.review_ports`) and the routes hand to the service."""

from typing import Annotated, Protocol
from uuid import UUID

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession


class AnswerStore(Protocol):
    async def discard(self, session: AsyncSession, invitation_id: UUID) -> None:
        """Delete the answers saved to the invitation (a declined one keeps no draft)."""
        ...


def answer_store(request: Request) -> AnswerStore:
    port: AnswerStore = request.app.state.review_ports
    return port


AnswerStoreDep = Annotated[AnswerStore, Depends(answer_store)]
