"""What a campaign's lifecycle needs of its nominations and invitations, as a narrow
interface. Nominations and invitations belong to a campaign (both import `campaigns`), so
the campaign reaches them only through this port, which the app wires (`main.py` puts
`wiring.ReviewPorts` on `app.state.review_ports`) and the routes hand to the service: a
dependency one way, checked by import-linter."""

from dataclasses import dataclass
from typing import Annotated, Protocol
from uuid import UUID

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.reviews.vocabulary import InvitationStatus, Relationship
from strata_reviews.campaigns.models import Campaign


@dataclass(frozen=True)
class ApprovedRater:
    """An approved nomination, as the campaign opens it."""

    nomination_id: UUID
    ratee_id: UUID
    nominated_as: Relationship  # the label: what the minimum number of raters counts
    counted_as: Relationship  # the group the rater is invited to (nominations.counted_as)
    rater_employee_id: UUID | None
    external_name: str | None
    external_email: str | None


class Participation(Protocol):
    async def proposed_nominations(self, session: AsyncSession, campaign_id: UUID) -> list[UUID]:
        """The campaign's nominations still awaiting a decision."""
        ...

    async def approved_raters(
        self, session: AsyncSession, campaign_id: UUID
    ) -> list[ApprovedRater]:
        """The campaign's approved nominations, by ratee then in the order proposed."""
        ...

    async def nominated_per_relationship(
        self, session: AsyncSession, campaign_id: UUID
    ) -> dict[Relationship, int]:
        """The largest number of active nominations any ratee has, per relationship."""
        ...

    async def drop_nominations_of(
        self, session: AsyncSession, campaign_id: UUID, ratee_id: UUID
    ) -> None:
        """Delete a ratee's nominations (the ratee leaves a draft campaign)."""
        ...

    async def invite(
        self,
        session: AsyncSession,
        campaign: Campaign,
        *,
        ratee_id: UUID,
        relationship: Relationship,
        rater_employee_id: UUID | None,
        external_name: str | None = None,
        external_email: str | None = None,
        nomination_id: UUID | None = None,
    ) -> None:
        """Invite one rater for one ratee, announced as an event."""
        ...

    async def invitation_statuses(
        self, session: AsyncSession, campaign_id: UUID
    ) -> list[InvitationStatus]:
        """The status of each of the campaign's invitations."""
        ...


def participation(request: Request) -> Participation:
    port: Participation = request.app.state.review_ports
    return port


ParticipationDep = Annotated[Participation, Depends(participation)]
