"""Responses: drafts, then one submission. Every rating is checked against its item's
scale, every required item must be answered, and nothing is accepted after closing.
A refused request stores nothing: the request's transaction rolls back with the error."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims
from strata_contracts.problem import FieldProblem
from strata_contracts.reviews import events
from strata_contracts.reviews.responses import (
    AnswerRead,
    AnswerWrite,
    FormRead,
    ResponseDraft,
    ResponseRead,
    ResponseSubmit,
)
from strata_contracts.reviews.templates import CompetencyRead, ItemRead, TemplateVersionRead
from strata_contracts.reviews.vocabulary import (
    ANONYMOUS_RELATIONSHIPS,
    InvitationStatus,
    ItemKind,
    Relationship,
)
from strata_kit.audit import record_audit
from strata_kit.errors import InvalidInput, field
from strata_kit.outbox import record_event
from strata_reviews.campaigns.models import Campaign
from strata_reviews.campaigns.repository import CampaignRepository
from strata_reviews.campaigns.state import ensure_accepting_answers
from strata_reviews.invitations.models import Invitation
from strata_reviews.invitations.service import invitation_service
from strata_reviews.models import AuditRecord, OutboxEvent, session_tenant
from strata_reviews.responses.exceptions import AlreadySubmitted, InvitationDeclined
from strata_reviews.responses.models import Answer
from strata_reviews.responses.repository import AnswerRepository
from strata_reviews.templates.service import template_service


def form_items(
    version: TemplateVersionRead, relationship: Relationship
) -> tuple[list[CompetencyRead], list[ItemRead]]:
    """The competencies (with only their applicable items) and questions one
    relationship answers."""
    competencies = []
    for competency in version.competencies:
        items = [i for i in competency.items if relationship in i.relationships]
        if items:
            competencies.append(competency.model_copy(update={"items": items}))
    questions = [q for q in version.questions if relationship in q.relationships]
    return competencies, questions


def validate_answers(
    answers: Sequence[AnswerWrite], version: TemplateVersionRead, relationship: Relationship
) -> None:
    """Each answer must be for an item of this rater's form, once, with a rating on the
    item's scale (rating items) or a comment (questions)."""
    competencies, questions = form_items(version, relationship)
    items = {i.id: i for c in competencies for i in c.items} | {q.id: q for q in questions}
    scales = {s.id: [p.value for p in s.points] for s in version.scales}
    errors: list[FieldProblem] = []
    seen: set[UUID] = set()
    for n, answer in enumerate(answers):
        where = f"answers/{n}"
        item = items.get(answer.item_id)
        if item is None:
            errors.append(field(f"{where}/item_id", "not an item of this form", "unknown_item"))
            continue
        if answer.item_id in seen:
            errors.append(field(f"{where}/item_id", "answered twice", "duplicate"))
        seen.add(answer.item_id)
        if item.kind is ItemKind.RATING:
            values = scales[item.scale_id] if item.scale_id else []
            if answer.comment is not None:
                errors.append(
                    field(f"{where}/comment", "rating items take no comment", "not_allowed")
                )
            if answer.rating is None:
                errors.append(
                    field(f"{where}/rating", "give a rating, or leave the item out", "missing")
                )
            elif answer.rating not in values:
                allowed = ", ".join(str(v) for v in values)
                errors.append(
                    field(f"{where}/rating", f"not on the item's scale ({allowed})", "out_of_scale")
                )
        else:
            if answer.rating is not None:
                errors.append(field(f"{where}/rating", "questions take a comment", "not_allowed"))
            if answer.comment is None:
                errors.append(
                    field(
                        f"{where}/comment", "give a comment, or leave the question out", "missing"
                    )
                )
    if errors:
        raise InvalidInput("Some answers are not valid.", errors=errors)


def missing_required(
    answered: set[UUID], version: TemplateVersionRead, relationship: Relationship
) -> list[FieldProblem]:
    competencies, questions = form_items(version, relationship)
    required = [i for c in competencies for i in c.items if i.required] + [
        q for q in questions if q.required
    ]
    return [
        field("answers", f"item {item.id} is required: {item.text}", "required")
        for item in required
        if item.id not in answered
    ]


