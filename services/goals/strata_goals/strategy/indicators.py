"""Indicators at three levels, linked upward to what they serve with contribution weights."""

import uuid
from collections.abc import Sequence
from typing import Any, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.events import IndicatorChanged
from strata_contracts.goals.strategy import (
    IndicatorCreate,
    IndicatorLinkCreate,
    IndicatorLinkRead,
    IndicatorRead,
    IndicatorUpdate,
)
from strata_contracts.goals.vocabulary import Level
from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_goals.audit.service import audit_service
from strata_goals.changes import ensure_unique, patch_changes
from strata_goals.events import emit
from strata_goals.org.repository import OrgUnitRepository, PositionRepository
from strata_goals.parameters import (
    json_parameter,
    parameter_problems,
    parameter_values,
)
from strata_goals.queries import add_row, page_of
from strata_goals.strategy.exceptions import (
    IndicatorNotFound,
)
from strata_goals.strategy.models import Indicator, IndicatorLink
from strata_goals.strategy.repository import (
    IndicatorRepository,
    ObjectiveRepository,
)
from strata_goals.strategy.rules import (
    INDICATOR_CHANGED,
    PARENT_LEVELS,
    allowed_text,
    indicator_read,
    link_snapshot,
)
from strata_kit.audit import snapshot
from strata_kit.errors import InvalidInput, field
from strata_kit.pagination import PageParams


class IndicatorService:
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
        links = self.add_links(session, indicator, data.links)
        await session.flush()
        await self.indicator_changed(session, identity, indicator, links, None, "created")
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
            await self.indicator_changed(session, identity, indicator, links, before, "updated")
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
        before = {"links": [link_snapshot(link) for link in old]}
        await repo.delete_links(indicator.id)
        new = self.add_links(session, indicator, links)
        await session.flush()
        await audit_service.record(
            session,
            identity,
            entity_type="indicator",
            entity_id=indicator.id,
            action="links_replaced",
            before=before,
            after={"links": [link_snapshot(link) for link in new]},
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
        allowed = PARENT_LEVELS[indicator.level]
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
                            f"{allowed_text(allowed)}, not an objective",
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
                        f"{allowed_text(allowed)}, not a {parent.level.value} indicator",
                    )
                )
        return problems

    def add_links(
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

    async def indicator_changed(
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
            after["links"] = [link_snapshot(link) for link in links]
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


indicator_service = IndicatorService()
