"""Rules of the Balanced Scorecard: perspective weights total 100 per level or post, balance
rules checked on every post (default: non-financial at least 40 %), attainment per
perspective pooled over the plans of each employee, post, department and the enterprise."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.calc import BalanceRule, WeightItem
from strata_contracts.goals.scorecard import (
    BalanceReport,
    BalanceRulesRead,
    BalanceRulesReplace,
    LevelBalance,
    PerspectiveAttainment,
    PerspectiveMismatch,
    PerspectiveWeightsRead,
    PerspectiveWeightsSet,
    PostBalance,
    ScorecardEntry,
    ScorecardReport,
)
from strata_contracts.goals.vocabulary import Level, Perspective
from strata_contracts.identity import IdentityClaims
from strata_contracts.problem import FieldProblem
from strata_goals.audit.service import audit_service
from strata_goals.calc import BalanceRuleError, check_balance, default_balance_rules
from strata_goals.calc import perspective_weights as sum_by_perspective
from strata_goals.calc.scoring import quantise_score
from strata_goals.calc.weights import TOTAL_TOLERANCE
from strata_goals.cycles.service import cycle_service
from strata_goals.org.repository import EmployeeRepository, OrgUnitRepository, PositionRepository
from strata_goals.plans.scoring import ScoredPlan, plan_scoring
from strata_goals.queries import add_row
from strata_goals.scorecard.models import BalanceRuleRow, PerspectiveWeight
from strata_goals.scorecard.repository import ScorecardRepository
from strata_goals.strategy.repository import IndicatorRepository
from strata_kit.errors import InvalidInput, field

HUNDRED = Decimal(100)
_LEVEL_ENTITY = uuid.UUID("6f1d3a52-8c1e-4c39-9b8e-5b0c1f0d7a10")


def _weights_read(rows: Iterable[PerspectiveWeight]) -> list[PerspectiveWeightsRead]:
    groups: dict[tuple[Level | None, uuid.UUID | None], dict[Perspective, Decimal]] = {}
    for row in rows:
        groups.setdefault((row.level, row.position_id), {})[row.perspective] = row.weight
    return [
        PerspectiveWeightsRead(level=level, position_id=position_id, weights=weights)
        for (level, position_id), weights in groups.items()
    ]


class ScorecardService:
    # --- perspective weights -------------------------------------------------------------

    async def perspective_weights(self, session: AsyncSession) -> list[PerspectiveWeightsRead]:
        return _weights_read(await ScorecardRepository(session).perspective_weights())

    async def set_perspective_weights(
        self, session: AsyncSession, identity: IdentityClaims, data: PerspectiveWeightsSet
    ) -> PerspectiveWeightsRead:
        """Replace the perspective weights of a level or post; they must total 100 %."""
        if (
            data.position_id is not None
            and await PositionRepository(session).get(data.position_id) is None
        ):
            raise InvalidInput(
                "The position does not exist.",
                errors=[field("position_id", "no such position in this tenant")],
            )
        total = sum(data.weights.values(), Decimal(0))
        if abs(total - HUNDRED) > TOTAL_TOLERANCE:
            raise InvalidInput(
                f"Perspective weights total {total} %, not 100 %.",
                errors=[field("weights", f"total {total} %, must be 100 %", "total")],
            )
        repo = ScorecardRepository(session)
        before = [
            w
            for w in _weights_read(await repo.perspective_weights())
            if (w.level, w.position_id) == (data.level, data.position_id)
        ]
        await repo.delete_perspective_weights(level=data.level, position_id=data.position_id)
        for perspective, weight in data.weights.items():
            add_row(
                session,
                PerspectiveWeight,
                level=data.level,
                position_id=data.position_id,
                perspective=perspective,
                weight=weight,
            )
        await session.flush()
        result = PerspectiveWeightsRead(
            level=data.level, position_id=data.position_id, weights=dict(data.weights)
        )
        await audit_service.record(
            session,
            identity,
            entity_type="perspective_weights",
            entity_id=data.position_id or uuid.uuid5(_LEVEL_ENTITY, str(data.level)),
            action="set",
            before=before[0].model_dump(mode="json") if before else None,
            after=result.model_dump(mode="json"),
        )
        return result

    # --- balance rules -------------------------------------------------------------------

    async def rules(self, session: AsyncSession) -> BalanceRulesRead:
        rows = await ScorecardRepository(session).rules()
        if not rows:
            return BalanceRulesRead(rules=default_balance_rules(), default=True)
        return BalanceRulesRead(rules=[_rule(row) for row in rows], default=False)

    async def replace_rules(
        self, session: AsyncSession, identity: IdentityClaims, data: BalanceRulesReplace
    ) -> BalanceRulesRead:
        problems: list[FieldProblem] = []
        seen: set[str] = set()
        for i, rule in enumerate(data.rules):
            if rule.id in seen:
                problems.append(field(f"rules/{i}/id", "used twice"))
            seen.add(rule.id)
            try:
                check_balance({}, [rule])
            except BalanceRuleError as exc:
                pointer = "perspectives" if "perspectives" in exc.detail else "limit"
                problems.append(field(f"rules/{i}/{pointer}", exc.detail))
        if problems:
            raise InvalidInput("Some balance rules cannot be checked.", errors=problems)
        repo = ScorecardRepository(session)
        before = await self.rules(session)
        await repo.delete_rules()
        for position, rule in enumerate(data.rules):
            add_row(
                session,
                BalanceRuleRow,
                rule_key=rule.id,
                kind=rule.kind,
                perspectives=[p.value for p in rule.perspectives],
                limit=rule.limit,
                description=rule.description,
                position=position,
            )
        await session.flush()
        after = await self.rules(session)
        await audit_service.record(
            session,
            identity,
            entity_type="balance_rules",
            entity_id=_LEVEL_ENTITY,
            action="replaced",
            before=before.model_dump(mode="json"),
            after=after.model_dump(mode="json"),
        )
        return after

    # --- reports -------------------------------------------------------------------------

    async def balance(self, session: AsyncSession) -> BalanceReport:
        """Each level's and post's perspective weights against the balance rules."""
        rules = (await self.rules(session)).rules
        configured = {
            (w.level, w.position_id): w.weights for w in await self.perspective_weights(session)
        }
        levels = [
            LevelBalance(
                level=level,
                configured=configured.get((level, None)),
                violations=check_balance(configured[(level, None)], rules)
                if (level, None) in configured
                else [],
            )
            for level in Level
        ]
        positions = sorted(
            await PositionRepository(session).all(), key=lambda p: (p.created_at, p.id)
        )
        indicators = await IndicatorRepository(session).of_positions([p.id for p in positions])
        posts = []
        for position in positions:
            own = indicators.get(position.id, [])
            items = [
                WeightItem(
                    indicator_id=i.id, weight=i.weight or Decimal(0), perspective=i.perspective
                )
                for i in own
            ]
            actual = sum_by_perspective(items)
            target = configured.get((None, position.id))
            source: Literal["post", "level"] | None = "post" if target is not None else None
            if target is None and (Level.POST, None) in configured:
                target, source = configured[(Level.POST, None)], "level"
            posts.append(
                PostBalance(
                    position_id=position.id,
                    title=position.title,
                    org_unit_id=position.org_unit_id,
                    indicators=len(own),
                    weight_total=sum((x.weight for x in items), Decimal(0)),
                    perspective_weights=actual,
                    configured=target,
                    configured_source=source,
                    violations=check_balance(actual, rules) if own else [],
                    mismatches=[
                        PerspectiveMismatch(
                            perspective=p, configured=target.get(p, Decimal(0)), actual=actual[p]
                        )
                        for p in Perspective
                        if target is not None
                        and abs(target.get(p, Decimal(0)) - actual[p]) > TOTAL_TOLERANCE
                    ]
                    if own
                    else [],
                )
            )
        return BalanceReport(rules=rules, levels=levels, posts=posts)

    async def scorecard(self, session: AsyncSession, cycle_id: uuid.UUID) -> ScorecardReport:
        """Attainment per perspective for every employee, post, department (with its
        sub-units) and the enterprise, pooled from the cycle's plan scores."""
        cycle = await cycle_service.get(session, cycle_id)
        scored = [s for s in await plan_scoring.scored_cycle(session, cycle) if s.score]
        employees = await EmployeeRepository(session).by_ids([s.plan.employee_id for s in scored])
        units = {u.id: u for u in await OrgUnitRepository(session).all()}
        positions = await PositionRepository(session).by_ids(
            {e.position_id for e in employees.values() if e.position_id}
        )
        parents = {u.id: u.parent_id for u in units.values()}
        by_post: dict[uuid.UUID, list[ScoredPlan]] = defaultdict(list)
        by_unit: dict[uuid.UUID, list[ScoredPlan]] = defaultdict(list)
        for plan in scored:
            employee = employees[plan.plan.employee_id]
            if employee.position_id is not None:
                by_post[employee.position_id].append(plan)
            unit_id: uuid.UUID | None = employee.org_unit_id
            while unit_id is not None:
                by_unit[unit_id].append(plan)
                unit_id = parents.get(unit_id)
        root = next((u for u in units.values() if u.parent_id is None), None)
        return ScorecardReport(
            cycle_id=cycle.id,
            enterprise=_entry("enterprise", root.id, root.name, scored) if root else None,
            departments=[
                _entry("department", unit.id, unit.name, by_unit[unit.id])
                for unit in sorted(units.values(), key=lambda u: (u.created_at, u.id))
                if unit.parent_id is not None and by_unit.get(unit.id)
            ],
            posts=[
                _entry("post", position_id, positions[position_id].title, plans)
                for position_id, plans in by_post.items()
            ],
            employees=[
                _entry("employee", s.plan.employee_id, employees[s.plan.employee_id].name, [s])
                for s in scored
            ],
        )


