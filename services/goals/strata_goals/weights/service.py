"""Rules of post weights: every active indicator of the post weighted, total 100 %, each
within the policy's bounds; AHP matrices rejected when inconsistent (CR ≥ 0.10)."""

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.calc import AhpRequest, AhpResult, WeightItem
from strata_contracts.goals.events import PostWeight, PostWeightsChanged
from strata_contracts.goals.weights import (
    AhpWeightsRequest,
    AhpWeightsResult,
    IndicatorWeight,
    PostWeightItem,
    PostWeightsRead,
    PostWeightsSet,
)
from strata_contracts.identity import IdentityClaims
from strata_contracts.problem import FieldProblem
from strata_goals.audit.service import audit_service
from strata_goals.calc import AhpMatrixError, ahp_weights, validate_weights
from strata_goals.events import emit
from strata_goals.org.service import org_service
from strata_goals.policy.service import policy_service
from strata_goals.strategy.models import Indicator
from strata_goals.strategy.repository import IndicatorRepository
from strata_goals.weights.exceptions import InconsistentComparisons
from strata_kit.errors import InvalidInput, field

WEIGHTS_CHANGED = "goals.weights.changed"


class WeightService:
    async def read(self, session: AsyncSession, position_id: uuid.UUID) -> PostWeightsRead:
        await org_service.get_position(session, position_id)
        indicators = await self._indicators(session, position_id)
        policy = await policy_service.get(session)
        weights = [i.weight if i.weight is not None else Decimal(0) for i in indicators]
        problems = validate_weights(
            [
                WeightItem(indicator_id=i.id, weight=w, perspective=i.perspective)
                for i, w in zip(indicators, weights, strict=True)
            ],
            min_weight=policy.min_weight,
            max_weight=policy.max_weight,
        )
        return PostWeightsRead(
            position_id=position_id,
            items=[
                PostWeightItem(
                    indicator_id=i.id, name=i.name, perspective=i.perspective, weight=i.weight
                )
                for i in indicators
            ],
            total=sum(weights, Decimal(0)),
            problems=problems,
        )

    async def set_direct(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        position_id: uuid.UUID,
        data: PostWeightsSet,
    ) -> PostWeightsRead:
        """Weights entered directly: all of the post's indicators, total 100, in bounds."""
        await org_service.get_position(session, position_id)
        indicators = await self._indicators(session, position_id)
        ordered = self._match(indicators, [item.indicator_id for item in data.items])
        weights = {item.indicator_id: item.weight for item in data.items}
        await self._check(session, ordered, [weights[i.id] for i in ordered], data)
        await self._store(session, identity, position_id, ordered, weights, "direct", data.reason)
        return await self.read(session, position_id)

    async def set_by_ahp(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        position_id: uuid.UUID,
        data: AhpWeightsRequest,
    ) -> AhpWeightsResult:
        """Weights from a pairwise comparison matrix, stored when asked and consistent."""
        await org_service.get_position(session, position_id)
        indicators = await self._indicators(session, position_id)
        ordered = self._match(indicators, data.indicator_ids, pointer="indicator_ids")
        if len(data.matrix) != len(ordered):
            raise InvalidInput(
                "The matrix compares a different number of indicators.",
                errors=[field("matrix", f"needs {len(ordered)} rows, one per indicator")],
            )
        result = self.calculate(AhpRequest(matrix=data.matrix, labels=[i.name for i in ordered]))
        if not result.consistent:
            raise InconsistentComparisons(
                f"The comparisons are inconsistent: CR {result.cr:.4f} ≥ 0.10. Revise the "
                "pairs named in `errors`, worst first.",
                errors=[
                    field(
                        f"matrix/{pair.row}/{pair.column}",
                        f"{pair.row_label} vs {pair.column_label}: {pair.value:g} disagrees with "
                        f"the other judgments, which imply {pair.consistent_value:.3g}; try "
                        f"{pair.suggested} (CR would be {pair.cr_if_revised:.4f})",
                        "inconsistent",
                    )
                    for pair in result.inconsistencies
                ],
                ahp=result.model_dump(mode="json"),
            )
        weights = dict(zip((i.id for i in ordered), result.weights_percent, strict=True))
        if data.apply:
            await self._check(
                session, ordered, [weights[i.id] for i in ordered], None, pointer="matrix"
            )
            await self._store(session, identity, position_id, ordered, weights, "ahp", data.reason)
        return AhpWeightsResult(
            ahp=result,
            applied=data.apply,
            weights=[IndicatorWeight(indicator_id=i.id, weight=weights[i.id]) for i in ordered],
        )

    def calculate(self, data: AhpRequest) -> AhpResult:
        """AHP on a matrix alone: weights, λmax, CI, RI, CR and the worst pairs."""
        try:
            return ahp_weights(data.matrix, labels=data.labels)
        except AhpMatrixError as exc:
            raise InvalidInput(
                f"The matrix is not a pairwise comparison matrix: {exc.detail}.",
                errors=[field(p.pointer, p.detail, p.code) for p in exc.problems],
            ) from exc

    async def _indicators(self, session: AsyncSession, position_id: uuid.UUID) -> list[Indicator]:
        return (await IndicatorRepository(session).of_positions([position_id])).get(position_id, [])

    def _match(
        self,
        indicators: Sequence[Indicator],
        given: Sequence[uuid.UUID],
        pointer: str = "items",
    ) -> list[Indicator]:
        """The post's indicators in the order given; every one exactly once."""
        by_id = {i.id: i for i in indicators}
        problems: list[FieldProblem] = []
        seen: set[uuid.UUID] = set()
        for index, indicator_id in enumerate(given):
            where = f"{pointer}/{index}" + ("/indicator_id" if pointer == "items" else "")
            if indicator_id not in by_id:
                problems.append(field(where, "not an active indicator of this post"))
            elif indicator_id in seen:
                problems.append(field(where, "given twice"))
            seen.add(indicator_id)
        missing = [i.name for i in indicators if i.id not in seen]
        if missing:
            problems.append(
                field(
                    pointer,
                    "every indicator of the post needs a weight; missing: " + ", ".join(missing),
                )
            )
        if problems:
            raise InvalidInput("The weights do not match the post's indicators.", errors=problems)
        return [by_id[i] for i in given]

    async def _check(
        self,
        session: AsyncSession,
        indicators: Sequence[Indicator],
        weights: Sequence[Decimal],
        data: PostWeightsSet | None,
        pointer: str | None = None,
    ) -> None:
        policy = await policy_service.get(session)
        problems = validate_weights(
            [
                WeightItem(indicator_id=i.id, weight=w, perspective=i.perspective)
                for i, w in zip(indicators, weights, strict=True)
            ],
            min_weight=policy.min_weight,
            max_weight=policy.max_weight,
        )
        if problems:
            raise InvalidInput(
                "The weights are invalid: " + "; ".join(p.detail for p in problems) + ".",
                errors=[field(pointer or p.pointer, p.detail, p.code) for p in problems],
            )

    async def _store(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        position_id: uuid.UUID,
        indicators: Sequence[Indicator],
        weights: dict[uuid.UUID, Decimal],
        method: Literal["direct", "ahp"],
        reason: str | None,
    ) -> None:
        before = {str(i.id): str(i.weight) if i.weight is not None else None for i in indicators}
        for indicator in indicators:
            indicator.weight = weights[indicator.id]
            session.add(indicator)
        await session.flush()
        after = {str(i.id): str(i.weight) for i in indicators}
        await audit_service.record(
            session,
            identity,
            entity_type="post_weights",
            entity_id=position_id,
            action=f"set_{method}",
            before={"weights": before},
            after={"weights": after},
            reason=reason,
        )
        await emit(
            session,
            WEIGHTS_CHANGED,
            f"position/{position_id}",
            PostWeightsChanged(
                position_id=position_id,
                method=method,
                weights=[PostWeight(indicator_id=i.id, weight=weights[i.id]) for i in indicators],
                reason=reason,
            ),
        )


weight_service = WeightService()
