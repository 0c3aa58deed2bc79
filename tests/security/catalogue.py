"""Ids of real objects of one tenant, found through its own API, keyed by the path
parameter that names them (`org_unit_id`, `campaign_id`, ...).

Each path parameter is looked up in the collection its path names: for
`/api/v1/goals/plans/{plan_id}/versions` that is `GET /api/v1/goals/plans`; for
`/api/v1/reviews/campaigns/{campaign_id}/ratees/{ratee_id}/...` it is
`GET /api/v1/reviews/campaigns/{campaign_id}/ratees` with the campaign already chosen.
A few collections are keyed otherwise (`SOURCES`). The catalogue is per service prefix,
because two services may use one parameter name for different things (`template_id`).
"""

from collections.abc import Callable
from typing import Any

import httpx

from .operations import Operation

Pick = Callable[[dict[str, Any]], str | None]


def _field(name: str) -> Pick:
    return lambda item: None if item.get(name) is None else str(item[name])


# (path up to and including the parameter) -> (collection to list, how to read the id)
SOURCES: dict[str, tuple[str, Pick]] = {
    # An employee who has plans, so `/employees/{id}/cycles/{id}/...` names a real plan.
    "/api/v1/goals/employees/{employee_id}": ("/api/v1/goals/plans", _field("employee_id")),
    "/api/v1/goals/employees/{employee_id}/cycles/{cycle_id}": (
        "/api/v1/goals/plans",
        _field("cycle_id"),
    ),
    "/api/v1/reviews/campaigns/{campaign_id}/ratees/{ratee_id}": (
        "/api/v1/reviews/campaigns/{campaign_id}/ratees",
        _field("employee_id"),
    ),
    "/api/v1/reviews/campaigns/{campaign_id}/ratees/{employee_id}": (
        "/api/v1/reviews/campaigns/{campaign_id}/ratees",
        _field("employee_id"),
    ),
    "/api/v1/reviews/campaigns/{campaign_id}/results/{ratee_id}": (
        "/api/v1/reviews/campaigns/{campaign_id}/ratees",
        _field("employee_id"),
    ),
    "/api/v1/reviews/campaigns/{campaign_id}/nominations/{nomination_id}": (
        "/api/v1/reviews/campaigns/{campaign_id}/ratees/{ratee_id}/nominations",
        _field("id"),
    ),
    "/api/v1/reviews/templates/{template_id}/versions/{version}": (
        "/api/v1/reviews/templates/{template_id}/versions",
        _field("version"),
    ),
    # An actual of a plan (the demo's plans carry their actuals).
    "/api/v1/goals/actuals/{actual_id}": ("/api/v1/goals/plans/{plan_id}/actuals", _field("id")),
    "/api/v1/analytics/results/{employee_id}": ("/api/v1/analytics/results", _field("employee_id")),
    "/api/v1/analytics/results/{employee_id}/{cycle_id}": (
        "/api/v1/analytics/results",
        _field("cycle_id"),
    ),
    "/api/v1/analytics/result-policies/templates/{template_id}": (
        "/api/v1/reviews/templates",
        _field("id"),
    ),
    "/api/v1/reviews/invitations/{invitation_id}": (
        "/api/v1/reviews/campaigns/{campaign_id}/invitations",
        _field("id"),
    ),
    # A 360 report names an employee with a pulled campaign, and that campaign.
    "/api/v1/analytics/reports/360/{employee_id}": (
        "/api/v1/analytics/results",
        lambda item: str(item["employee_id"]) if item.get("campaign_id") else None,
    ),
    "/api/v1/analytics/reports/360/{employee_id}/{campaign_id}": (
        "/api/v1/analytics/results",
        _field("campaign_id"),
    ),
    "/api/v1/analytics/compensation/{employee_id}": (
        "/api/v1/analytics/compensation",
        _field("employee_id"),
    ),
    "/scim/v2/Users/{user_id}": ("/scim/v2/Users", _field("id")),
    "/scim/v2/Groups/{group_id}": ("/scim/v2/Groups", _field("id")),
    "/scim/v2/ResourceTypes/{name}": ("/scim/v2/ResourceTypes", _field("name")),
    "/scim/v2/Schemas/{urn}": ("/scim/v2/Schemas", _field("id")),
}