class ResponseService:
    async def form(
        self, session: AsyncSession, invitation: Invitation, campaign: Campaign
    ) -> FormRead:
        version = await template_service.load_version(session, campaign.template_version_id)
        competencies, questions = form_items(version, invitation.relationship)
        ratee = await CampaignRepository(session).get_ratee(campaign.id, invitation.ratee_id)
        answers = await AnswerRepository(session).of(invitation.id)
        return FormRead(
            invitation_id=invitation.id,
            campaign_id=campaign.id,
            campaign_name=campaign.name,
            ratee_id=invitation.ratee_id,
            ratee_name=ratee.name if ratee is not None else "",
            relationship=invitation.relationship,
            status=invitation.status,
            due_at=campaign.due_at,
            closes_at=campaign.closes_at,
            scales=version.scales,
            competencies=competencies,
            questions=questions,
            answers=[AnswerRead.model_validate(a) for a in answers],
        )

    async def read(self, session: AsyncSession, invitation: Invitation) -> ResponseRead:
        answers = await AnswerRepository(session).of(invitation.id)
        return ResponseRead(
            invitation_id=invitation.id,
            status=invitation.status,
            submitted_at=invitation.submitted_at,
            answers=[AnswerRead.model_validate(a) for a in answers],
        )

    async def save_draft(
        self,
        session: AsyncSession,
        invitation: Invitation,
        campaign: Campaign,
        data: ResponseDraft,
        now: datetime,
    ) -> ResponseRead:
        """Replace the saved draft with these answers (partial answers are fine)."""
        self._ensure_answerable(invitation, campaign, now)
        version = await template_service.load_version(session, campaign.template_version_id)
        validate_answers(data.answers, version, invitation.relationship)
        await self._replace(session, invitation, data.answers)
        invitation.status = InvitationStatus.IN_PROGRESS
        session.add(invitation)
        await session.flush()
        return await self.read(session, invitation)

    async def submit(
        self,
        session: AsyncSession,
        actor: IdentityClaims,
        invitation: Invitation,
        campaign: Campaign,
        data: ResponseSubmit | None,
        now: datetime,
    ) -> ResponseRead:
        """Submit once: every required item answered; then the response is read-only."""
        self._ensure_answerable(invitation, campaign, now)
        version = await template_service.load_version(session, campaign.template_version_id)
        repo = AnswerRepository(session)
        if data is not None and data.answers is not None:
            validate_answers(data.answers, version, invitation.relationship)
            answered = {a.item_id for a in data.answers}
        else:
            answered = {a.item_id for a in await repo.of(invitation.id)}
        missing = missing_required(answered, version, invitation.relationship)
        if missing:
            raise InvalidInput("Required items are not answered.", errors=missing)
        if data is not None and data.answers is not None:
            await self._replace(session, invitation, data.answers)
        invitation.status = InvitationStatus.SUBMITTED
        invitation.submitted_at = now
        session.add(invitation)
        await invitation_service.consume_links(session, invitation, now)
        await record_audit(
            session,
            AuditRecord,
            identity=actor,
            entity_type="invitation",
            entity_id=invitation.id,
            action="submitted",
            after={"status": invitation.status.value, "answers": len(answered)},
        )
        # Below k, no count and no timing, events included: an anonymous group's
        # submissions are not announced one by one (its results come with the close).
        if invitation.relationship not in ANONYMOUS_RELATIONSHIPS:
            await self._announce(session, campaign, invitation, now)
        await session.flush()
        return await self.read(session, invitation)

    async def _announce(
        self, session: AsyncSession, campaign: Campaign, invitation: Invitation, now: datetime
    ) -> None:
        await record_event(
            session,
            OutboxEvent,
            type=events.RESPONSE_SUBMITTED,
            subject=f"campaign/{campaign.id}",
            data=events.ResponseSubmitted(
                campaign_id=campaign.id,
                ratee_id=invitation.ratee_id,
                relationship=invitation.relationship,
                submitted_at=now,
            ),
        )

    def _ensure_answerable(self, invitation: Invitation, campaign: Campaign, now: datetime) -> None:
        if invitation.status is InvitationStatus.SUBMITTED:
            raise AlreadySubmitted("This response was submitted; it is read-only now.")
        if invitation.status is InvitationStatus.DECLINED:
            raise InvitationDeclined("This invitation was declined.")
        ensure_accepting_answers(campaign, now)

    async def _replace(
        self, session: AsyncSession, invitation: Invitation, answers: Sequence[AnswerWrite]
    ) -> None:
        repo = AnswerRepository(session)
        await repo.delete_of(invitation.id)
        for answer in answers:
            repo.add(
                Answer(
                    tenant_id=session_tenant(session),
                    invitation_id=invitation.id,
                    item_id=answer.item_id,
                    rating=answer.rating,
                    comment=answer.comment,
                )
            )


response_service = ResponseService()
