"""Invitations: one per rater and ratee. Internal raters answer as themselves; external
raters (customers) through a single-use, expiring link that Strata stores only hashed."""

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_contracts.reviews import events
from strata_contracts.reviews.invitations import (
    ExternalLinkRead,
    InvitationRead,
    ReminderBatchRead,
    ReminderRequest,
)
from strata_contracts.reviews.vocabulary import (
    UNFINISHED_STATUSES,
    InvitationStatus,
    Relationship,
)
from strata_kit.audit import record_audit, snapshot
from strata_kit.errors import InvalidInput, field
from strata_kit.outbox import record_event
from strata_kit.pagination import PageParams, paginate
from strata_reviews.access import is_hr
from strata_reviews.campaigns.exceptions import CampaignNotFound
from strata_reviews.campaigns.models import Campaign
from strata_reviews.campaigns.repository import CampaignRepository
from strata_reviews.campaigns.state import ensure_accepting_answers
from strata_reviews.invitations.exceptions import (
    InvitationFinished,
    InvitationNotFound,
    LinkGone,
    LinkInvalid,
    NotExternal,
)
from strata_reviews.invitations.models import Invitation, InvitationLink, Reminder
from strata_reviews.invitations.ports import AnswerStore
from strata_reviews.invitations.repository import InvitationRepository
from strata_reviews.models import AuditRecord, OutboxEvent, session_tenant

EXTERNAL_PREFIX = "/api/v1/reviews/external/invitations"
TOKEN_BYTES = 32
TOKEN_LENGTH = 43  # url-safe base64 of 32 bytes, unpadded


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return len(token) == TOKEN_LENGTH and all(c.isalnum() or c in "-_" for c in token)


def employee_key(employee_id: UUID) -> str:
    return f"employee:{employee_id}"


def email_key(email: str) -> str:
    return f"email:{email.lower()}"


def invitation_read(invitation: Invitation, campaign: Campaign, ratee_name: str) -> InvitationRead:
    return InvitationRead(
        id=invitation.id,
        created_at=invitation.created_at,
        updated_at=invitation.updated_at,
        campaign_id=invitation.campaign_id,
        ratee_id=invitation.ratee_id,
        ratee_name=ratee_name,
        relationship=invitation.relationship,
        rater_employee_id=invitation.rater_employee_id,
        external=invitation.external,
        external_name=invitation.external_name,
        external_email=invitation.external_email,
        status=invitation.status,
        due_at=campaign.due_at,
        closes_at=campaign.closes_at,
        submitted_at=invitation.submitted_at,
        declined_at=invitation.declined_at,
        decline_reason=invitation.decline_reason,
        reminder_count=invitation.reminder_count,
        last_reminded_at=invitation.last_reminded_at,
    )


def notice(invitation: Invitation, campaign: Campaign, number: int) -> events.InvitationNotice:
    return events.InvitationNotice(
        invitation_id=invitation.id,
        campaign_id=campaign.id,
        rater_employee_id=invitation.rater_employee_id,
        external_email=invitation.external_email,
        due_at=campaign.due_at,
        closes_at=campaign.closes_at,
        reminder_number=number,
    )


