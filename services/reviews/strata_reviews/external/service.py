"""External raters: requests that arrive without an account, authorised by the token
of an invitation link.

The gateway forwards `/api/v1/reviews/external/...` without an API key, with an
anonymous identity (no tenant, no roles), so the request's session starts bound to no
tenant and sees nothing. To serve it:

1. the token's SHA-256 is looked up on a *separate, short* session opened with
   `allow_cross_tenant`: one unique-index read of (tenant id, link id), nothing else;
2. the request's session is then bound to that tenant with `bind_tenant`, before any
   other query, so everything that follows is scoped exactly as for a tenant's caller;
3. the link is checked (unused, not replaced, not expired) and its invitation loaded.

A token therefore reaches one invitation of one tenant and nothing beyond it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims
from strata_kit.db import SessionDep, allow_cross_tenant, bind_tenant
from strata_reviews.campaigns.models import Campaign
from strata_reviews.clock import Now
from strata_reviews.invitations.exceptions import LinkInvalid
from strata_reviews.invitations.models import Invitation
from strata_reviews.invitations.repository import find_link_tenant
from strata_reviews.invitations.service import hash_token, invitation_service, looks_like_token


@dataclass(frozen=True)
class ExternalInvitation:
    invitation: Invitation
    campaign: Campaign
    actor: IdentityClaims
    """Who the audit trail records: the invitation link, in the invitation's tenant."""


async def resolve_token(
    maker: async_sessionmaker[AsyncSession], session: AsyncSession, token: str, now: datetime
) -> ExternalInvitation:
    if not looks_like_token(token):
        raise LinkInvalid("This invitation link is not valid.")
    async with maker() as lookup:
        found = await find_link_tenant(allow_cross_tenant(lookup), hash_token(token))
    if found is None:
        raise LinkInvalid("This invitation link is not valid.")
    tenant_id, link_id = found
    bind_tenant(session, tenant_id)
    link = await invitation_service.check_link(session, link_id, now)
    invitation, campaign = await invitation_service.load_for_link(session, link, lock=True)
    actor = IdentityClaims(subject=f"invitation-link:{link.id}", tenant_id=tenant_id)
    return ExternalInvitation(invitation, campaign, actor)


async def external_invitation(
    request: Request,
    session: SessionDep,
    now: Now,
    token: Annotated[str, Path(description="The token of the invitation link.")],
) -> ExternalInvitation:
    """The invitation a link's token opens; the request's session is bound to its tenant."""
    return await resolve_token(request.app.state.sessionmaker, session, token, now)


ExternalCaller = Annotated[ExternalInvitation, Depends(external_invitation)]
