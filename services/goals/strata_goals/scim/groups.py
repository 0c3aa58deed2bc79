"""SCIM Groups: org units under the enterprise unit; membership is placement (joining a
Group moves the employee into the unit, leaving moves them up to its parent)."""

import uuid
from collections.abc import Iterable, Sequence

from scim2_models import PatchOp
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.org import EmployeeUpdate, OrgUnitCreate, OrgUnitUpdate
from strata_contracts.identity import IdentityClaims
from strata_goals.org.models import Employee, OrgUnit, Position
from strata_goals.org.service import org_service
from strata_goals.scim.exceptions import (
    GroupNameTaken,
    GroupNotFound,
    InvalidUserValue,
    MutabilityException,
)
from strata_goals.scim.locks import Key
from strata_goals.scim.models import ScimResource, name_key
from strata_goals.scim.provisioning import (
    Listed,
    ListQuery,
    Work,
    check_version,
    ensure_root,
    list_where,
    new_row,
    parse_id,
    position_keys,
    root_unit,
    stripped,
    unit_position,
    valid_contract,
)
from strata_goals.scim.repository import GROUP, GROUP_CATALOGUE, USER, ScimRepository
from strata_goals.scim.resources import Member, group_resource, group_version, stored_attributes
from strata_goals.scim.schemas import POLICY, ScimGroup
from strata_kit.db import utcnow


