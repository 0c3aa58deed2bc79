"""Disclosure: who answered what, for HR, as an audited exception (see the contracts'
`strata_contracts.reviews.disclosure`). Two people are involved: an admin grants, a
different HR user discloses; both acts, with their reasons, land in the audit trail."""

from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_contracts.reviews.disclosure import (
    DisclosedRater,
    RaterDisclosureRead,
    RaterDisclosureRequest,
    RevealGrantCreate,
    RevealGrantRead,
    RevealGrantRevoke,
)
from strata_contracts.reviews.responses import AnswerRead
from strata_contracts.reviews.vocabulary import InvitationStatus
from strata_kit.audit import record_audit, snapshot
from strata_kit.errors import Conflict, InvalidInput, field
from strata_kit.pagination import PageParams, paginate
from strata_reviews.campaigns.exceptions import CampaignNotFound, RateeNotFound
from strata_reviews.campaigns.repository import CampaignRepository
from strata_reviews.disclosure.exceptions import GrantNotFound, NoRevealGrant
from strata_reviews.disclosure.models import RevealGrant
from strata_reviews.disclosure.repository import RevealGrantRepository
from strata_reviews.invitations.repository import InvitationRepository
from strata_reviews.models import AuditRecord, session_tenant
from strata_reviews.responses.repository import AnswerRepository
from strata_reviews.results.exceptions import ResultsNotReady

MAX_GRANT_DAYS = 30


class DisclosureService:
    async def grant(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        data: RevealGrantCreate,
        now: datetime,
    ) -> RevealGrantRead:
        """An admin lets one HR user disclose raters (never themselves: four eyes)."""
        errors = []
        if data.grantee_subject == identity.subject:
            errors.append(field("grantee_subject", "nobody grants themselves", "self_grant"))
        if data.expires_at <= now:
            errors.append(field("expires_at", "must be in the future", "past"))
        elif (data.expires_at - now).days >= MAX_GRANT_DAYS:
            errors.append(field("expires_at", f"at most {MAX_GRANT_DAYS} days ahead", "too_long"))
        if errors:
            raise InvalidInput("The grant is not valid.", errors=errors)
        if (
            data.campaign_id is not None
            and await CampaignRepository(session).get(data.campaign_id) is None
        ):
            raise InvalidInput(
                "No such campaign.", errors=[field("campaign_id", "unknown campaign", "unknown")]
            )
        grant = RevealGrant(
            tenant_id=session_tenant(session),
            grantee_subject=data.grantee_subject,
            campaign_id=data.campaign_id,
            granted_by=identity.subject,
            reason=data.reason,
            expires_at=data.expires_at,
        )
        session.add(grant)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="reveal_grant",
            entity_id=grant.id,
            action="granted",
            after=snapshot(grant),
            reason=data.reason,
        )
        return RevealGrantRead.model_validate(grant)

    async def revoke(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        grant_id: UUID,
        data: RevealGrantRevoke,
        now: datetime,
    ) -> RevealGrantRead:
        grant = await RevealGrantRepository(session).get(grant_id)
        if grant is None:
            raise GrantNotFound(f"No grant {grant_id}.")
        if grant.revoked_at is not None:
            raise Conflict("The grant is revoked already.")
        before = snapshot(grant)
        grant.revoked_at = now
        grant.revoked_by = identity.subject
        grant.revoke_reason = data.reason
        session.add(grant)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="reveal_grant",
            entity_id=grant.id,
            action="revoked",
            before=before,
            after=snapshot(grant),
            reason=data.reason,
        )
        return RevealGrantRead.model_validate(grant)

    async def list_grants(self, session: AsyncSession, params: PageParams) -> Page[RevealGrantRead]:
        return await paginate(
            session,
            RevealGrantRepository(session).list_statement(),
            sort=RevealGrant.created_at,  # type: ignore[arg-type]
            id_column=RevealGrant.id,  # type: ignore[arg-type]
            params=params,
            to_item=RevealGrantRead.model_validate,
            updated_column=RevealGrant.updated_at,  # type: ignore[arg-type]
        )

    async def disclose(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign_id: UUID,
        ratee_id: UUID,
        data: RaterDisclosureRequest,
        now: datetime,
    ) -> RaterDisclosureRead:
        """Who rated the ratee and what each answered. Needs a live grant for the
        caller and this campaign; the disclosure itself is audited with its reason."""
        repo = CampaignRepository(session)
        campaign = await repo.get(campaign_id)
        if campaign is None:
            raise CampaignNotFound(f"No campaign {campaign_id}.")
        ratee = await repo.get_ratee(campaign_id, ratee_id)
        if ratee is None:
            raise RateeNotFound(f"Employee {ratee_id} is not reviewed in this campaign.")
        grants = await RevealGrantRepository(session).active_for(identity.subject, campaign_id, now)
        if not grants:
            raise NoRevealGrant("Disclosing raters needs a live grant from an admin.")
        if campaign.closed_at is None:
            raise ResultsNotReady("Raters are disclosed only for a closed campaign.")
        invitations = await InvitationRepository(session).of_ratee(campaign_id, ratee_id)
        submitted = [i.id for i in invitations if i.status is InvitationStatus.SUBMITTED]
        answers: dict[UUID, list[AnswerRead]] = {}
        for answer in await AnswerRepository(session).of_many(submitted):
            answers.setdefault(answer.invitation_id, []).append(AnswerRead.model_validate(answer))
        grant = grants[0]
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="campaign_ratee",
            entity_id=ratee.id,
            action="raters_disclosed",
            after={
                "campaign_id": str(campaign_id),
                "ratee_id": str(ratee_id),
                "grant_id": str(grant.id),
                "invitations": [str(i.id) for i in invitations],
            },
            reason=data.reason,
        )
        return RaterDisclosureRead(
            campaign_id=campaign_id,
            ratee_id=ratee_id,
            grant_id=grant.id,
            disclosed_at=now,
            raters=[
                DisclosedRater(
                    invitation_id=i.id,
                    relationship=i.relationship,
                    rater_employee_id=i.rater_employee_id,
                    external_name=i.external_name,
                    external_email=i.external_email,
                    status=i.status,
                    submitted_at=i.submitted_at,
                    answers=sorted(answers.get(i.id, []), key=lambda a: str(a.item_id)),
                )
                for i in invitations
            ],
        )


disclosure_service = DisclosureService()
