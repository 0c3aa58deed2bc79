"""Indicator templates, and their assignment in bulk to positions and their holders'
plans."""

import uuid
from collections.abc import Mapping, Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.strategy import (
    IndicatorLinkCreate,
    IndicatorTemplateCreate,
    IndicatorTemplateRead,
    IndicatorTemplateUpdate,
    TemplateAssignment,
    TemplateAssignmentResult,
)
from strata_contracts.goals.vocabulary import CyclePhase, Level
from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_goals.audit.service import audit_service
from strata_goals.changes import ensure_unique, patch_changes
from strata_goals.cycles.service import cycle_service
from strata_goals.org.models import Position
from strata_goals.org.repository import OrgUnitRepository, PositionRepository
from strata_goals.parameters import (
    copy_parameters,
    json_parameter,
    parameter_problems,
    parameter_values,
)
from strata_goals.queries import add_row, page_of
from strata_goals.strategy.exceptions import (
    TemplateNotFound,
)
from strata_goals.strategy.indicators import indicator_service
from strata_goals.strategy.models import Indicator, IndicatorTemplate
from strata_goals.strategy.ports import PlanPort
from strata_goals.strategy.repository import (
    IndicatorRepository,
    TemplateRepository,
)
from strata_goals.strategy.rules import (
    template_read,
)
from strata_kit.audit import snapshot
from strata_kit.errors import InvalidInput, field
from strata_kit.pagination import PageParams


class TemplateService:
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
        existing = await IndicatorRepository(session).of_template(
            template.id, [p.id for p in positions]
        )
        created = self._post_indicators(session, template, data, positions, existing)
        await session.flush()
        for indicator in created:
            links = []
            if parent is not None:
                links = indicator_service.add_links(
                    session,
                    indicator,
                    [
                        IndicatorLinkCreate(
                            indicator_id=parent.id, contribution_weight=data.contribution_weight
                        )
                    ],
                )
            await indicator_service.indicator_changed(
                session, identity, indicator, links, None, "created"
            )
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

    def _post_indicators(
        self,
        session: AsyncSession,
        template: IndicatorTemplate,
        data: TemplateAssignment,
        positions: Sequence[Position],
        existing: Mapping[uuid.UUID, Indicator],
    ) -> list[Indicator]:
        """The template's indicator for each position that has none yet, with the
        assignment's weight and overrides."""
        weight = data.weight if data.weight is not None else template.default_weight
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
        return created

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


template_service = TemplateService()
