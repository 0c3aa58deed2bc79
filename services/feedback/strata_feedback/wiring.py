"""The ports' implementations: a lower domain declares what it needs of a higher one
(`interviews/ports.py`), and this module, above every domain, answers it. `main.py` puts
one `FeedbackPorts` on `app.state.feedback_ports`."""

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_feedback.appeals.repository import AppealRepository
from strata_feedback.improvement.repository import ImprovementRepository


class FeedbackPorts:
    """`interviews.ports.FollowUps`."""

    async def open_action_ids(self, session: AsyncSession, interview_id: UUID) -> list[UUID]:
        return await ImprovementRepository(session).open_ids_for_interview(interview_id)

    async def unresolved_appeal_id(self, session: AsyncSession, interview_id: UUID) -> UUID | None:
        appeal = await AppealRepository(session).unresolved_for_interview(interview_id)
        return None if appeal is None else appeal.id
