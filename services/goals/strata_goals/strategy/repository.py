"""Every query of the strategy cascade."""

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Select, delete
from sqlmodel import col, select

from strata_contracts.goals.vocabulary import Level
from strata_goals.queries import chunks
from strata_goals.strategy.models import Indicator, IndicatorLink, IndicatorTemplate, Objective
from strata_kit.repository import Repository


class ObjectiveRepository(Repository[Objective]):
    model = Objective

    async def find_by(self, **values: Any) -> Objective | None:
        return (await self.session.exec(select(Objective).filter_by(**values))).first()

    async def by_ids(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Objective]:
        found: dict[uuid.UUID, Objective] = {}
        for batch in chunks(ids):
            stmt = select(Objective).where(col(Objective.id).in_(batch))
            found.update({row.id: row for row in await self.session.exec(stmt)})
        return found

    async def active(self) -> Sequence[Objective]:
        stmt = select(Objective).where(col(Objective.active).is_(True))
        return (await self.session.exec(stmt.order_by(col(Objective.created_at)))).all()

    def list_statement(self, *, active: bool | None) -> Select[Any]:
        stmt = select(Objective)
        if active is not None:
            stmt = stmt.where(Objective.active == active)
        return stmt


class IndicatorRepository(Repository[Indicator]):
    model = Indicator

    async def find_by(self, **values: Any) -> Indicator | None:
        return (await self.session.exec(select(Indicator).filter_by(**values))).first()

    async def by_ids(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Indicator]:
        found: dict[uuid.UUID, Indicator] = {}
        for batch in chunks(ids):
            stmt = select(Indicator).where(col(Indicator.id).in_(batch))
            found.update({row.id: row for row in await self.session.exec(stmt)})
        return found

    async def by_codes(self, codes: Collection[str]) -> dict[str, Indicator]:
        found: dict[str, Indicator] = {}
        for batch in chunks(codes):
            stmt = select(Indicator).where(col(Indicator.code).in_(batch))
            found.update({row.code: row for row in await self.session.exec(stmt) if row.code})
        return found

    async def active(self) -> Sequence[Indicator]:
        stmt = select(Indicator).where(col(Indicator.active).is_(True))
        return (await self.session.exec(stmt.order_by(col(Indicator.created_at)))).all()

    async def of_positions(
        self, position_ids: Collection[uuid.UUID], *, active_only: bool = True
    ) -> dict[uuid.UUID, list[Indicator]]:
        """Post indicators of each position, oldest first."""
        found: dict[uuid.UUID, list[Indicator]] = defaultdict(list)
        for batch in chunks(position_ids):
            stmt = select(Indicator).where(
                Indicator.level == Level.POST, col(Indicator.position_id).in_(batch)
            )
            if active_only:
                stmt = stmt.where(col(Indicator.active).is_(True))
            for row in await self.session.exec(stmt.order_by(col(Indicator.created_at))):
                assert row.position_id is not None
                found[row.position_id].append(row)
        return found

    async def of_template(
        self, template_id: uuid.UUID, position_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, Indicator]:
        found: dict[uuid.UUID, Indicator] = {}
        for batch in chunks(position_ids):
            stmt = select(Indicator).where(
                Indicator.template_id == template_id, col(Indicator.position_id).in_(batch)
            )
            found.update(
                {row.position_id: row for row in await self.session.exec(stmt) if row.position_id}
            )
        return found

    def list_statement(
        self,
        *,
        level: Level | None,
        org_unit_id: uuid.UUID | None,
        position_id: uuid.UUID | None,
        active: bool | None,
    ) -> Select[Any]:
        stmt = select(Indicator)
        if level is not None:
            stmt = stmt.where(Indicator.level == level)
        if org_unit_id is not None:
            stmt = stmt.where(Indicator.org_unit_id == org_unit_id)
        if position_id is not None:
            stmt = stmt.where(Indicator.position_id == position_id)
        if active is not None:
            stmt = stmt.where(Indicator.active == active)
        return stmt

    # --- links ---------------------------------------------------------------------------

    async def links_of(
        self, indicator_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[IndicatorLink]]:
        found: dict[uuid.UUID, list[IndicatorLink]] = defaultdict(list)
        for batch in chunks(indicator_ids):
            stmt = (
                select(IndicatorLink)
                .where(col(IndicatorLink.indicator_id).in_(batch))
                .order_by(col(IndicatorLink.created_at), col(IndicatorLink.id))
            )
            for link in await self.session.exec(stmt):
                found[link.indicator_id].append(link)
        return found

    async def all_links(self) -> Sequence[IndicatorLink]:
        stmt = select(IndicatorLink).order_by(col(IndicatorLink.created_at), col(IndicatorLink.id))
        return (await self.session.exec(stmt)).all()

    async def delete_links(self, indicator_id: uuid.UUID) -> None:
        await self.session.exec(
            delete(IndicatorLink).where(col(IndicatorLink.indicator_id) == indicator_id)
        )


class TemplateRepository(Repository[IndicatorTemplate]):
    model = IndicatorTemplate

    async def find_by(self, **values: Any) -> IndicatorTemplate | None:
        return (await self.session.exec(select(IndicatorTemplate).filter_by(**values))).first()

    def list_statement(self, *, active: bool | None) -> Select[Any]:
        stmt = select(IndicatorTemplate)
        if active is not None:
            stmt = stmt.where(IndicatorTemplate.active == active)
        return stmt
