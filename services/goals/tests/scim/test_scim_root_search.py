"""Root-level `POST /.search` (RFC 7644 §3.4.3): Users and Groups in one query. Before it
existed the route answered 404 (scim2-tester: "No SCIM endpoint /scim/v2/.search")."""

import pytest

from .conftest import GROUP, USER, assert_scim_error

pytestmark = pytest.mark.asyncio

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def search(**fields):
    return {"schemas": [SEARCH], **fields}


class TestRootSearch:
    async def test_users_and_groups_come_back_together(self, scim, company):
        user = await scim.user(userName="bjensen")
        group = await scim.group("Tour Guides", [user["id"]])
        body = await scim.ok("POST", "/.search", search())
        assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
        ids = {r["id"]: r["schemas"][0] for r in body["Resources"]}
        assert ids[user["id"]] == USER
        assert ids[group["id"]] == GROUP
        assert body["totalResults"] == len(body["Resources"]) == body["itemsPerPage"]

    async def test_a_filter_applies_to_each_type_that_has_the_attribute(self, scim, company):
        user = await scim.user(userName="bjensen")
        await scim.group("Tour Guides")
        body = await scim.ok("POST", "/.search", search(filter='userName eq "bjensen"'))
        assert [r["id"] for r in body["Resources"]] == [user["id"]]
        body = await scim.ok("POST", "/.search", search(filter='displayName eq "Tour Guides"'))
        assert [r["schemas"][0] for r in body["Resources"]] == [GROUP]

    async def test_a_filter_no_type_has_is_invalid(self, scim, company):
        response = await scim.request("POST", "/.search", search(filter='shoeSize eq "42"'))
        assert_scim_error(response, 400, "invalidFilter")

    async def test_attributes_apply_per_type(self, scim, company):
        user = await scim.user(userName="bjensen")
        group = await scim.group("Tour Guides")
        body = await scim.ok("POST", "/.search", search(attributes=["userName", "displayName"]))
        by_id = {r["id"]: r for r in body["Resources"]}
        assert set(by_id[user["id"]]) <= {"schemas", "id", "userName", "displayName"}
        assert "userName" in by_id[user["id"]]
        assert "emails" not in by_id[user["id"]]
        assert set(by_id[group["id"]]) == {"schemas", "id", "displayName"}
        body = await scim.ok("POST", "/.search", search(excludedAttributes=["members"]))
        assert all("members" not in r for r in body["Resources"])

    async def test_paging_runs_over_users_then_groups(self, scim, company):
        users = [await scim.user() for _ in range(2)]
        groups = [await scim.group(f"G{n}") for n in range(2)]
        every = await scim.ok("POST", "/.search", search())
        order = [r["id"] for r in every["Resources"]]
        assert order.index(users[1]["id"]) < order.index(groups[0]["id"])
        page = await scim.ok("POST", "/.search", search(startIndex=2, count=2))
        assert page["totalResults"] == len(order)
        assert [r["id"] for r in page["Resources"]] == order[1:3]
        empty = await scim.ok("POST", "/.search", search(count=0))
        assert empty["totalResults"] == len(order)
        assert "Resources" not in empty

    async def test_a_bad_search_request_is_a_scim_400(self, scim, company):
        response = await scim.request("POST", "/.search", search(count="many"))
        assert response.status_code == 400
