"""Every query of plans, versions, items, signatures, check-ins and actuals."""

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func
from sqlmodel import col, select

from strata_contracts.goals.plans import PlanStatus
from strata_goals.plans.models import Actual, CheckIn, Plan, PlanItem, PlanSignature, PlanVersion
from strata_goals.queries import chunks
from strata_kit.repository import Repository


class PlanRepository(Repository[Plan]):
    """Plans (`get`, `get_many`, `add` from the base) and what only a plan owns."""

    model = Plan

    # --- plans ---------------------------------------------------------------------------

    async def get_for(self, employee_id: uuid.UUID, cycle_id: uuid.UUID) -> Plan | None:
        stmt = select(Plan).where(Plan.employee_id == employee_id, Plan.cycle_id == cycle_id)
        return (await self.session.exec(stmt)).first()

    async def in_cycle(
        self, cycle_id: uuid.UUID, employee_ids: Collection[uuid.UUID] | None = None
    ) -> dict[uuid.UUID, Plan]:
        """Plans of a cycle by employee (all of them, or those of `employee_ids`)."""
        if employee_ids is None:
            rows = await self.session.exec(select(Plan).where(Plan.cycle_id == cycle_id))
            return {plan.employee_id: plan for plan in rows}
        found: dict[uuid.UUID, Plan] = {}
        for batch in chunks(employee_ids):
            stmt = select(Plan).where(Plan.cycle_id == cycle_id, col(Plan.employee_id).in_(batch))
            found.update({plan.employee_id: plan for plan in await self.session.exec(stmt)})
        return found

    def list_statement(
        self,
        *,
        cycle_id: uuid.UUID | None,
        employee_id: uuid.UUID | None,
        status: PlanStatus | None,
        within: Select[Any] | None,
    ) -> Select[Any]:
        stmt = select(Plan)
        if cycle_id is not None:
            stmt = stmt.where(Plan.cycle_id == cycle_id)
        if employee_id is not None:
            stmt = stmt.where(Plan.employee_id == employee_id)
        if status is not None:
            stmt = stmt.where(Plan.status == status)
        if within is not None:
            stmt = stmt.where(col(Plan.employee_id).in_(within))
        return stmt

    async def unsigned_in_cycle(self, cycle_id: uuid.UUID) -> list[uuid.UUID]:
        stmt = select(Plan.id).where(Plan.cycle_id == cycle_id, Plan.status != PlanStatus.SIGNED)
        return list(await self.session.exec(stmt.order_by(col(Plan.created_at))))

    async def missing_actuals_in_cycle(self, cycle_id: uuid.UUID) -> list[uuid.UUID]:
        """Signed plans of the cycle with an agreed item that has no actual yet."""
        has_actual = (
            select(Actual.id)
            .where(Actual.plan_id == PlanItem.plan_id, Actual.key == PlanItem.key)
            .exists()
        )
        stmt = (
            select(Plan.id)
            .join(
                PlanVersion,
                and_(
                    col(PlanVersion.plan_id) == col(Plan.id),
                    col(PlanVersion.number) == col(Plan.agreed_version),
                ),
            )
            .join(PlanItem, col(PlanItem.version_id) == col(PlanVersion.id))
            .where(Plan.cycle_id == cycle_id, Plan.status == PlanStatus.SIGNED, ~has_actual)
            .distinct()
        )
        return list(await self.session.exec(stmt))

    # --- versions and items --------------------------------------------------------------

    async def version(self, plan_id: uuid.UUID, number: int) -> PlanVersion | None:
        stmt = select(PlanVersion).where(
            PlanVersion.plan_id == plan_id, PlanVersion.number == number
        )
        return (await self.session.exec(stmt)).first()

    async def versions(self, plan_id: uuid.UUID) -> Sequence[PlanVersion]:
        stmt = (
            select(PlanVersion)
            .where(PlanVersion.plan_id == plan_id)
            .order_by(col(PlanVersion.number))
        )
        return (await self.session.exec(stmt)).all()

    async def items(self, version_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[PlanItem]]:
        """Items of each version, in plan order."""
        found: dict[uuid.UUID, list[PlanItem]] = defaultdict(list)
        for batch in chunks(version_ids):
            stmt = (
                select(PlanItem)
                .where(col(PlanItem.version_id).in_(batch))
                .order_by(col(PlanItem.ordinal), col(PlanItem.id))
            )
            for item in await self.session.exec(stmt):
                found[item.version_id].append(item)
        return found

    async def versions_of(
        self, plans: Collection[Plan], *, scored: bool = False
    ) -> dict[uuid.UUID, PlanVersion]:
        """The current version of each plan (or, with `scored`, the version its score uses:
        the agreed one, else the current one), by plan id, in one query per chunk."""
        wanted = {
            plan.id: (plan.agreed_version or plan.current_version)
            if scored
            else plan.current_version
            for plan in plans
        }
        found: dict[uuid.UUID, PlanVersion] = {}
        for batch in chunks(wanted):
            stmt = select(PlanVersion).where(col(PlanVersion.plan_id).in_(batch))
            for version in await self.session.exec(stmt):
                if wanted[version.plan_id] == version.number:
                    found[version.plan_id] = version
        return found

    async def signatures(self, plan_id: uuid.UUID) -> Sequence[PlanSignature]:
        stmt = (
            select(PlanSignature)
            .where(PlanSignature.plan_id == plan_id)
            .order_by(col(PlanSignature.signed_at))
        )
        return (await self.session.exec(stmt)).all()

    async def signed_versions(self, plans: Collection[Plan]) -> set[tuple[uuid.UUID, int]]:
        """(plan, version) pairs that carry at least one signature."""
        found: set[tuple[uuid.UUID, int]] = set()
        for batch in chunks([p.id for p in plans]):
            stmt = select(PlanSignature.plan_id, PlanSignature.plan_version).where(
                col(PlanSignature.plan_id).in_(batch)
            )
            found.update((plan_id, version) for plan_id, version in await self.session.exec(stmt))
        return found

    async def signature(self, plan_id: uuid.UUID, version: int, role: str) -> PlanSignature | None:
        stmt = select(PlanSignature).where(
            PlanSignature.plan_id == plan_id,
            PlanSignature.plan_version == version,
            PlanSignature.role == role,
        )
        return (await self.session.exec(stmt)).first()

    # --- check-ins -----------------------------------------------------------------------

    def check_ins_statement(self, plan_id: uuid.UUID) -> Select[Any]:
        return select(CheckIn).where(CheckIn.plan_id == plan_id)

    async def last_check_ins(self, plan_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, date]:
        found: dict[uuid.UUID, date] = {}
        for batch in chunks(plan_ids):
            stmt = (
                select(CheckIn.plan_id, func.max(CheckIn.held_on))
                .where(col(CheckIn.plan_id).in_(batch))
                .group_by(col(CheckIn.plan_id))
            )
            found.update({plan_id: held_on for plan_id, held_on in await self.session.exec(stmt)})
        return found

    # --- actuals -------------------------------------------------------------------------

    async def actual(self, actual_id: uuid.UUID) -> Actual | None:
        return (await self.session.exec(select(Actual).where(Actual.id == actual_id))).first()

    async def item_actuals(self, plan_id: uuid.UUID, key: uuid.UUID) -> list[Actual]:
        """The item's actuals, oldest first (the last one is in force)."""
        stmt = (
            select(Actual)
            .where(Actual.plan_id == plan_id, Actual.key == key)
            .order_by(col(Actual.created_at), col(Actual.id))
        )
        return list((await self.session.exec(stmt)).all())

    def actuals_statement(self, plan_id: uuid.UUID, key: uuid.UUID | None) -> Select[Any]:
        stmt = select(Actual).where(Actual.plan_id == plan_id)
        if key is not None:
            stmt = stmt.where(Actual.key == key)
        return stmt

    async def actuals(
        self, plan_ids: Collection[uuid.UUID]
    ) -> dict[tuple[uuid.UUID, uuid.UUID], list[Actual]]:
        """Every actual of the plans by (plan, item key), oldest first (the last counts)."""
        found: dict[tuple[uuid.UUID, uuid.UUID], list[Actual]] = defaultdict(list)
        for batch in chunks(plan_ids):
            stmt = (
                select(Actual)
                .where(col(Actual.plan_id).in_(batch))
                .order_by(col(Actual.created_at), col(Actual.id))
            )
            for actual in await self.session.exec(stmt):
                found[(actual.plan_id, actual.key)].append(actual)
        return found
