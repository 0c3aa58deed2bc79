"""Overall results: refreshed from the read model whenever an input changes, read with the
caller's rights, explained step by step, rolled up."""

import uuid
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.access import employee_filter, sees_tenant, visible_employees
from strata_analytics.models import AuditRecord
from strata_analytics.projections.models import EmployeeView
from strata_analytics.ratings.scores import competency_score
from strata_analytics.results.exceptions import ResultNotFound
from strata_analytics.results.explanation import explanation
from strata_analytics.results.models import OverallResult, ResultPolicy
from strata_analytics.results.policy import (
    DEFAULT_POLICY,
    FOUR,
    Policy,
    combine,
)
from strata_analytics.results.repository import ResultRepository
from strata_contracts.analytics.results import (
    BandCount,
    GroupRollup,
    OverallResultRead,
    PerspectiveRollup,
    RatingBand,
    ResultExplanation,
    ResultPolicyRead,
    ResultPolicyWrite,
    StrategyNode,
)
from strata_contracts.goals.vocabulary import Perspective
from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_kit.audit import record_audit
from strata_kit.errors import Forbidden, InvalidInput, field
from strata_kit.pagination import PageParams, paginate


def template_scope(template_id: uuid.UUID | None) -> str:
    return f"template:{template_id}" if template_id else "default"


def _bands(rows: list[dict[str, Any]]) -> tuple[RatingBand, ...]:
    return tuple(RatingBand.model_validate(b) for b in rows)


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(FOUR, ROUND_HALF_UP)


def missing_parts(row: OverallResult) -> list[str]:
    """The parts the result's policy weighs that it lacks: `plan_score` (KPIs) and
    `competency_score` (360). Empty: the result is complete."""
    missing = []
    if row.kpi_weight > 0 and row.plan_score is None:
        missing.append("plan_score")
    if row.competency_weight > 0 and row.competency_score is None:
        missing.append("competency_score")
    return missing


def result_read(row: OverallResult, employee: EmployeeView | None) -> OverallResultRead:
    final = row.calibrated_overall if row.calibrated_overall is not None else row.overall
    return OverallResultRead(
        id=row.id,
        employee_id=row.employee_id,
        employee_name=employee.name if employee else None,
        org_unit_id=employee.org_unit_id if employee else None,
        cycle_id=row.cycle_id,
        plan_id=row.plan_id,
        plan_score=row.plan_score,
        plan_provisional=row.plan_provisional,
        campaign_id=row.campaign_id,
        competency_mean=row.competency_mean,
        competency_score=row.competency_score,
        kpi_weight=row.kpi_weight,
        competency_weight=row.competency_weight,
        overall=row.overall,
        band=row.band,
        calibrated_overall=row.calibrated_overall,
        calibrated_band=row.calibrated_band,
        final_overall=final,
        final_band=row.calibrated_band or row.band,
        complete=not missing_parts(row),
        locked=row.locked,
        calibration_session_id=row.calibration_session_id,
        updated_at=row.updated_at,
    )


