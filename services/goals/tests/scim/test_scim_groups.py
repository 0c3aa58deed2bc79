"""Groups are org units; membership is where an employee is placed."""

import uuid

from scim2_models import Context, Group, ListResponse
from sqlmodel import select

from strata_goals.org.models import OrgUnit

from .conftest import ENTERPRISE, GROUP, SCIM_JSON, assert_scim_error, patch_body


async def unit_of(api, user):
    return (await api.call("GET", f"/employees/{user['id']}"))["org_unit_id"]


class TestCreate:
    async def test_a_group_becomes_a_department_with_its_members_moved_in(self, scim, company, api):
        ana = await scim.user(department="Sales", title="Rep")
        bob = await scim.user()
        response = await scim.request(
            "POST",
            "/Groups",
            {
                "schemas": [GROUP],
                "displayName": "Key accounts",
                "externalId": "grp-1",
                "members": [{"value": ana["id"]}, {"value": bob["id"], "type": "User"}],
            },
        )
        assert response.status_code == 201
        assert response.headers["content-type"] == SCIM_JSON
        group = Group.model_validate(response.json(), scim_ctx=Context.RESOURCE_CREATION_RESPONSE)
        assert response.headers["location"] == f"/scim/v2/Groups/{group.id}"
        assert response.headers["etag"] == group.meta.version
        assert (group.display_name, group.external_id) == ("Key accounts", "grp-1")
        assert {m.value for m in group.members or []} == {ana["id"], bob["id"]}
        unit = await api.call("GET", f"/org-units/{group.id}")
        assert (unit["name"], unit["parent_id"], unit["external_id"]) == (
            "Key accounts",
            company["id"],
            "grp-1",
        )
        assert await unit_of(api, ana) == await unit_of(api, bob) == group.id
        moved = await scim.ok("GET", f"/Users/{ana['id']}")
        assert (moved[ENTERPRISE]["department"], moved["title"]) == ("Key accounts", "Rep")

    async def test_a_taken_display_name_is_a_conflict(self, scim, company, db_session):
        await scim.group("Sales")
        response = await scim.request(
            "POST", "/Groups", {"schemas": [GROUP], "displayName": "SALES"}
        )
        assert_scim_error(response, 409, "uniqueness")
        assert len((await db_session.exec(select(OrgUnit))).all()) == 2

    async def test_a_member_that_is_no_user_is_refused(self, scim, company, db_session):
        response = await scim.request(
            "POST",
            "/Groups",
            {"schemas": [GROUP], "displayName": "X", "members": [{"value": str(uuid.uuid4())}]},
        )
        assert_scim_error(response, 400, "invalidValue")
        assert len((await db_session.exec(select(OrgUnit))).all()) == 1

    async def test_a_group_cannot_be_a_member(self, scim, company):
        other = await scim.group("Other")
        response = await scim.request(
            "POST",
            "/Groups",
            {
                "schemas": [GROUP],
                "displayName": "X",
                "members": [{"value": other["id"], "type": "Group"}],
            },
        )
        assert_scim_error(response, 400, "invalidValue")


class TestRead:
    async def test_a_group_lists_the_employees_placed_in_it(self, scim, company):
        ana = await scim.user(department="Sales")
        response = await scim.request("GET", f"/Groups/{ana['groups'][0]['value']}")
        assert response.status_code == 200
        group = response.json()
        assert group["displayName"] == "Sales"
        assert group["members"] == [
            {
                "value": ana["id"],
                "$ref": f"/scim/v2/Users/{ana['id']}",
                "type": "User",
                "display": ana["displayName"],
            }
        ]
        assert response.headers["etag"] == group["meta"]["version"]

    async def test_excluded_members_are_left_out(self, scim, company):
        await scim.user(department="Sales")
        body = await scim.ok("GET", "/Groups", params={"excludedAttributes": "members"})
        assert all("members" not in g for g in body["Resources"])

    async def test_the_version_moves_when_membership_changes(self, scim, company):
        group = await scim.group("Sales")
        before = group["meta"]["version"]
        user = await scim.user()
        await scim.patch(
            f"/Groups/{group['id']}",
            {"op": "add", "path": "members", "value": [{"value": user["id"]}]},
            expect=204,
        )
        after = await scim.request(
            "GET", f"/Groups/{group['id']}", headers={"If-None-Match": before}
        )
        assert after.status_code == 200
        assert after.headers["etag"] != before
        same = await scim.request(
            "GET", f"/Groups/{group['id']}", headers={"If-None-Match": after.headers["etag"]}
        )
        assert same.status_code == 304

    async def test_an_unknown_group_is_a_scim_404(self, scim):
        assert_scim_error(await scim.request("GET", f"/Groups/{uuid.uuid4()}"), 404)