def _entry(
    kind: Literal["enterprise", "department", "post", "employee"],
    entry_id: uuid.UUID,
    name: str,
    plans: Sequence[ScoredPlan],
) -> ScorecardEntry:
    points: dict[Perspective, Decimal] = defaultdict(Decimal)
    weights: dict[Perspective, Decimal] = defaultdict(Decimal)
    for plan in plans:
        assert plan.score is not None
        for p in plan.score.perspectives:
            if p.score is not None:
                points[p.perspective] += p.score * p.scored_weight
                weights[p.perspective] += p.scored_weight
    all_weight = sum(weights.values(), Decimal(0))
    return ScorecardEntry(
        kind=kind,
        id=entry_id,
        name=name,
        plans=len(plans),
        total=quantise_score(sum(points.values(), Decimal(0)) / all_weight) if all_weight else None,
        perspectives=[
            PerspectiveAttainment(
                perspective=p,
                attainment=quantise_score(points[p] / weights[p]) if weights[p] else None,
                scored_weight=weights[p],
            )
            for p in Perspective
        ],
    )


def _rule(row: BalanceRuleRow) -> BalanceRule:
    return BalanceRule(
        id=row.rule_key,
        kind=row.kind,
        perspectives=[Perspective(p) for p in row.perspectives],
        limit=row.limit,
        description=row.description,
    )


scorecard_service = ScorecardService()