class ResultService:
    # --- policies ---------------------------------------------------------------------

    async def policy_for(
        self, session: AsyncSession, tenant: uuid.UUID, template_id: uuid.UUID | None
    ) -> Policy:
        repo = ResultRepository(session)
        for scope in ([template_scope(template_id)] if template_id else []) + ["default"]:
            row = await repo.policy(tenant, scope)
            if row is not None:
                return Policy(scope, row.kpi_weight, row.competency_weight, _bands(row.bands))
        return DEFAULT_POLICY

    async def policies(self, session: AsyncSession) -> list[ResultPolicyRead]:
        rows = await ResultRepository(session).policies()
        out = [self._policy_read(r) for r in rows]
        if not any(r.scope == "default" for r in rows):
            out.insert(
                0,
                ResultPolicyRead(
                    scope="default",
                    template_id=None,
                    kpi_weight=DEFAULT_POLICY.kpi_weight,
                    competency_weight=DEFAULT_POLICY.competency_weight,
                    bands=list(DEFAULT_POLICY.bands),
                    built_in=True,
                    updated_at=None,
                ),
            )
        return out

    def _policy_read(self, row: ResultPolicy) -> ResultPolicyRead:
        return ResultPolicyRead(
            scope="template" if row.template_id else "default",
            template_id=row.template_id,
            kpi_weight=row.kpi_weight,
            competency_weight=row.competency_weight,
            bands=list(_bands(row.bands)),
            built_in=False,
            updated_at=row.updated_at,
        )

    def _check_policy(self, data: ResultPolicyWrite) -> None:
        problems = []
        if data.kpi_weight + data.competency_weight != 100:
            problems.append(
                field("competency_weight", "kpi_weight and competency_weight must total 100")
            )
        codes: set[str] = set()
        previous: Decimal | None = None
        for index, band in enumerate(data.bands):
            if band.code in codes:
                problems.append(field(f"bands/{index}/code", "duplicate band code"))
            codes.add(band.code)
            if index == 0 and band.min_score != 0:
                problems.append(field("bands/0/min_score", "the first band must start at 0"))
            if previous is not None and band.min_score <= previous:
                problems.append(field(f"bands/{index}/min_score", "bands must ascend by min_score"))
            previous = band.min_score
        if problems:
            raise InvalidInput("The policy is not valid.", errors=problems)

    async def set_policy(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        template_id: uuid.UUID | None,
        data: ResultPolicyWrite,
    ) -> ResultPolicyRead:
        """Set weights and bands, audited; every unlocked result is recomputed with them."""
        self._check_policy(data)
        assert identity.tenant_id is not None
        tenant = identity.tenant_id
        scope = template_scope(template_id)
        row = await ResultRepository(session).policy(tenant, scope)
        before = None
        if row is None:
            row = ResultPolicy(
                tenant_id=tenant,
                scope=scope,
                template_id=template_id,
                kpi_weight=data.kpi_weight,
                competency_weight=data.competency_weight,
            )
        else:
            before = self._policy_read(row).model_dump(mode="json")
        row.kpi_weight, row.competency_weight = data.kpi_weight, data.competency_weight
        row.bands = [b.model_dump(mode="json") for b in data.bands]
        session.add(row)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="result_policy",
            entity_id=row.id,
            action="set",
            before=before,
            after=self._policy_read(row).model_dump(mode="json"),
        )
        for result in await ResultRepository(session).unlocked_results():
            await self.refresh(session, tenant, result.employee_id, result.cycle_id)
        return self._policy_read(row)

    # --- refresh ----------------------------------------------------------------------

    async def refresh(
        self,
        session: AsyncSession,
        tenant: uuid.UUID,
        employee_id: uuid.UUID,
        cycle_id: uuid.UUID,
        *,
        amend_locked: bool = False,
    ) -> OverallResult | None:
        """Recompute one result from the read model. A locked one stays as it is, unless an
        upheld appeal amends it (`amend_locked`): its raw parts are recomputed, it stays
        locked with its calibration."""
        repo = ResultRepository(session)
        row = await repo.result(tenant, employee_id, cycle_id)
        if row is not None and row.locked and not amend_locked:
            return row
        plan = await repo.plan(tenant, employee_id, cycle_id)
        campaign, facts = await repo.ratee_campaign_facts(tenant, employee_id, cycle_id)
        competency = competency_score(facts)
        plan_score = plan.score if plan else None
        if plan_score is None and (competency is None or competency.score is None):
            if row is not None:
                await session.delete(row)
            return None
        policy = await self.policy_for(session, tenant, campaign.template_id if campaign else None)
        combined = combine(
            plan_score,
            competency.score if competency else None,
            policy.kpi_weight,
            policy.competency_weight,
            policy.bands,
        )
        if row is None:
            row = OverallResult(
                tenant_id=tenant,
                employee_id=employee_id,
                cycle_id=cycle_id,
                kpi_weight=policy.kpi_weight,
                competency_weight=policy.competency_weight,
            )
        row.plan_id = plan.id if plan else None
        row.plan_score = plan_score
        row.plan_provisional = bool(plan and plan.scored_weight < plan.total_weight)
        row.campaign_id = campaign.id if campaign else None
        row.competency_mean = competency.mean if competency else None
        row.competency_score = competency.score if competency else None
        row.policy_scope = policy.scope
        row.kpi_weight, row.competency_weight = policy.kpi_weight, policy.competency_weight
        row.bands = [b.model_dump(mode="json") for b in policy.bands]
        row.overall = combined.overall
        row.band = combined.band.code if combined.band else None
        session.add(row)
        await session.flush()
        return row

    # --- reading ----------------------------------------------------------------------

    async def list_results(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        params: PageParams,
        cycle_id: uuid.UUID | None,
        employee_id: uuid.UUID | None,
    ) -> Page[OverallResultRead]:
        repo = ResultRepository(session)
        statement = repo.results_statement(cycle_id)
        visible = await visible_employees(session, identity)
        if (condition := employee_filter(OverallResult.employee_id, visible)) is not None:
            statement = statement.where(condition)
        if employee_id is not None:
            statement = statement.where(col(OverallResult.employee_id) == employee_id)
        page = await paginate(
            session,
            statement,
            sort=col(OverallResult.updated_at),
            id_column=col(OverallResult.id),
            params=params,
            to_item=lambda row: row,
            updated_column=col(OverallResult.updated_at),
        )
        people = await repo.employees({r.employee_id for r in page.items})
        return Page[OverallResultRead](
            items=[result_read(r, people.get(r.employee_id)) for r in page.items],
            next_cursor=page.next_cursor,
        )

    async def visible_row(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        employee_id: uuid.UUID,
        cycle_id: uuid.UUID,
    ) -> OverallResult:
        """The result, or 404 for one the caller may not see (nothing is confirmed)."""
        assert identity.tenant_id is not None
        visible = await visible_employees(session, identity)
        row = await ResultRepository(session).result(identity.tenant_id, employee_id, cycle_id)
        if row is None or (visible is not None and employee_id not in visible):
            raise ResultNotFound(f"No result for employee {employee_id} in cycle {cycle_id}.")
        return row

    async def get(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        employee_id: uuid.UUID,
        cycle_id: uuid.UUID,
    ) -> OverallResultRead:
        row = await self.visible_row(session, identity, employee_id, cycle_id)
        people = await ResultRepository(session).employees({employee_id})
        return result_read(row, people.get(employee_id))

    async def explain(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        employee_id: uuid.UUID,
        cycle_id: uuid.UUID,
    ) -> ResultExplanation:
        """The result, step by step (`explanation`), for a caller who may see it."""
        row = await self.visible_row(session, identity, employee_id, cycle_id)
        repo = ResultRepository(session)
        people = await repo.employees({employee_id})
        return await explanation(
            repo, row, result_read(row, people.get(employee_id)), _bands(row.bands)
        )

    # --- rollups ----------------------------------------------------------------------

    def _require_tenant_view(self, identity: IdentityClaims) -> None:
        if not sees_tenant(identity):
            raise Forbidden("Rollups are for HR, admins and integrations.")

    async def rollups(
        self, session: AsyncSession, identity: IdentityClaims, cycle_id: uuid.UUID
    ) -> list[GroupRollup]:
        """One rollup per department, then the enterprise."""
        self._require_tenant_view(identity)
        assert identity.tenant_id is not None
        repo = ResultRepository(session)
        results = await repo.cycle_results(cycle_id)
        people = await repo.employees({r.employee_id for r in results})
        units = await repo.org_units()
        policy = await self.policy_for(session, identity.tenant_id, None)
        order = [b.code for b in policy.bands]
        by_unit: dict[uuid.UUID | None, list[OverallResult]] = defaultdict(list)
        for result in results:
            person = people.get(result.employee_id)
            by_unit[person.org_unit_id if person else None].append(result)
        out = [
            _rollup(unit_id, units[unit_id].name if unit_id in units else "Unplaced", rows, order)
            for unit_id, rows in sorted(
                by_unit.items(), key=lambda kv: units[kv[0]].name if kv[0] in units else "~"
            )
        ]
        out.append(_rollup(None, "Enterprise", results, order))
        return out

    async def perspectives(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        cycle_id: uuid.UUID,
        org_unit_id: uuid.UUID | None,
    ) -> list[PerspectiveRollup]:
        self._require_tenant_view(identity)
        repo = ResultRepository(session)
        rows = await repo.cycle_items(cycle_id)
        if org_unit_id is not None:
            people = await repo.employees({p.employee_id for _, p in rows})
            rows = [
                (i, p)
                for i, p in rows
                if (e := people.get(p.employee_id)) is not None and e.org_unit_id == org_unit_id
            ]
        out = []
        for perspective in Perspective:
            items = [i for i, _ in rows if i.perspective == perspective.value and i.weight]
            scored = [i for i in items if i.score is not None]
            weight = sum((i.weight for i in scored if i.weight is not None), Decimal(0))
            points = sum(
                (
                    i.weight * i.score
                    for i in scored
                    if i.weight is not None and i.score is not None
                ),
                Decimal(0),
            )
            out.append(
                PerspectiveRollup(
                    perspective=perspective.value,
                    attainment=(points / weight).quantize(FOUR, ROUND_HALF_UP) if weight else None,
                    scored_weight=weight,
                    indicators=len(items),
                )
            )
        return out

    async def strategy(
        self, session: AsyncSession, identity: IdentityClaims, cycle_id: uuid.UUID
    ) -> list[StrategyNode]:
        """Attainment along the cascade: post indicators from the plans that carry them,
        department indicators and objectives from their children by contribution weight."""
        self._require_tenant_view(identity)
        repo = ResultRepository(session)
        indicators = await repo.indicators()
        objectives = await repo.objectives()
        scores: dict[uuid.UUID, list[Decimal]] = defaultdict(list)
        for item, _ in await repo.cycle_items(cycle_id):
            if item.indicator_id is not None and item.weight and item.score is not None:
                scores[item.indicator_id].append(item.score)
        children: dict[tuple[str, uuid.UUID], list[tuple[uuid.UUID, Decimal]]] = defaultdict(list)
        for indicator in indicators:
            for link in indicator.links:
                weight = Decimal(link["contribution_weight"])
                if link.get("parent_objective_id"):
                    parent = ("objective", uuid.UUID(link["parent_objective_id"]))
                    children[parent].append((indicator.id, weight))
                if link.get("parent_indicator_id"):
                    parent = ("indicator", uuid.UUID(link["parent_indicator_id"]))
                    children[parent].append((indicator.id, weight))
        by_id = {i.id: i for i in indicators}

        def node(indicator_id: uuid.UUID, seen: frozenset[uuid.UUID]) -> StrategyNode:
            indicator = by_id[indicator_id]
            kids = [
                (node(child, seen | {child}), weight)
                for child, weight in children.get(("indicator", indicator_id), [])
                if child in by_id and child not in seen
            ]
            own = _mean(scores.get(indicator_id, []))
            attainment = own if own is not None else _weighted(kids)
            return StrategyNode(
                kind="indicator",
                id=indicator.id,
                name=indicator.name,
                level=indicator.level,
                perspective=indicator.perspective,
                attainment=attainment,
                measured_children=sum(k.attainment is not None for k, _ in kids)
                or len(scores.get(indicator_id, [])),
                children=[k for k, _ in kids],
            )

        out = []
        for objective in sorted(objectives, key=lambda o: (o.code or "", o.title)):
            kids = [
                (node(child, frozenset({child})), weight)
                for child, weight in children.get(("objective", objective.id), [])
                if child in by_id
            ]
            out.append(
                StrategyNode(
                    kind="objective",
                    id=objective.id,
                    name=objective.title,
                    level="enterprise",
                    perspective=objective.perspective,
                    attainment=_weighted(kids),
                    measured_children=sum(k.attainment is not None for k, _ in kids),
                    children=[k for k, _ in kids],
                )
            )
        return out


