from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlmodel import col, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from strata_kit.repository import Repository
from strata_reviews.disclosure.models import RevealGrant


class RevealGrantRepository(Repository[RevealGrant]):
    model = RevealGrant

    def list_statement(self) -> SelectOfScalar[RevealGrant]:
        return select(RevealGrant)

    async def active_for(
        self, subject: str, campaign_id: UUID, now: datetime
    ) -> Sequence[RevealGrant]:
        result = await self.session.exec(
            select(RevealGrant)
            .where(
                RevealGrant.grantee_subject == subject,
                col(RevealGrant.revoked_at).is_(None),
                RevealGrant.expires_at > now,
                or_(
                    col(RevealGrant.campaign_id).is_(None),
                    col(RevealGrant.campaign_id) == campaign_id,
                ),
            )
            .order_by(col(RevealGrant.created_at), col(RevealGrant.id))
        )
        return result.all()
