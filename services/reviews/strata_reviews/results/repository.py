from collections.abc import Sequence
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.reviews.vocabulary import InvitationStatus
from strata_reviews.invitations.models import Invitation
from strata_reviews.invitations.repository import InvitationRepository
from strata_reviews.responses.repository import AnswerRepository
from strata_reviews.results.anonymity import RaterResponse


class ResultRepository:
    """The raw material of a ratee's results: their invitations and submitted answers."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def responses(
        self, campaign_id: UUID, ratee_id: UUID
    ) -> tuple[Sequence[Invitation], list[RaterResponse]]:
        invitations = await InvitationRepository(self.session).of_ratee(campaign_id, ratee_id)
        submitted = [i.id for i in invitations if i.status is InvitationStatus.SUBMITTED]
        answers = await AnswerRepository(self.session).of_many(submitted)
        by_invitation: dict[UUID, RaterResponse] = {}
        out = []
        for invitation in invitations:
            response = RaterResponse(
                relationship=invitation.relationship,
                status=invitation.status,
                rater_employee_id=invitation.rater_employee_id,
            )
            by_invitation[invitation.id] = response
            out.append(response)
        for answer in answers:
            response = by_invitation[answer.invitation_id]
            if answer.rating is not None:
                response.ratings[answer.item_id] = answer.rating
            if answer.comment is not None:
                response.comments[answer.item_id] = answer.comment
        return invitations, out