class ScimGroups:
    """The Groups half of the SCIM service (`ScimService` joins it with the Users half)."""

    # --- groups: reads -------------------------------------------------------------------

    async def list_groups(self, session: AsyncSession, query: ListQuery) -> Listed[ScimGroup]:
        repo = ScimRepository(session)
        where, order = list_where(query, GROUP_CATALOGUE)
        total = await repo.count(GROUP, where)
        rows: list[tuple[ScimResource, OrgUnit]] = []
        if query.count > 0:
            rows = await repo.page(
                GROUP, where, order, offset=query.start_index - 1, limit=query.count
            )
        members = await repo.members([u.id for _, u in rows])
        return Listed(total, [group_resource(r, u, members[u.id]) for r, u in rows])

    async def get_group(self, session: AsyncSession, group_id: str) -> ScimGroup:
        repo = ScimRepository(session)
        row, unit = await self._linked_group(repo, group_id)
        return group_resource(row, unit, (await repo.members([unit.id]))[unit.id])

    # --- groups: writes ------------------------------------------------------------------

    async def create_group(
        self, work: Work, identity: IdentityClaims, group: ScimGroup
    ) -> ScimGroup:
        """A new department under the enterprise unit (or the kept unit whose external id is
        the Group's externalId), with the members moved into it."""
        repo = ScimRepository(work.session)
        name = (group.display_name or "").strip()
        if not name:
            raise InvalidUserValue(detail="displayName: a Group needs one.")
        root = await root_unit(repo)
        joining = await self._members(repo, _member_ids(group))
        titles = await self._titles(repo, joining)
        await work.locks.acquire(
            work.session,
            [
                ("unit", name),
                *position_keys(name, titles.values()),
                *([] if root else [("root", "")]),
            ],
        )
        root = root or await ensure_root(work, identity, repo)
        if await repo.named(GROUP, [name]):
            raise GroupNameTaken(detail=f"Another group already has displayName {name!r}.")
        external_id = stripped(group.external_id)
        unit = await repo.unit_keyed(external_id) if external_id else None
        if unit is not None:
            if await repo.resources_of(GROUP, [unit.id]):
                raise GroupNameTaken(
                    detail=f"Another group already has externalId {external_id!r}."
                )
            if unit.name != name:
                await org_service.update_org_unit(
                    work.session, identity, unit.id, valid_contract(OrgUnitUpdate, name=name)
                )
        else:
            data = valid_contract(
                OrgUnitCreate, name=name, external_id=external_id, parent_id=root.id
            )
            created = await org_service.create_org_unit(work.session, identity, data)
            unit = await repo.get(OrgUnit, created.id)
            assert unit is not None
        reuse = await repo.get(ScimResource, unit.id) is None
        row = new_row(
            work.session,
            GROUP,
            unit.id,
            name,
            external_id,
            unit.id if reuse else uuid.uuid4(),
            stored_attributes(group),
        )
        repo.add(row)
        await work.session.flush()
        for employee in joining:
            await self._place(work.session, identity, repo, employee, unit, titles[employee.id])
        return group_resource(row, unit, (await repo.members([unit.id]))[unit.id])

    async def replace_group(
        self,
        work: Work,
        identity: IdentityClaims,
        group_id: str,
        group: ScimGroup,
        if_match: str | None,
    ) -> ScimGroup:
        """PUT: the name, externalId and the whole member list become the body's."""
        repo = ScimRepository(work.session)
        row, unit = await self._linked_group(repo, group_id)
        members = (await repo.members([unit.id]))[unit.id]
        before = group_resource(row, unit, members)
        check_version(if_match, group_version(row, unit, members))
        group.replace(before)
        return await self._store_group(work, identity, repo, row, unit, members, group)

    async def patch_group(
        self,
        work: Work,
        identity: IdentityClaims,
        group_id: str,
        patch: PatchOp[ScimGroup],
        if_match: str | None,
    ) -> ScimGroup:
        """PATCH: rename, re-key, add or remove members (adding moves people in, removing
        moves them up to the unit's parent); all operations or none."""
        repo = ScimRepository(work.session)
        row, unit = await self._linked_group(repo, group_id)
        members = (await repo.members([unit.id]))[unit.id]
        before = group_resource(row, unit, members)
        check_version(if_match, group_version(row, unit, members))
        after = before.model_copy(deep=True)
        if not patch.patch(after, scim_policy=POLICY):
            return before
        return await self._store_group(work, identity, repo, row, unit, members, after)

    async def delete_group(
        self, work: Work, identity: IdentityClaims, group_id: str, if_match: str | None
    ) -> None:
        """DELETE (RFC 7644 §3.6): the Group goes (404 after, its displayName free again);
        the org unit stays, with its people, KPIs and history, no longer provisioned."""
        repo = ScimRepository(work.session)
        row, unit = await self._linked_group(repo, group_id)
        members = (await repo.members([unit.id]))[unit.id]
        check_version(if_match, group_version(row, unit, members))
        await repo.delete(row)

    # --- helpers: groups -----------------------------------------------------------------

    async def _linked_group(
        self, repo: ScimRepository, group_id: str
    ) -> tuple[ScimResource, OrgUnit]:
        resource_id = parse_id(group_id)
        row = await repo.resource(GROUP, resource_id) if resource_id else None
        unit = await repo.get(OrgUnit, row.target_id) if row is not None else None
        if row is None or unit is None:
            raise GroupNotFound(detail=f"No group {group_id}.")
        return row, unit

    async def _members(self, repo: ScimRepository, ids: Iterable[str]) -> list[Employee]:
        """The employees of these User ids (members are Users), in order, each once."""
        wanted = {value: parse_id(value) for value in ids}
        rows = await repo.resources(USER, {i for i in wanted.values() if i is not None})
        unknown = sorted(value for value, i in wanted.items() if i not in rows)
        if unknown:
            raise InvalidUserValue(
                detail=f"members: no user with id {', '.join(unknown)}: members are Users of "
                "this tenant."
            )
        employees = await repo.by_ids(Employee, {row.target_id for row in rows.values()})
        targets = [rows[i].target_id for i in dict.fromkeys(wanted.values()) if i is not None]
        return [employees[t] for t in targets if t in employees]

    async def _titles(
        self, repo: ScimRepository, employees: Sequence[Employee]
    ) -> dict[uuid.UUID, str | None]:
        positions = await repo.by_ids(Position, {e.position_id for e in employees if e.position_id})
        return {e.id: positions[e.position_id].title if e.position_id else None for e in employees}

    async def _store_group(
        self,
        work: Work,
        identity: IdentityClaims,
        repo: ScimRepository,
        row: ScimResource,
        unit: OrgUnit,
        members: Sequence[Member],
        group: ScimGroup,
    ) -> ScimGroup:
        name = (group.display_name or "").strip()
        if not name:
            raise InvalidUserValue(detail="displayName: a Group needs one.")
        current = await self._members(repo, [str(m[0]) for m in members])
        wanted = await self._members(repo, _member_ids(group))
        joining = [e for e in wanted if e.org_unit_id != unit.id]
        leaving = [e for e in current if e.id not in {w.id for w in wanted}]
        parent = await repo.get(OrgUnit, unit.parent_id) if unit.parent_id else None
        if leaving and parent is None:
            raise MutabilityException(
                detail="Members leave the enterprise unit only by joining another group."
            )
        titles = await self._titles(repo, [*joining, *leaving])
        renamed = name_key(name) != row.name_key
        keys: list[Key] = [("unit", name)] if renamed else []
        keys.extend(position_keys(name, [titles[e.id] for e in joining]))
        if parent is not None:
            keys.extend(position_keys(parent.name, [titles[e.id] for e in leaving]))
        await work.locks.acquire(work.session, keys)
        if renamed and await repo.named(GROUP, [name], other_than=row.id):
            raise GroupNameTaken(detail=f"Another group already has displayName {name!r}.")
        external_id = stripped(group.external_id)
        changes = {
            k: v
            for k, v in {"name": name, "external_id": external_id}.items()
            if getattr(unit, k) != v
        }
        if changes:
            data = valid_contract(OrgUnitUpdate, **changes)
            await org_service.update_org_unit(work.session, identity, unit.id, data)
        values = {
            "name": name,
            "name_key": name_key(name),
            "external_id": external_id,
            "attributes": stored_attributes(group),
        }
        if any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            repo.add(row)
            await work.session.flush()
        for employee in joining:
            await self._place(work.session, identity, repo, employee, unit, titles[employee.id])
        for employee in leaving:
            assert parent is not None
            await self._place(work.session, identity, repo, employee, parent, titles[employee.id])
        return group_resource(row, unit, (await repo.members([unit.id]))[unit.id])

    async def _place(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        repo: ScimRepository,
        employee: Employee,
        unit: OrgUnit,
        title: str | None,
    ) -> None:
        """Move an employee into `unit`, keeping their title (a post of the same title in
        the new unit); the move is kept in their placement history."""
        position = await unit_position(session, identity, repo, unit, title)
        data = EmployeeUpdate(org_unit_id=unit.id, position_id=position)
        await org_service.update_employee(session, identity, employee.id, data)


def _member_ids(group: ScimGroup) -> list[str]:
    ids = []
    for member in group.members or []:
        if member.type is not None and member.type.lower() == "group":
            raise InvalidUserValue(
                detail="Groups cannot be members: org units nest by their parent in Strata."
            )
        if member.value:
            ids.append(member.value)
    return ids