def _rollup(
    unit_id: uuid.UUID | None,
    name: str,
    rows: list[OverallResult],
    order: list[str],
) -> GroupRollup:
    finals = [r.calibrated_overall if r.calibrated_overall is not None else r.overall for r in rows]
    counts = Counter(b for r in rows if (b := r.calibrated_band or r.band) is not None)
    codes = order + sorted(c for c in counts if c not in order)
    return GroupRollup(
        org_unit_id=unit_id,
        name=name,
        employees=len(rows),
        mean_overall=_mean([f for f in finals if f is not None]),
        mean_plan_score=_mean([r.plan_score for r in rows if r.plan_score is not None]),
        mean_competency_score=_mean(
            [r.competency_score for r in rows if r.competency_score is not None]
        ),
        bands=[BandCount(band=c, count=counts.get(c, 0)) for c in codes if c is not None],
    )


def _weighted(children: list[tuple[StrategyNode, Decimal]]) -> Decimal | None:
    measured = [(n.attainment, w) for n, w in children if n.attainment is not None and w > 0]
    total = sum((w for _, w in measured), Decimal(0))
    if not measured or total <= 0:
        return None
    points = sum((a * w for a, w in measured if a is not None), Decimal(0))
    return (points / total).quantize(FOUR, ROUND_HALF_UP)


result_service = ResultService()