class InvitationService:
    # --- issuing ----------------------------------------------------------------------

    async def issue(
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
    ) -> Invitation:
        """Invite one rater for one ratee (when the campaign opens, or when a nomination
        is approved while it is open) and announce it as an event."""
        if rater_employee_id is not None:
            key = employee_key(rater_employee_id)
        elif external_email is not None:
            key = email_key(external_email)
        else:  # pragma: no cover - nominations guarantee one of the two
            raise ValueError("an invitation needs an employee or an e-mail address")
        invitation = Invitation(
            tenant_id=session_tenant(session),
            campaign_id=campaign.id,
            ratee_id=ratee_id,
            nomination_id=nomination_id,
            relationship=relationship,
            rater_employee_id=rater_employee_id,
            external_name=external_name,
            external_email=external_email,
            rater_key=key,
        )
        session.add(invitation)
        await record_event(
            session,
            OutboxEvent,
            type=events.INVITATION_CREATED,
            subject=f"invitation/{invitation.id}",
            data=notice(invitation, campaign, 0),
        )
        return invitation

    # --- reading ----------------------------------------------------------------------

    async def load(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        invitation_id: UUID,
        *,
        lock: bool = False,
    ) -> tuple[Invitation, Campaign]:
        """An invitation the caller answers. Anybody else's reads as unknown (404): who
        was asked to rate whom is not shown to other employees."""
        found = await InvitationRepository(session).get_with_campaign(invitation_id, lock=lock)
        if (
            found is None
            or found[0].rater_employee_id is None
            or found[0].rater_employee_id != identity.employee_id
        ):
            raise InvitationNotFound(f"No invitation {invitation_id} for this caller.")
        return found

    async def get(
        self, session: AsyncSession, identity: IdentityClaims, invitation_id: UUID
    ) -> InvitationRead:
        """The rater's own invitation; HR may read any (status only, never answers)."""
        if is_hr(identity):
            invitation = await InvitationRepository(session).get(invitation_id)
            if invitation is None:
                raise InvitationNotFound(f"No invitation {invitation_id}.")
            campaign = await self._campaign(session, invitation.campaign_id)
        else:
            invitation, campaign = await self.load(session, identity, invitation_id)
        return (await self._reads(session, [invitation], {campaign.id: campaign}))[0]

    async def list_mine(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        status: InvitationStatus | None,
        params: PageParams,
    ) -> Page[InvitationRead]:
        if identity.employee_id is None:
            return Page[InvitationRead](items=[])
        repo = InvitationRepository(session)
        return await self._page(
            session, repo.rater_statement(identity.employee_id, status=status), params
        )

    async def list_for_campaign(
        self,
        session: AsyncSession,
        campaign_id: UUID,
        status: InvitationStatus | None,
        params: PageParams,
    ) -> Page[InvitationRead]:
        await self._campaign(session, campaign_id)
        repo = InvitationRepository(session)
        return await self._page(
            session, repo.campaign_statement(campaign_id, status=status), params
        )

    # --- declining --------------------------------------------------------------------

    async def decline(
        self,
        session: AsyncSession,
        actor: IdentityClaims,
        invitation: Invitation,
        campaign: Campaign,
        reason: str,
        now: datetime,
        answers: AnswerStore,
    ) -> InvitationRead:
        """Decline with a reason; a saved draft is discarded."""
        ensure_accepting_answers(campaign, now)
        if invitation.status not in UNFINISHED_STATUSES:
            raise InvitationFinished(f"The invitation is {invitation.status.value} already.")
        if invitation.relationship is Relationship.SELF:
            raise InvalidInput(
                "A self-assessment cannot be declined.",
                errors=[field("reason", "self-assessments cannot be declined", "not_allowed")],
            )
        before = snapshot(invitation)
        await answers.discard(session, invitation.id)
        invitation.status = InvitationStatus.DECLINED
        invitation.declined_at = now
        invitation.decline_reason = reason
        session.add(invitation)
        await self.consume_links(session, invitation, now)
        await record_audit(
            session,
            AuditRecord,
            identity=actor,
            entity_type="invitation",
            entity_id=invitation.id,
            action="declined",
            before=before,
            after=snapshot(invitation),
            reason=reason,
        )
        await record_event(
            session,
            OutboxEvent,
            type=events.INVITATION_DECLINED,
            subject=f"invitation/{invitation.id}",
            data=events.InvitationDeclined(
                invitation_id=invitation.id, campaign_id=campaign.id, declined_at=now
            ),
        )
        await session.flush()
        return (await self._reads(session, [invitation], {campaign.id: campaign}))[0]

    # --- external links ---------------------------------------------------------------

    async def issue_link(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        invitation_id: UUID,
        now: datetime,
        ttl: timedelta,
    ) -> ExternalLinkRead:
        """A fresh single-use link for an external rater; any earlier link stops working.
        Only the token's SHA-256 is stored; the token itself is in this answer only."""
        repo = InvitationRepository(session)
        invitation = await repo.get(invitation_id)
        if invitation is None:
            raise InvitationNotFound(f"No invitation {invitation_id}.")
        if not invitation.external:
            raise NotExternal("Employees answer as themselves; links are for external raters.")
        campaign = await self._campaign(session, invitation.campaign_id)
        ensure_accepting_answers(campaign, now)
        if invitation.status not in UNFINISHED_STATUSES:
            raise InvitationFinished(f"The invitation is {invitation.status.value} already.")
        for old in await repo.active_links(invitation.id):
            old.revoked_at = now
            session.add(old)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        link = InvitationLink(
            tenant_id=session_tenant(session),
            invitation_id=invitation.id,
            token_hash=hash_token(token),
            expires_at=min(now + ttl, campaign.closes_at),
        )
        session.add(link)
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="invitation",
            entity_id=invitation.id,
            action="link_issued",
            after={"link_id": str(link.id), "expires_at": link.expires_at.isoformat()},
        )
        await session.flush()
        return ExternalLinkRead(
            invitation_id=invitation.id,
            token=token,
            path=f"{EXTERNAL_PREFIX}/{token}",
            expires_at=link.expires_at,
        )

    async def check_link(
        self, session: AsyncSession, link_id: UUID, now: datetime
    ) -> InvitationLink:
        """The link, if it can still be used (the session is bound to its tenant)."""
        link = await InvitationRepository(session).get_link(link_id)
        if link is None:
            raise LinkInvalid("This invitation link is not valid.")
        if link.used_at is not None:
            raise LinkGone("This invitation link has been used already.", reason="used")
        if link.revoked_at is not None:
            raise LinkGone("A newer link replaced this one.", reason="revoked")
        if now >= link.expires_at:
            raise LinkGone("This invitation link has expired.", reason="expired")
        return link

    async def consume_links(
        self, session: AsyncSession, invitation: Invitation, now: datetime
    ) -> None:
        """Single use: a submitted or declined invitation's links stop working. Only
        external invitations have links (`issue_link`), so an employee's costs no query."""
        if not invitation.external:
            return
        for link in await InvitationRepository(session).active_links(invitation.id):
            link.used_at = now
            session.add(link)

    async def load_for_link(
        self, session: AsyncSession, link: InvitationLink, *, lock: bool = False
    ) -> tuple[Invitation, Campaign]:
        repo = InvitationRepository(session)
        found = await repo.get_with_campaign(link.invitation_id, lock=lock)
        if found is None:  # pragma: no cover - the foreign key forbids it
            raise LinkInvalid("This invitation link is not valid.")
        return found

    # --- reminders --------------------------------------------------------------------

    async def remind(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign_id: UUID,
        data: ReminderRequest,
        now: datetime,
    ) -> ReminderBatchRead:
        """Record a reminder for every unfinished invitation (or those named) and emit
        `reviews.invitation.reminder_due` for each; delivery is the notifier's job."""
        campaign = await self._campaign(session, campaign_id)
        ensure_accepting_answers(campaign, now)
        repo = InvitationRepository(session)
        wanted = (
            list(dict.fromkeys(data.invitation_ids)) if data.invitation_ids is not None else None
        )
        invitations = await repo.unfinished(campaign_id, wanted)
        if wanted is not None:
            found = {i.id for i in invitations}
            errors = [
                field(
                    f"invitation_ids/{n}",
                    "not an unfinished invitation of this campaign",
                    "unknown",
                )
                for n, invitation_id in enumerate(data.invitation_ids or [])
                if invitation_id not in found
            ]
            if errors:
                raise InvalidInput("Some invitations cannot be reminded.", errors=errors)
        for invitation in invitations:
            invitation.reminder_count += 1
            invitation.last_reminded_at = now
            session.add(invitation)
            repo.add_reminder(
                Reminder(
                    tenant_id=session_tenant(session),
                    invitation_id=invitation.id,
                    campaign_id=campaign_id,
                    number=invitation.reminder_count,
                    requested_by=identity.subject,
                )
            )
            await record_event(
                session,
                OutboxEvent,
                type=events.INVITATION_REMINDER_DUE,
                subject=f"invitation/{invitation.id}",
                data=notice(invitation, campaign, invitation.reminder_count),
            )
        await session.flush()
        return ReminderBatchRead(
            campaign_id=campaign_id,
            reminded=len(invitations),
            invitation_ids=[i.id for i in invitations],
        )

    # --- helpers ----------------------------------------------------------------------

    async def _campaign(self, session: AsyncSession, campaign_id: UUID) -> Campaign:
        campaign = await CampaignRepository(session).get(campaign_id)
        if campaign is None:
            raise CampaignNotFound(f"No campaign {campaign_id}.")
        return campaign

    async def _page(
        self, session: AsyncSession, statement: SelectOfScalar[Invitation], params: PageParams
    ) -> Page[InvitationRead]:
        page = await paginate(
            session,
            statement,
            sort=Invitation.created_at,  # type: ignore[arg-type]
            id_column=Invitation.id,  # type: ignore[arg-type]
            params=params,
            to_item=lambda row: row,
            updated_column=Invitation.updated_at,  # type: ignore[arg-type]
        )
        return Page[InvitationRead](
            items=await self._reads(session, page.items, {}), next_cursor=page.next_cursor
        )

    async def _reads(
        self,
        session: AsyncSession,
        invitations: Sequence[Invitation],
        campaigns: dict[UUID, Campaign],
    ) -> list[InvitationRead]:
        repo = CampaignRepository(session)
        missing = {i.campaign_id for i in invitations} - campaigns.keys()
        campaigns = {**campaigns, **await repo.get_many(missing)}
        ratees = await repo.ratees_by_keys({(i.campaign_id, i.ratee_id) for i in invitations})
        return [
            invitation_read(i, campaigns[i.campaign_id], ratees[(i.campaign_id, i.ratee_id)].name)
            for i in invitations
        ]


invitation_service = InvitationService()
