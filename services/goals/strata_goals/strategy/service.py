"""Rules of the strategy cascade: objectives, indicators at three levels linked upward with
contribution weights, templates assigned in bulk, the cascade tree and the coverage report."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.events import IndicatorChanged, ObjectiveChanged
from strata_contracts.goals.strategy import (
    CascadeNode,
    CascadeTree,
    CoverageItem,
    CoverageReport,
    IndicatorCreate,
    IndicatorLinkCreate,
    IndicatorLinkRead,
    IndicatorRead,
    IndicatorTemplateCreate,
    IndicatorTemplateRead,
    IndicatorTemplateUpdate,
    IndicatorUpdate,
    ObjectiveCreate,
    ObjectiveRead,
    ObjectiveUpdate,
    PostIndicatorCount,
    TemplateAssignment,
    TemplateAssignmentResult,
)
from strata_contracts.goals.vocabulary import CyclePhase, Level
from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_goals.audit.service import audit_service
from strata_goals.calc.scoring import quantise_score
from strata_goals.changes import ensure_unique, patch_changes
from strata_goals.cycles.service import cycle_service
from strata_goals.events import emit
from strata_goals.org.models import Position
from strata_goals.org.repository import OrgUnitRepository, PositionRepository
from strata_goals.parameters import (
    copy_parameters,
    json_parameter,
    parameter_problems,
    parameter_values,
    parameters_read,
)
from strata_goals.policy.service import policy_service
from strata_goals.queries import add_row, page_of
from strata_goals.strategy.exceptions import (
    IndicatorNotFound,
    ObjectiveNotFound,
    TemplateNotFound,
)
from strata_goals.strategy.models import Indicator, IndicatorLink, IndicatorTemplate, Objective
from strata_goals.strategy.ports import PlanPort
from strata_goals.strategy.repository import (
    IndicatorRepository,
    ObjectiveRepository,
    TemplateRepository,
)
from strata_kit.audit import snapshot
from strata_kit.errors import InvalidInput, field
from strata_kit.pagination import PageParams

OBJECTIVE_CHANGED = "goals.objective.changed"
INDICATOR_CHANGED = "goals.indicator.changed"

# What each level of the cascade may serve.
_PARENT_LEVELS: dict[Level, set[Level | Literal["objective"]]] = {
    Level.ENTERPRISE: {"objective"},
    Level.DEPARTMENT: {"objective", Level.ENTERPRISE},
    Level.POST: {Level.DEPARTMENT},
}


def objective_read(objective: Objective) -> ObjectiveRead:
    return ObjectiveRead.model_validate(objective)


def indicator_read(indicator: Indicator, links: Sequence[IndicatorLink] = ()) -> IndicatorRead:
    return IndicatorRead(
        **parameters_read(indicator).model_dump(),
        id=indicator.id,
        code=indicator.code,
        name=indicator.name,
        description=indicator.description,
        level=indicator.level,
        perspective=indicator.perspective,
        org_unit_id=indicator.org_unit_id,
        position_id=indicator.position_id,
        weight=indicator.weight,
        template_id=indicator.template_id,
        active=indicator.active,
        links=[IndicatorLinkRead.model_validate(link) for link in links],
        created_at=indicator.created_at,
        updated_at=indicator.updated_at,
    )


def template_read(template: IndicatorTemplate) -> IndicatorTemplateRead:
    return IndicatorTemplateRead(
        **parameters_read(template).model_dump(),
        id=template.id,
        code=template.code,
        name=template.name,
        description=template.description,
        perspective=template.perspective,
        default_weight=template.default_weight,
        active=template.active,
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


class StrategyService:
    # --- objectives ----------------------------------------------------------------------

    async def get_objective(self, session: AsyncSession, objective_id: uuid.UUID) -> Objective:
        objective = await ObjectiveRepository(session).get(objective_id)
        if objective is None:
            raise ObjectiveNotFound(f"No objective {objective_id}.")
        return objective

    async def list_objectives(
        self, session: AsyncSession, params: PageParams, *, active: bool | None
    ) -> Page[ObjectiveRead]:
        stmt = ObjectiveRepository(session).list_statement(active=active)
        return await page_of(session, stmt, Objective, params, objective_read)

    async def create_objective(
        self, session: AsyncSession, identity: IdentityClaims, data: ObjectiveCreate
    ) -> ObjectiveRead:
        await ensure_unique(ObjectiveRepository(session).find_by, "objective", code=data.code)
        _dates_in_order(data.starts_on, data.ends_on)
        objective = add_row(session, Objective, **data.model_dump())
        await session.flush()
        await self._objective_changed(session, identity, objective, None, "created")
        return objective_read(objective)

    async def update_objective(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        objective_id: uuid.UUID,
        data: ObjectiveUpdate,
    ) -> ObjectiveRead:
        objective = await self.get_objective(session, objective_id)
        changes = patch_changes(data, {"title", "perspective", "active"})
        await ensure_unique(
            ObjectiveRepository(session).find_by,
            "objective",
            exclude=objective.id,
            code=changes.get("code"),
        )
        _dates_in_order(
            changes.get("starts_on", objective.starts_on), changes.get("ends_on", objective.ends_on)
        )
        before = snapshot(objective)
        for name, value in changes.items():
            setattr(objective, name, value)
        if snapshot(objective) != before:
            session.add(objective)
            await session.flush()
            await self._objective_changed(session, identity, objective, before, "updated")
        return objective_read(objective)

    async def _objective_changed(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        objective: Objective,
        before: dict[str, Any] | None,
        action: Literal["created", "updated"],
    ) -> None:
        await audit_service.record(
            session,
            identity,
            entity_type="objective",
            entity_id=objective.id,
            action=action,
            before=before,
            after=snapshot(objective),
        )
        await emit(
            session,
            OBJECTIVE_CHANGED,
            f"objective/{objective.id}",
            ObjectiveChanged(change=action, objective=objective_read(objective)),
        )

    # --- indicators ----------------------------------------------------------------------

    async def get_indicator(self, session: AsyncSession, indicator_id: uuid.UUID) -> Indicator:
        indicator = await IndicatorRepository(session).get(indicator_id)
        if indicator is None:
            raise IndicatorNotFound(f"No indicator {indicator_id}.")
        return indicator

    async def read_indicator(self, session: AsyncSession, indicator_id: uuid.UUID) -> IndicatorRead:
        indicator = await self.get_indicator(session, indicator_id)
        links = await IndicatorRepository(session).links_of([indicator.id])
        return indicator_read(indicator, links.get(indicator.id, []))

    async def list_indicators(
        self,
        session: AsyncSession,
        params: PageParams,
        *,
        level: Level | None,
        org_unit_id: uuid.UUID | None,
        position_id: uuid.UUID | None,
        active: bool | None,
    ) -> Page[IndicatorRead]:
        repo = IndicatorRepository(session)
        stmt = repo.list_statement(
            level=level, org_unit_id=org_unit_id, position_id=position_id, active=active
        )
        page = await page_of(session, stmt, Indicator, params, indicator_read)
        # Links of the whole page in one query (no query per indicator).
        links = await repo.links_of([item.id for item in page.items])
        page.items = [
            item.model_copy(
                update={
                    "links": [IndicatorLinkRead.model_validate(x) for x in links.get(item.id, [])]
                }
            )
            for item in page.items
        ]
        return page

    async def create_indicator(
        self, session: AsyncSession, identity: IdentityClaims, data: IndicatorCreate
    ) -> IndicatorRead:
        await ensure_unique(IndicatorRepository(session).find_by, "indicator", code=data.code)
        org_unit_id, position_id = await self._placement(session, data)
        if data.weight is not None and data.level is not Level.POST:
            raise InvalidInput(
                "Only post indicators carry a weight.",
                errors=[field("weight", "set weights on post indicators only")],
            )
        indicator = add_row(
            session,
            Indicator,
            **parameter_values(data),
            code=data.code,
            name=data.name,
            description=data.description,
            level=data.level,
            perspective=data.perspective,
            org_unit_id=org_unit_id,
            position_id=position_id,
            weight=data.weight,
        )
        problems = parameter_problems(indicator)
        problems += await self._link_problems(session, indicator, data.links)
        if problems:
            raise InvalidInput("The indicator cannot be stored as given.", errors=problems)
        await session.flush()
        links = self._add_links(session, indicator, data.links)
        await session.flush()
        await self._indicator_changed(session, identity, indicator, links, None, "created")
        return indicator_read(indicator, links)

    async def update_indicator(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        indicator_id: uuid.UUID,
        data: IndicatorUpdate,
    ) -> IndicatorRead:
        indicator = await self.get_indicator(session, indicator_id)
        changes = patch_changes(
            data, {"name", "perspective", "kind", "method", "frequency", "active"}
        )
        await ensure_unique(
            IndicatorRepository(session).find_by,
            "indicator",
            exclude=indicator.id,
            code=changes.get("code"),
        )
        before = snapshot(indicator)
        for name, value in changes.items():
            setattr(indicator, name, json_parameter(name, value))
        problems = parameter_problems(indicator)
        if problems:
            raise InvalidInput("The indicator cannot be changed this way.", errors=problems)
        links = (await IndicatorRepository(session).links_of([indicator.id])).get(indicator.id, [])
        if snapshot(indicator) != before:
            session.add(indicator)
            await session.flush()
            await self._indicator_changed(session, identity, indicator, links, before, "updated")
        return indicator_read(indicator, links)

    async def replace_links(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        indicator_id: uuid.UUID,
        links: list[IndicatorLinkCreate],
    ) -> IndicatorRead:
        """Replace what the indicator serves (its parents and contribution weights)."""
        repo = IndicatorRepository(session)
        indicator = await self.get_indicator(session, indicator_id)
        problems = await self._link_problems(session, indicator, links)
        if problems:
            raise InvalidInput("The links cannot be stored as given.", errors=problems)
        old = (await repo.links_of([indicator.id])).get(indicator.id, [])
        before = {"links": [_link_snapshot(link) for link in old]}
        await repo.delete_links(indicator.id)
        new = self._add_links(session, indicator, links)
        await session.flush()
        await audit_service.record(
            session,
            identity,
            entity_type="indicator",
            entity_id=indicator.id,
            action="links_replaced",
            before=before,
            after={"links": [_link_snapshot(link) for link in new]},
        )
        await emit(
            session,
            INDICATOR_CHANGED,
            f"indicator/{indicator.id}",
            IndicatorChanged(change="updated", indicator=indicator_read(indicator, new)),
        )
        return indicator_read(indicator, new)

    async def _placement(
        self, session: AsyncSession, data: IndicatorCreate
    ) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        """Where an indicator of `data.level` belongs: (org unit, position)."""
        units = OrgUnitRepository(session)
        if data.level is Level.POST:
            if data.position_id is None:
                raise InvalidInput(
                    "A post indicator belongs to a position.",
                    errors=[field("position_id", "required for a post indicator")],
                )
            position = await PositionRepository(session).get(data.position_id)
            if position is None:
                raise InvalidInput(
                    "The position does not exist.",
                    errors=[field("position_id", "no such position in this tenant")],
                )
            if data.org_unit_id is not None and data.org_unit_id != position.org_unit_id:
                raise InvalidInput(
                    "The position belongs to another unit.",
                    errors=[field("org_unit_id", f"the position is in {position.org_unit_id}")],
                )
            return position.org_unit_id, position.id
        if data.position_id is not None:
            raise InvalidInput(
                "Only post indicators belong to a position.",
                errors=[field("position_id", f"not allowed at the {data.level.value} level")],
            )
        if data.level is Level.ENTERPRISE:
            root = await units.root()
            if data.org_unit_id is not None and (root is None or data.org_unit_id != root.id):
                raise InvalidInput(
                    "An enterprise indicator belongs to the enterprise unit.",
                    errors=[field("org_unit_id", "must be the enterprise unit, or absent")],
                )
            return (root.id if root else None), None
        if data.org_unit_id is None or await units.get(data.org_unit_id) is None:
            raise InvalidInput(
                "A department indicator belongs to an existing org unit.",
                errors=[field("org_unit_id", "required: an org unit of this tenant")],
            )
        return data.org_unit_id, None

    async def _link_problems(
        self,
        session: AsyncSession,
        indicator: Indicator,
        links: Sequence[IndicatorLinkCreate],
        prefix: str = "links",
    ) -> list[FieldProblem]:
        objectives = await ObjectiveRepository(session).by_ids(
            {link.objective_id for link in links if link.objective_id}
        )
        parents = await IndicatorRepository(session).by_ids(
            {link.indicator_id for link in links if link.indicator_id}
        )
        allowed = _PARENT_LEVELS[indicator.level]
        problems: list[FieldProblem] = []
        seen: set[uuid.UUID] = set()
        for i, link in enumerate(links):
            parent_id = link.objective_id or link.indicator_id
            assert parent_id is not None
            name = "objective_id" if link.objective_id else "indicator_id"
            pointer = f"{prefix}/{i}/{name}"
            if parent_id in seen:
                problems.append(field(pointer, "linked twice"))
                continue
            seen.add(parent_id)
            if link.objective_id is not None:
                if link.objective_id not in objectives:
                    problems.append(field(pointer, "no such objective in this tenant"))
                elif "objective" not in allowed:
                    problems.append(
                        field(
                            pointer,
                            f"a {indicator.level.value} indicator serves "
                            f"{_allowed_text(allowed)}, not an objective",
                        )
                    )
                continue
            parent = parents.get(parent_id)
            if parent is None:
                problems.append(field(pointer, "no such indicator in this tenant"))
            elif parent.id == indicator.id:
                problems.append(field(pointer, "an indicator cannot serve itself"))
            elif parent.level not in allowed:
                problems.append(
                    field(
                        pointer,
                        f"a {indicator.level.value} indicator serves "
                        f"{_allowed_text(allowed)}, not a {parent.level.value} indicator",
                    )
                )
        return problems

    def _add_links(
        self, session: AsyncSession, indicator: Indicator, links: Sequence[IndicatorLinkCreate]
    ) -> list[IndicatorLink]:
        return [
            add_row(
                session,
                IndicatorLink,
                indicator_id=indicator.id,
                parent_objective_id=link.objective_id,
                parent_indicator_id=link.indicator_id,
                contribution_weight=link.contribution_weight,
            )
            for link in links
        ]

    async def _indicator_changed(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        indicator: Indicator,
        links: Sequence[IndicatorLink],
        before: dict[str, Any] | None,
        action: Literal["created", "updated"],
    ) -> None:
        after = snapshot(indicator)
        assert after is not None
        if action == "created":
            after["links"] = [_link_snapshot(link) for link in links]
        await audit_service.record(
            session,
            identity,
            entity_type="indicator",
            entity_id=indicator.id,
            action=action,
            before=before,
            after=after,
        )
        await emit(
            session,
            INDICATOR_CHANGED,
            f"indicator/{indicator.id}",
            IndicatorChanged(change=action, indicator=indicator_read(indicator, links)),
        )

    # --- templates -----------------------------------------------------------------------

    async def get_template(
        self, session: AsyncSession, template_id: uuid.UUID
    ) -> IndicatorTemplate:
        template = await TemplateRepository(session).get(template_id)
        if template is None:
            raise TemplateNotFound(f"No indicator template {template_id}.")
        return template

    async def list_templates(
        self, session: AsyncSession, params: PageParams, *, active: bool | None
    ) -> Page[IndicatorTemplateRead]:
        stmt = TemplateRepository(session).list_statement(active=active)
        return await page_of(session, stmt, IndicatorTemplate, params, template_read)

    async def create_template(
        self, session: AsyncSession, identity: IdentityClaims, data: IndicatorTemplateCreate
    ) -> IndicatorTemplateRead:
        await ensure_unique(TemplateRepository(session).find_by, "template", code=data.code)
        template = add_row(
            session,
            IndicatorTemplate,
            **parameter_values(data),
            code=data.code,
            name=data.name,
            description=data.description,
            perspective=data.perspective,
            default_weight=data.default_weight,
        )
        problems = parameter_problems(template)
        if problems:
            raise InvalidInput("The template cannot be stored as given.", errors=problems)
        await session.flush()
        await audit_service.record(
            session,
            identity,
            entity_type="indicator_template",
            entity_id=template.id,
            action="created",
            after=snapshot(template),
        )
        return template_read(template)

    async def update_template(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        template_id: uuid.UUID,
        data: IndicatorTemplateUpdate,
    ) -> IndicatorTemplateRead:
        template = await self.get_template(session, template_id)
        changes = patch_changes(
            data, {"name", "perspective", "kind", "method", "frequency", "active"}
        )
        await ensure_unique(
            TemplateRepository(session).find_by,
            "template",
            exclude=template.id,
            code=changes.get("code"),
        )
        before = snapshot(template)
        for name, value in changes.items():
            setattr(template, name, json_parameter(name, value))
        problems = parameter_problems(template)
        if problems:
            raise InvalidInput("The template cannot be changed this way.", errors=problems)
        if snapshot(template) != before:
            session.add(template)
            await session.flush()
            await audit_service.record(
                session,
                identity,
                entity_type="indicator_template",
                entity_id=template.id,
                action="updated",
                before=before,
                after=snapshot(template),
            )
        return template_read(template)

    async def assign_template(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        template_id: uuid.UUID,
        data: TemplateAssignment,
        plans: PlanPort,
    ) -> TemplateAssignmentResult:
        """Give every targeted position the template's indicator (once), and with a cycle,
        put it in the plans of everyone holding those positions: set-based, a few queries
        whatever the number of employees."""
        template = await self.get_template(session, template_id)
        if not template.active:
            raise InvalidInput(
                "The template is retired.", errors=[field("template_id", "inactive template")]
            )
        positions = await self._assignment_positions(session, data)
        cycle = None
        if data.cycle_id is not None:
            cycle = await cycle_service.get(session, data.cycle_id)
            cycle_service.ensure_phase(cycle, {CyclePhase.PLANNING}, "Adding indicators to plans")
        parent = await self._assignment_parent(session, data)
        weight = data.weight if data.weight is not None else template.default_weight

        repo = IndicatorRepository(session)
        existing = await repo.of_template(template.id, [p.id for p in positions])
        overrides = data.model_dump(include={"target", "threshold", "stretch"}, exclude_unset=True)
        created: list[Indicator] = []
        for position in positions:
            if position.id in existing:
                continue
            indicator = add_row(
                session,
                Indicator,
                **(copy_parameters(template) | overrides),
                name=template.name,
                description=template.description,
                level=Level.POST,
                perspective=template.perspective,
                org_unit_id=position.org_unit_id,
                position_id=position.id,
                weight=weight,
                template_id=template.id,
            )
            if not created:  # the parameters are the same for every position
                problems = parameter_problems(indicator)
                if problems:
                    raise InvalidInput(
                        "The template with these overrides cannot score.", errors=problems
                    )
            created.append(indicator)
        await session.flush()
        for indicator in created:
            links = []
            if parent is not None:
                links = self._add_links(
                    session,
                    indicator,
                    [
                        IndicatorLinkCreate(
                            indicator_id=parent.id, contribution_weight=data.contribution_weight
                        )
                    ],
                )
            await self._indicator_changed(session, identity, indicator, links, None, "created")
        indicators = {**existing, **{i.position_id: i for i in created if i.position_id}}

        outcome = None
        if cycle is not None:
            outcome = await plans.add_post_indicators(session, identity, cycle, indicators)
        await session.flush()
        result = TemplateAssignmentResult(
            positions=len(positions),
            indicators_created=len(created),
            indicators_existing=len(existing),
            indicator_ids=[indicators[p.id].id for p in positions],
            employees=outcome.employees if outcome else 0,
            plans_created=outcome.plans_created if outcome else 0,
            plan_items_added=outcome.items_added if outcome else 0,
            plans_skipped=outcome.skipped if outcome else [],
        )
        await audit_service.record(
            session,
            identity,
            entity_type="indicator_template",
            entity_id=template.id,
            action="assigned",
            after=data.model_dump(mode="json")
            | result.model_dump(mode="json", exclude={"indicator_ids", "plans_skipped"}),
        )
        return result

    async def _assignment_positions(
        self, session: AsyncSession, data: TemplateAssignment
    ) -> list[Position]:
        positions_repo = PositionRepository(session)
        if data.position_id is not None:
            position = await positions_repo.get(data.position_id)
            if position is None:
                raise InvalidInput(
                    "The position does not exist.",
                    errors=[field("position_id", "no such position in this tenant")],
                )
            return [position]
        assert data.org_unit_id is not None
        units = OrgUnitRepository(session)
        if await units.get(data.org_unit_id) is None:
            raise InvalidInput(
                "The org unit does not exist.",
                errors=[field("org_unit_id", "no such org unit in this tenant")],
            )
        scope = (
            await units.subtree_ids(data.org_unit_id)
            if data.include_subunits
            else {data.org_unit_id}
        )
        return sorted(await positions_repo.in_units(scope), key=lambda p: (p.created_at, p.id))

    async def _assignment_parent(
        self, session: AsyncSession, data: TemplateAssignment
    ) -> Indicator | None:
        if data.parent_indicator_id is None:
            return None
        parent = await IndicatorRepository(session).get(data.parent_indicator_id)
        if parent is None or parent.level is not Level.DEPARTMENT:
            raise InvalidInput(
                "Post indicators serve a department indicator.",
                errors=[field("parent_indicator_id", "must be a department indicator")],
            )
        return parent

    # --- cascade and coverage ------------------------------------------------------------

    async def cascade(
        self, session: AsyncSession, cycle_id: uuid.UUID | None, plans: PlanPort
    ) -> CascadeTree:
        """The cascade from objectives down to post indicators, with attainment rolled up
        from the cycle's plan scores when a cycle is given."""
        objectives = await ObjectiveRepository(session).active()
        indicators = {i.id: i for i in await IndicatorRepository(session).active()}
        links = [
            link
            for link in await IndicatorRepository(session).all_links()
            if link.indicator_id in indicators
        ]
        own: dict[uuid.UUID, list[Decimal]] = {}
        if cycle_id is not None:
            cycle = await cycle_service.get(session, cycle_id)
            own = await plans.indicator_scores(session, cycle)
        children: dict[uuid.UUID, list[IndicatorLink]] = defaultdict(list)
        linked: set[uuid.UUID] = set()
        for link in links:
            parent_id = link.parent_objective_id or link.parent_indicator_id
            assert parent_id is not None
            if link.parent_indicator_id is not None and link.parent_indicator_id not in indicators:
                continue
            children[parent_id].append(link)
            linked.add(link.indicator_id)

        def indicator_node(
            indicator: Indicator, weight: Decimal | None, path: frozenset[uuid.UUID]
        ) -> CascadeNode:
            kids = [
                indicator_node(
                    indicators[link.indicator_id], link.contribution_weight, path | {indicator.id}
                )
                for link in children.get(indicator.id, [])
                if link.indicator_id not in path
            ]
            scores = own.get(indicator.id, [])
            attainment = _rolled_up(kids) if cycle_id is not None else None
            if attainment is None and scores:
                attainment = quantise_score(sum(scores, Decimal(0)) / len(scores))
            return CascadeNode(
                kind="indicator",
                id=indicator.id,
                code=indicator.code,
                name=indicator.name,
                level=indicator.level,
                perspective=indicator.perspective,
                org_unit_id=indicator.org_unit_id,
                position_id=indicator.position_id,
                contribution_weight=weight,
                attainment=attainment,
                scored_plans=len(scores) if cycle_id is not None else None,
                children=kids,
            )

        tree = []
        for objective in objectives:
            kids = [
                indicator_node(indicators[link.indicator_id], link.contribution_weight, frozenset())
                for link in children.get(objective.id, [])
            ]
            tree.append(
                CascadeNode(
                    kind="objective",
                    id=objective.id,
                    code=objective.code,
                    name=objective.title,
                    level=Level.ENTERPRISE,
                    perspective=objective.perspective,
                    attainment=_rolled_up(kids) if cycle_id is not None else None,
                    children=kids,
                )
            )
        unlinked = [
            indicator_node(indicator, None, frozenset())
            for indicator in indicators.values()
            if indicator.id not in linked
        ]
        return CascadeTree(cycle_id=cycle_id, objectives=tree, unlinked=unlinked)

    async def coverage(
        self, session: AsyncSession, *, min_indicators: int | None, max_indicators: int | None
    ) -> CoverageReport:
        policy = await policy_service.get(session)
        low = min_indicators if min_indicators is not None else policy.min_post_indicators
        high = max_indicators if max_indicators is not None else policy.max_post_indicators
        if low > high:
            raise InvalidInput(
                "The range is empty.",
                errors=[field("min_indicators", "above max_indicators")],
            )
        objectives = await ObjectiveRepository(session).active()
        indicators = {i.id: i for i in await IndicatorRepository(session).active()}
        served_objectives: set[uuid.UUID] = set()
        served_indicators: set[uuid.UUID] = set()
        has_parent: set[uuid.UUID] = set()
        for link in await IndicatorRepository(session).all_links():
            if link.indicator_id not in indicators:
                continue
            if link.parent_objective_id is not None:
                served_objectives.add(link.parent_objective_id)
                has_parent.add(link.indicator_id)
            elif link.parent_indicator_id in indicators:
                served_indicators.add(link.parent_indicator_id)
                has_parent.add(link.indicator_id)
        per_post: dict[uuid.UUID, int] = defaultdict(int)
        for indicator in indicators.values():
            if indicator.level is Level.POST and indicator.position_id is not None:
                per_post[indicator.position_id] += 1
        posts = []
        for position in sorted(
            await PositionRepository(session).all(), key=lambda p: (p.created_at, p.id)
        ):
            count = per_post.get(position.id, 0)
            if not low <= count <= high:
                posts.append(
                    PostIndicatorCount(
                        position_id=position.id,
                        title=position.title,
                        org_unit_id=position.org_unit_id,
                        indicators=count,
                        problem="too_few" if count < low else "too_many",
                    )
                )
        return CoverageReport(
            min_indicators=low,
            max_indicators=high,
            objectives_without_indicators=[
                CoverageItem(
                    kind="objective", id=o.id, code=o.code, name=o.title, level=Level.ENTERPRISE
                )
                for o in objectives
                if o.id not in served_objectives
            ],
            indicators_without_parent=[
                _coverage_item(i) for i in indicators.values() if i.id not in has_parent
            ],
            department_indicators_without_posts=[
                _coverage_item(i)
                for i in indicators.values()
                if i.level is Level.DEPARTMENT and i.id not in served_indicators
            ],
            posts_outside_range=posts,
        )


