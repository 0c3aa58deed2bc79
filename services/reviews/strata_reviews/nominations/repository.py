from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from strata_contracts.reviews.vocabulary import NominationStatus, Relationship
from strata_reviews.nominations.models import Nomination


class NominationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, campaign_id: UUID, nomination_id: UUID) -> Nomination | None:
        result = await self.session.exec(
            select(Nomination).where(
                Nomination.id == nomination_id, Nomination.campaign_id == campaign_id
            )
        )
        return result.first()

    def list_statement(self, campaign_id: UUID, ratee_id: UUID) -> SelectOfScalar[Nomination]:
        return select(Nomination).where(
            Nomination.campaign_id == campaign_id, Nomination.ratee_id == ratee_id
        )

    async def of_ratee(self, campaign_id: UUID, ratee_id: UUID) -> Sequence[Nomination]:
        result = await self.session.exec(self.list_statement(campaign_id, ratee_id))
        return result.all()

    async def count_active(
        self, campaign_id: UUID, ratee_id: UUID, relationship: Relationship
    ) -> int:
        """Proposed and approved nominations of one relationship (they count to the max)."""
        result = await self.session.exec(
            select(func.count())
            .select_from(Nomination)
            .where(
                Nomination.campaign_id == campaign_id,
                Nomination.ratee_id == ratee_id,
                Nomination.relationship == relationship,
                col(Nomination.status).in_([NominationStatus.PROPOSED, NominationStatus.APPROVED]),
            )
        )
        return int(result.one())

    async def with_status(
        self, campaign_id: UUID, status: NominationStatus
    ) -> Sequence[Nomination]:
        result = await self.session.exec(
            select(Nomination)
            .where(Nomination.campaign_id == campaign_id, Nomination.status == status)
            .order_by(col(Nomination.ratee_id), col(Nomination.created_at), col(Nomination.id))
        )
        return result.all()

    async def delete_of_ratee(self, campaign_id: UUID, ratee_id: UUID) -> None:
        await self.session.exec(
            delete(Nomination).where(
                col(Nomination.campaign_id) == campaign_id, col(Nomination.ratee_id) == ratee_id
            )
        )

    async def count_for_relationships(self, campaign_id: UUID) -> dict[Relationship, int]:
        """The largest number of active nominations any ratee has, per relationship."""
        per_ratee = (
            select(
                Nomination.relationship,
                Nomination.ratee_id,
                func.count().label("n"),
            )
            .where(
                Nomination.campaign_id == campaign_id,
                col(Nomination.status).in_([NominationStatus.PROPOSED, NominationStatus.APPROVED]),
            )
            .group_by(col(Nomination.relationship), col(Nomination.ratee_id))
        )
        result = await self.session.exec(per_ratee)
        out: dict[Relationship, int] = {}
        for relationship, _ratee, n in result.all():
            key = Relationship(relationship)
            out[key] = max(out.get(key, 0), int(n))
        return out
