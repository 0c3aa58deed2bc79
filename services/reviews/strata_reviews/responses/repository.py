import uuid
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlmodel import col, delete, insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.reviews.responses import AnswerWrite
from strata_contracts.reviews.vocabulary import Relationship
from strata_kit.db import utcnow
from strata_reviews.models import session_tenant
from strata_reviews.responses.models import Answer
from strata_reviews.responses.rules import FormRules, ItemRule
from strata_reviews.templates.models import Competency, Item, RatingScale


class AnswerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, invitation_id: UUID) -> Sequence[Answer]:
        result = await self.session.exec(
            select(Answer)
            .where(Answer.invitation_id == invitation_id)
            .order_by(col(Answer.item_id))
        )
        return result.all()

    async def of_many(self, invitation_ids: Sequence[UUID]) -> Sequence[Answer]:
        if not invitation_ids:
            return []
        result = await self.session.exec(
            select(Answer).where(col(Answer.invitation_id).in_(invitation_ids))
        )
        return result.all()

    async def delete_of(self, invitation_id: UUID) -> None:
        await self.session.exec(delete(Answer).where(col(Answer.invitation_id) == invitation_id))

    async def insert_all(self, invitation_id: UUID, answers: Sequence[AnswerWrite]) -> None:
        """Every answer in one batch: one INSERT statement, compiled once and cached, with
        a parameter set per answer; one round trip whatever their number. (A multi-row
        `.values(rows)` is compiled afresh per request: 180 bound parameters for 20.)"""
        if not answers:
            return
        tenant, now = session_tenant(self.session), utcnow()
        rows: list[dict[str, Any]] = [
            {
                "tenant_id": tenant,
                "id": uuid.uuid4(),
                "created_at": now,
                "updated_at": now,
                "version": 1,
                "invitation_id": invitation_id,
                "item_id": answer.item_id,
                "rating": answer.rating,
                "comment": answer.comment,
            }
            for answer in answers
        ]
        await self.session.exec(insert(Answer), params=rows)


class FormRuleRepository:
    """The items a form is checked against, read from the template version's tables."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rules(self, version_id: UUID, relationship: Relationship) -> FormRules:
        """One SELECT: every item of the version with its competency's place and its
        scale's points; the items of `relationship`, in form order."""
        result = await self.session.exec(
            select(Item, col(Competency.position), col(RatingScale.points))
            .outerjoin(
                Competency,
                (col(Competency.tenant_id) == col(Item.tenant_id))
                & (col(Competency.id) == col(Item.competency_id)),
            )
            .outerjoin(
                RatingScale,
                (col(RatingScale.tenant_id) == col(Item.tenant_id))
                & (col(RatingScale.id) == col(Item.scale_id)),
            )
            .where(Item.template_version_id == version_id)
        )
        rows = [row for row in result.all() if relationship in row[0].relationships]
        # Competency items first (by competency, then item), then the questions.
        rows.sort(key=_form_order)
        return FormRules(
            [
                ItemRule(
                    id=item.id,
                    kind=item.kind,
                    required=item.required,
                    text=item.text,
                    values=tuple(p["value"] for p in points or ()),
                )
                for item, _, points in rows
            ]
        )


def _form_order(row: tuple[Item, int | None, Any]) -> tuple[int, int, str, int]:
    item, competency_position, _ = row
    if item.competency_id is None or competency_position is None:
        return (1, 0, "", item.position)
    return (0, competency_position, str(item.competency_id), item.position)