def _coverage_item(indicator: Indicator) -> CoverageItem:
    return CoverageItem(
        kind="indicator",
        id=indicator.id,
        code=indicator.code,
        name=indicator.name,
        level=indicator.level,
    )


def _rolled_up(children: Sequence[CascadeNode]) -> Decimal | None:
    """Contribution-weighted mean of the children that have an attainment."""
    pairs = [
        (c.attainment, c.contribution_weight)
        for c in children
        if c.attainment is not None and c.contribution_weight is not None
    ]
    total = sum((weight for _, weight in pairs), Decimal(0))
    if total == 0:
        return None
    return quantise_score(sum((a * w for a, w in pairs), Decimal(0)) / total)


def _allowed_text(allowed: set[Level | Literal["objective"]]) -> str:
    names = sorted("an objective" if a == "objective" else f"a {a} indicator" for a in allowed)
    return " or ".join(names)


def _link_snapshot(link: IndicatorLink) -> dict[str, Any]:
    return {
        "parent_objective_id": str(link.parent_objective_id) if link.parent_objective_id else None,
        "parent_indicator_id": str(link.parent_indicator_id) if link.parent_indicator_id else None,
        "contribution_weight": str(link.contribution_weight),
    }


def _dates_in_order(starts_on: Any, ends_on: Any) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise InvalidInput(
            "The objective ends before it starts.",
            errors=[field("ends_on", "before starts_on")],
        )


strategy_service = StrategyService()