def _items(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key in ("items", "Resources"):
            if isinstance(body.get(key), list):
                return list(body[key])
    return []


# Objects only their own people may see, even in their tenant (a rater's invitation, a
# note): (path up to the id) -> the field of the object naming that person.
OWNERS: dict[str, str] = {
    "/api/v1/reviews/invitations/{invitation_id}": "rater_employee_id",
    "/api/v1/feedback/notes/{note_id}": "author_id",
    "/api/v1/feedback/interviews/{interview_id}": "employee_id",
}


class Catalogue:
    """Ids of one tenant's objects, found lazily and remembered."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self._found: dict[str, str | None] = {}
        self._items: dict[str, dict[str, Any]] = {}

    def seed(self, prefix: str, item: dict[str, Any], field: str = "id") -> None:
        """Record an object the tenant's admin cannot list (a person's private note)."""
        self._found[prefix] = str(item[field])
        self._items[prefix] = item

    def owner(self, op: Operation) -> str | None:
        """The employee who alone may see `op`'s object, if it is such an object."""
        for prefix, owner_field in OWNERS.items():
            if op.path.startswith(prefix):
                item = self._items.get(self._key(prefix, {}))
                return None if item is None else str(item[owner_field])
        return None

    def ids_for(self, op: Operation, **overrides: str) -> dict[str, str] | None:
        """Values for every path parameter of `op`, or None when one cannot be found."""
        values: dict[str, str] = {}
        overrides = {**dict(op.enum_params), **overrides}
        cut = 0
        for name in op.path_params:
            marker = "{" + name + "}"
            cut = op.path.index(marker, cut) + len(marker)
            if name in overrides:
                values[name] = overrides[name]
                continue
            prefix = op.path[:cut]
            found = self._lookup(prefix, name, values)
            if found is None:
                return None
            values[name] = found
        return values

    @staticmethod
    def _key(prefix: str, chosen: dict[str, str]) -> str:
        for param, value in chosen.items():
            prefix = prefix.replace("{" + param + "}", value)
        return prefix

    def _lookup(self, prefix: str, name: str, chosen: dict[str, str]) -> str | None:
        key = self._key(prefix, chosen)
        if key in self._found:
            return self._found[key]
        if prefix in SOURCES:
            collection, pick = SOURCES[prefix]
        else:
            collection, pick = prefix[: prefix.rindex("/")], _field("id")
        collection = self._fill_parents(collection, chosen)
        if collection is None:  # a parent the collection needs does not exist
            self._found[key] = None
            return None
        response = self.http.get(collection, params={"limit": 100} if "/scim/" not in key else {})
        result = None
        if response.status_code == 200:
            items = _items(response.json())
            related = {k: v for k, v in chosen.items() if k != name}
            # Prefer an item that belongs to what is already chosen (a plan of the chosen
            # employee), so combined paths name something that exists.
            matching = [
                item for item in items if all(str(item.get(k, v)) == v for k, v in related.items())
            ]
            for item in matching or items:
                result = pick(item)
                if result is not None:
                    self._items[key] = item
                    break
        self._found[key] = result
        return result

    def _fill_parents(self, template: str, chosen: dict[str, str]) -> str | None:
        """`template` with every parameter filled: from `chosen`, else looked up (in the
        collection its own prefix of the template names)."""
        values = dict(chosen)
        for start, char in enumerate(template):
            if char != "{":
                continue
            end = template.index("}", start)
            name = template[start + 1 : end]
            if name not in values:
                found = self._lookup(template[: end + 1], name, values)
                if found is None:
                    return None
                values[name] = found
        return self._key(template, values)
