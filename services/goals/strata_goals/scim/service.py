"""SCIM provisioning rules: Users are employees, Groups are org units.

Every change goes through the organisation service (`org_service`), so it is checked,
audited and published exactly like the same change made through the REST API. What this
service adds is SCIM's view: the mapping (`resources`), find-or-create of departments and
titles, userName uniqueness, group membership as placement, and the version checks.

The rules live in `users` (Users), `groups` (Groups) and `provisioning` (what both share:
placement, rendering, validation); this module joins them and adds the root-level search.
"""

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_goals.org.models import OrgUnit
from strata_goals.scim.exceptions import InvalidFilter, InvalidQuery
from strata_goals.scim.groups import ScimGroups
from strata_goals.scim.models import ScimResource
from strata_goals.scim.provisioning import (
    Listed,
    ListQuery,
    Place,
    Work,
    check_version,
    list_where,
    parse_id,
    render_users,
)
from strata_goals.scim.repository import (
    GROUP,
    GROUP_CATALOGUE,
    USER,
    USER_CATALOGUE,
    ScimRepository,
)
from strata_goals.scim.resources import group_resource
from strata_goals.scim.schemas import ScimGroup, ScimUser
from strata_goals.scim.users import ScimUsers

__all__ = [
    "ListQuery",
    "Listed",
    "Place",
    "ScimService",
    "Work",
    "check_version",
    "parse_id",
    "scim_service",
]


class ScimService(ScimUsers, ScimGroups):
    """The SCIM service the endpoints and the bulk paths call: Users, Groups, and both."""

    async def search_all(self, session: AsyncSession, query: ListQuery) -> Listed[Any]:
        """The root-level query of RFC 7644 §3.4.3: Users, then Groups, as one list.

        The filter applies to each resource type; a type that lacks an attribute the filter
        names matches nothing there (a filter no type has is a 400). `sortBy` orders within
        each type, and the page (`startIndex`/`count`) runs over Users first, then Groups."""
        repo = ScimRepository(session)
        wheres: list[tuple[Any, list[Any]] | None] = []
        errors: list[Exception] = []
        for catalogue in (USER_CATALOGUE, GROUP_CATALOGUE):
            try:
                wheres.append(list_where(query, catalogue))
            except (InvalidFilter, InvalidQuery) as exc:
                wheres.append(None)
                errors.append(exc)
        if len(errors) == 2:
            raise errors[0]
        user_q, group_q = wheres
        users = await repo.count(USER, user_q[0]) if user_q else 0
        groups = await repo.count(GROUP, group_q[0]) if group_q else 0
        offset, limit = query.start_index - 1, query.count
        found: list[ScimUser | ScimGroup] = []
        if user_q and limit > 0 and offset < users:
            rows = await repo.page(USER, user_q[0], user_q[1], offset=offset, limit=limit)
            found.extend(await render_users(repo, rows))
        left = limit - len(found)
        if group_q and left > 0:
            start = max(0, offset - users)
            unit_rows: list[tuple[ScimResource, OrgUnit]] = await repo.page(
                GROUP, group_q[0], group_q[1], offset=start, limit=left
            )
            members = await repo.members([u.id for _, u in unit_rows])
            found.extend(group_resource(r, u, members[u.id]) for r, u in unit_rows)
        return Listed(users + groups, found)


scim_service = ScimService()
