"""Responses: drafts, then one submission. Every rating is checked against its item's
scale, every required item must be answered, and nothing is accepted after closing.
A refused request stores nothing: the request's transaction rolls back with the error."""

from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims
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
    Relationship,
)
from strata_kit.audit import record_audit
from strata_kit.errors import InvalidInput
from strata_kit.outbox import record_event
from strata_reviews.campaigns.models import Campaign
from strata_reviews.campaigns.repository import CampaignRepository
from strata_reviews.campaigns.state import ensure_accepting_answers
from strata_reviews.invitations.models import Invitation
from strata_reviews.invitations.service import invitation_service
from strata_reviews.models import AuditRecord, OutboxEvent
from strata_reviews.responses.exceptions import AlreadySubmitted, InvitationDeclined
from strata_reviews.responses.models import Answer
from strata_reviews.responses.repository import AnswerRepository, FormRuleRepository
from strata_reviews.responses.rules import missing_required, validate_answers
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


def response_read(invitation: Invitation, answers: Sequence[AnswerWrite | Answer]) -> ResponseRead:
    """The response as stored: the answers just written (or read), by item id, as
    `AnswerRepository.of` orders them, so no read-back is needed."""
    return ResponseRead(
        invitation_id=invitation.id,
        status=invitation.status,
        submitted_at=invitation.submitted_at,
        answers=[
            AnswerRead(item_id=a.item_id, rating=a.rating, comment=a.comment)
            for a in sorted(answers, key=lambda a: a.item_id)
        ],
    )


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
        rules = await FormRuleRepository(session).rules(
            campaign.template_version_id, invitation.relationship
        )
        validate_answers(data.answers, rules)
        had_draft = invitation.status is InvitationStatus.IN_PROGRESS
        invitation.status = InvitationStatus.IN_PROGRESS
        session.add(invitation)
        await session.flush()
        await self._replace(session, invitation, data.answers, had_draft=had_draft)
        return response_read(invitation, data.answers)

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
        rules = await FormRuleRepository(session).rules(
            campaign.template_version_id, invitation.relationship
        )
        given = data.answers if data is not None else None
        answers: Sequence[AnswerWrite | Answer]
        if given is not None:
            validate_answers(given, rules)
            answers = given
        else:
            answers = await AnswerRepository(session).of(invitation.id)
        answered = {a.item_id for a in answers}
        missing = missing_required(answered, rules)
        if missing:
            raise InvalidInput("Required items are not answered.", errors=missing)
        had_draft = invitation.status is InvitationStatus.IN_PROGRESS
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
        # The invitation's UPDATE (a compare-and-swap on its version) goes first, so a
        # concurrent writer of the same invitation loses there, before any answer.
        await session.flush()
        if given is not None:
            await self._replace(session, invitation, given, had_draft=had_draft)
        return response_read(invitation, answers)

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
        self,
        session: AsyncSession,
        invitation: Invitation,
        answers: Sequence[AnswerWrite],
        *,
        had_draft: bool,
    ) -> None:
        """The draft becomes these answers. A pending invitation has no answers yet (only
        a draft, which makes it in progress, writes them), so nothing is deleted then."""
        repo = AnswerRepository(session)
        if had_draft:
            await repo.delete_of(invitation.id)
        await repo.insert_all(invitation.id, answers)


response_service = ResponseService()
