"""The answers feed for analytics: closed campaigns only, raters pseudonymous."""

import hashlib
import hmac
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims
from strata_contracts.problem import FieldProblem
from strata_contracts.reviews.internal import (
    ANALYTICS_SUBJECT,
    InternalAnswer,
    InternalAnswerPage,
)
from strata_contracts.reviews.templates import ItemRead, TemplateVersionRead
from strata_contracts.reviews.vocabulary import ItemKind, Relationship
from strata_kit.errors import Forbidden, InvalidInput
from strata_kit.pagination import decode_cursor, encode_cursor
from strata_reviews.campaigns.repository import CampaignRepository
from strata_reviews.internal.repository import InternalRepository
from strata_reviews.results.anonymity import group_thresholds
from strata_reviews.templates.service import template_service


def rater_key(secret: str, tenant_id: UUID, rater: str) -> str:
    """A rater's pseudonym: stable per tenant and rater, not reversible without the secret."""
    message = f"strata-rater:{tenant_id}:{rater}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def require_platform(identity: IdentityClaims) -> None:
    """Only analytics' platform identity (no tenant) may read the feed."""
    if identity.tenant_id is not None or identity.subject != ANALYTICS_SUBJECT:
        raise Forbidden("This feed is for the analytics service only.")


class InternalService:
    async def answers(
        self,
        session: AsyncSession,
        *,
        secret: str,
        tenant_id: UUID,
        campaign_id: UUID | None,
        cursor: str | None,
        limit: int,
    ) -> InternalAnswerPage:
        after = None
        if cursor:
            values = decode_cursor(cursor)
            try:
                after = UUID(str(values[0]))
            except (IndexError, ValueError) as exc:
                raise InvalidInput(
                    "The cursor is not one this API issued.",
                    errors=[FieldProblem(pointer="/query/cursor", detail="malformed cursor")],
                ) from exc
        rows = await InternalRepository(session).answers(
            campaign_id=campaign_id, after=after, limit=limit + 1
        )
        more = len(rows) > limit
        rows = rows[:limit]
        # Each answer carries its group's k (a relationship's own threshold only raises it).
        repo = CampaignRepository(session)
        thresholds: dict[UUID, dict[Relationship, int]] = {}
        for campaign_id_ in {campaign.id for _, _, campaign in rows}:
            campaign_ = next(c for _, _, c in rows if c.id == campaign_id_)
            rules = await repo.rules(campaign_id_)
            thresholds[campaign_id_] = group_thresholds(
                campaign_.anonymity_threshold,
                {r.relationship: r.anonymity_threshold for r in rules},
            )
        versions: dict[UUID, TemplateVersionRead] = {}
        items: dict[UUID, tuple[ItemRead, TemplateVersionRead]] = {}
        out: list[InternalAnswer] = []
        for answer, invitation, campaign in rows:
            if campaign.template_version_id not in versions:
                version = await template_service.load_version(session, campaign.template_version_id)
                versions[campaign.template_version_id] = version
                for each in version.competencies:
                    for rated in each.items:
                        items[rated.id] = (rated, version)
                for question in version.questions:
                    items[question.id] = (question, version)
            item, version = items[answer.item_id]
            competency = next((c for c in version.competencies if c.id == item.competency_id), None)
            scale = next((s for s in version.scales if s.id == item.scale_id), None)
            points = [p.value for p in scale.points] if scale else []
            supervisor = invitation.relationship is Relationship.SUPERVISOR
            assert campaign.closed_at is not None
            out.append(
                InternalAnswer(
                    campaign_id=campaign.id,
                    cycle_id=campaign.cycle_id,
                    template_id=campaign.template_id,
                    closed_at=campaign.closed_at,
                    anonymity_threshold=thresholds[campaign.id].get(
                        invitation.relationship, campaign.anonymity_threshold
                    ),
                    ratee_id=invitation.ratee_id,
                    relationship=invitation.relationship,
                    rater_key=rater_key(secret, tenant_id, invitation.rater_key),
                    rater_employee_id=invitation.rater_employee_id if supervisor else None,
                    kind=item.kind,
                    item_id=item.id,
                    item_text=item.text,
                    competency_id=competency.id if competency else None,
                    competency_key=competency.key if competency else None,
                    competency_name=competency.name if competency else None,
                    scale_min=min(points) if points else None,
                    scale_max=max(points) if points else None,
                    value=answer.rating if item.kind is ItemKind.RATING else None,
                    comment=answer.comment if item.kind is ItemKind.COMMENT else None,
                )
            )
        next_cursor = encode_cursor([str(rows[-1][0].id)]) if more and rows else None
        return InternalAnswerPage(items=out, next_cursor=next_cursor)


internal_service = InternalService()
