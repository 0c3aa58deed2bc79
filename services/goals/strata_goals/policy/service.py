"""The tenant's goal policy, with the domain's defaults until HR changes it."""

from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.weights import GoalsPolicyRead, GoalsPolicyUpdate
from strata_contracts.identity import IdentityClaims
from strata_goals.audit.service import audit_service
from strata_goals.policy.models import GoalsPolicy
from strata_goals.policy.repository import PolicyRepository
from strata_goals.queries import add_row
from strata_kit.audit import snapshot
from strata_kit.errors import InvalidInput, field

DEFAULT_POLICY = GoalsPolicyRead(
    min_weight=Decimal(5),
    max_weight=Decimal(40),
    min_post_indicators=3,
    max_post_indicators=8,
    check_in_interval_days=14,
)


class PolicyService:
    async def get(self, session: AsyncSession) -> GoalsPolicyRead:
        row = await PolicyRepository(session).get()
        return GoalsPolicyRead.model_validate(row) if row is not None else DEFAULT_POLICY

    async def update(
        self, session: AsyncSession, identity: IdentityClaims, data: GoalsPolicyUpdate
    ) -> GoalsPolicyRead:
        row = await PolicyRepository(session).get()
        current = GoalsPolicyRead.model_validate(row) if row is not None else DEFAULT_POLICY
        merged = current.model_copy(update=data.model_dump(exclude_unset=True, exclude_none=True))
        problems = []
        if merged.min_weight > merged.max_weight:
            problems.append(field("min_weight", "above max_weight"))
        if merged.min_post_indicators > merged.max_post_indicators:
            problems.append(field("min_post_indicators", "above max_post_indicators"))
        if problems:
            raise InvalidInput("The policy contradicts itself.", errors=problems)
        before = snapshot(row)
        if row is None:
            row = add_row(session, GoalsPolicy, **merged.model_dump())
        else:
            for name, value in merged.model_dump().items():
                setattr(row, name, value)
            session.add(row)
        await session.flush()
        await audit_service.record(
            session,
            identity,
            entity_type="policy",
            entity_id=row.id,
            action="updated",
            before=before,
            after=snapshot(row),
        )
        return merged


policy_service = PolicyService()