class TestList:
    async def test_filters_by_display_name_and_by_member(self, scim, company):
        ana = await scim.user(department="Sales")
        await scim.user(department="Support")
        by_name = await scim.ok("GET", "/Groups", params={"filter": 'displayName eq "sales"'})
        page = ListResponse[Group].model_validate(by_name, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
        assert [g.display_name for g in page.resources or []] == ["Sales"]
        for expression in (f'members[value eq "{ana["id"]}"]', f'members eq "{ana["id"]}"'):
            by_member = await scim.ok("GET", "/Groups", params={"filter": expression})
            assert [g["displayName"] for g in by_member["Resources"]] == ["Sales"]
        none = await scim.ok(
            "GET", "/Groups", params={"filter": f'id eq "{company["id"]}" and members pr'}
        )
        assert none["totalResults"] == 0

    async def test_sorted_and_paged(self, scim, company):
        for name in ("Beta", "Alpha", "Gamma"):
            await scim.group(name)
        body = await scim.ok(
            "GET", "/Groups", params={"sortBy": "displayName", "startIndex": 2, "count": 2}
        )
        assert body["totalResults"] == 3  # the enterprise unit is no Group
        assert [g["displayName"] for g in body["Resources"]] == ["Beta", "Gamma"]


class TestPatch:
    async def test_adding_members_moves_them_in(self, scim, company, api):
        group = await scim.group("Sales")
        ana, bob = await scim.user(title="Rep"), await scim.user()
        response = await scim.request(
            "PATCH",
            f"/Groups/{group['id']}",
            patch_body(
                {
                    "op": "add",
                    "path": "members",
                    "value": [{"value": ana["id"]}, {"value": bob["id"]}],
                }
            ),
        )
        assert (response.status_code, response.content) == (204, b"")
        assert response.headers["etag"] != group["meta"]["version"]
        assert await unit_of(api, ana) == await unit_of(api, bob) == group["id"]
        history = await api.call("GET", f"/employees/{ana['id']}/history")
        assert history[-1]["org_unit_id"] == group["id"]

    async def test_removing_a_member_by_filter_moves_them_to_the_parent_unit(
        self, scim, company, api
    ):
        ana = await scim.user(department="Sales")
        group_id = ana["groups"][0]["value"]
        await scim.patch(
            f"/Groups/{group_id}",
            {"op": "remove", "path": f'members[value eq "{ana["id"]}"]'},
            expect=204,
        )
        assert await unit_of(api, ana) == company["id"]

    async def test_removing_members_by_value_as_entra_sends_it(self, scim, company, api):
        ana = await scim.user(department="Sales")
        bob = await scim.user(department="Sales")
        group_id = ana["groups"][0]["value"]
        await scim.patch(
            f"/Groups/{group_id}",
            {"op": "Remove", "path": "members", "value": [{"value": ana["id"]}]},
            expect=204,
        )
        group = await scim.ok("GET", f"/Groups/{group_id}")
        assert [m["value"] for m in group["members"]] == [bob["id"]]

    async def test_rename_as_okta_sends_it_with_the_id_in_the_value(self, scim, company, api):
        group = await scim.group("Sales")
        body = await scim.ok(
            "PATCH",
            f"/Groups/{group['id']}",
            patch_body(
                {"op": "replace", "value": {"id": group["id"], "displayName": "Sales EMEA"}}
            ),
            params={"attributes": "displayName"},
        )
        assert body == {"schemas": [GROUP], "id": group["id"], "displayName": "Sales EMEA"}
        assert (await api.call("GET", f"/org-units/{group['id']}"))["name"] == "Sales EMEA"

    async def test_renaming_to_a_taken_name_is_a_conflict(self, scim, company):
        await scim.group("Sales")
        other = await scim.group("Support")
        response = await scim.request(
            "PATCH",
            f"/Groups/{other['id']}",
            patch_body({"op": "replace", "path": "displayName", "value": "sales"}),
        )
        assert_scim_error(response, 409, "uniqueness")

    async def test_an_invalid_path_and_a_stale_version(self, scim, company):
        group = await scim.group("Sales")
        response = await scim.request(
            "PATCH",
            f"/Groups/{group['id']}",
            patch_body({"op": "add", "path": "owners", "value": "x"}),
        )
        assert_scim_error(response, 400, "invalidPath")
        response = await scim.request(
            "PATCH",
            f"/Groups/{group['id']}",
            patch_body({"op": "replace", "path": "displayName", "value": "X"}),
            headers={"If-Match": 'W/"0-000000000000"'},
        )
        assert_scim_error(response, 412)


class TestReplace:
    async def test_put_sets_the_whole_member_list(self, scim, company, api):
        ana = await scim.user(department="Sales")
        bob = await scim.user()
        group_id = ana["groups"][0]["value"]
        replaced = await scim.ok(
            "PUT",
            f"/Groups/{group_id}",
            {"schemas": [GROUP], "displayName": "Sales", "members": [{"value": bob["id"]}]},
        )
        assert [m["value"] for m in replaced["members"]] == [bob["id"]]
        assert (await unit_of(api, ana), await unit_of(api, bob)) == (company["id"], group_id)
