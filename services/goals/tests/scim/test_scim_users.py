"""Users are employees: create, read, list, replace, patch, deactivate (RFC 7643/7644)."""

import asyncio
import uuid

import pytest
from scim2_models import Context, ListResponse
from sqlmodel import select

from strata_goals.models import AuditRecord, OutboxEvent
from strata_goals.org.models import Employee, OrgUnit, Position
from strata_goals.scim.schemas import ScimUser

from .conftest import ENTERPRISE, SCIM_JSON, USER, assert_scim_error, user_body


async def rest_employee(api, user_id):
    return await api.call("GET", f"/employees/{user_id}")


class TestCreate:
    async def test_a_user_becomes_an_employee_with_every_mapped_value(self, scim, company, api):
        boss = await scim.user(title="Chief executive")
        response = await scim.request(
            "POST",
            "/Users",
            user_body(
                "ana",
                userName="Ana.Lopez@Example.com",
                name={"givenName": "Ana María", "familyName": "López"},
                title="Sales representative",
                externalId="00u-okta-1",
                department="Sales",
                manager=boss["id"],
            ),
        )
        assert response.status_code == 201
        assert response.headers["content-type"] == SCIM_JSON
        user = ScimUser.model_validate(response.json(), scim_ctx=Context.RESOURCE_CREATION_RESPONSE)
        assert response.headers["location"] == f"/scim/v2/Users/{user.id}"
        assert response.headers["etag"] == user.meta.version == 'W/"1-1"'
        assert user.meta.resource_type == "User"
        assert (user.user_name, user.display_name, user.title) == (
            "Ana.Lopez@Example.com",
            "Ana María López",
            "Sales representative",
        )
        assert (user.name.given_name, user.name.family_name) == ("Ana María", "López")
        assert user.active is True
        employee = await rest_employee(api, user.id)
        sales = await api.call("GET", f"/org-units/{employee['org_unit_id']}")
        post = await api.call("GET", f"/positions/{employee['position_id']}")
        assert employee["name"] == "Ana María López"
        assert employee["email"].lower() == "ana.lopez@example.com"
        assert employee["external_id"] == "00u-okta-1"
        assert employee["manager_id"] == boss["id"]
        assert employee["status"] == "active"
        assert (sales["name"], sales["parent_id"]) == ("Sales", company["id"])
        assert (post["title"], post["org_unit_id"]) == ("Sales representative", sales["id"])
        extension = response.json()[ENTERPRISE]
        assert extension["department"] == "Sales"
        assert "employeeNumber" not in extension  # externalId is kept as sent, alone
        assert extension["manager"]["value"] == boss["id"]
        assert extension["manager"]["displayName"] == boss["displayName"]

    async def test_the_change_is_audited_and_published_as_through_rest(
        self, scim, company, db_session
    ):
        user = await scim.user()
        user_id = uuid.UUID(user["id"])
        audit = (
            await db_session.exec(select(AuditRecord).where(AuditRecord.entity_id == user_id))
        ).all()
        assert [(a.entity_type, a.action, a.actor) for a in audit] == [
            ("employee", "created", "key:okta")
        ]
        events = (
            await db_session.exec(
                select(OutboxEvent).where(OutboxEvent.subject == f"employee/{user['id']}")
            )
        ).all()
        assert [e.type for e in events] == ["goals.employee.upserted"]
        assert events[0].data["employee"]["email"] == user["userName"]

    async def test_no_department_places_the_user_in_the_enterprise_unit(self, scim, company, api):
        user = await scim.user()
        assert (await rest_employee(api, user["id"]))["org_unit_id"] == company["id"]
        assert ENTERPRISE not in user  # the enterprise unit is no department

    async def test_a_known_department_and_title_are_reused_whatever_their_case(
        self, scim, company, api, db_session
    ):
        sales = await api.org_unit(name="Sales", parent_id=company["id"])
        post = await api.position(sales["id"], title="Account executive")
        user = await scim.user(department="SALES", title="account EXECUTIVE")
        employee = await rest_employee(api, user["id"])
        assert (employee["org_unit_id"], employee["position_id"]) == (sales["id"], post["id"])
        assert len((await db_session.exec(select(OrgUnit))).all()) == 2
        assert len((await db_session.exec(select(Position))).all()) == 1

    async def test_a_department_may_be_given_by_the_units_id(self, scim, company, api):
        lab = await api.org_unit(name="Lab", parent_id=company["id"])
        user = await scim.user(department=lab["id"])
        assert (await rest_employee(api, user["id"]))["org_unit_id"] == lab["id"]
        assert user[ENTERPRISE]["department"] == "Lab"

    async def test_two_units_of_one_name_need_the_id(self, scim, company, api):
        first = await api.org_unit(name="Ops", parent_id=company["id"])
        await api.org_unit(name="Ops", parent_id=first["id"])
        response = await scim.request("POST", "/Users", user_body(1, department="Ops"))
        assert_scim_error(response, 400, "invalidValue")

    async def test_an_inactive_user_is_created_terminated(self, scim, company, api):
        user = await scim.user(active=False)
        assert user["active"] is False
        assert (await rest_employee(api, user["id"]))["status"] == "terminated"

    async def test_an_unknown_extension_schema_is_refused(self, scim, company):
        custom = "urn:example:params:scim:schemas:extension:custom:2.0:User"
        body = user_body(1)
        body["schemas"].append(custom)
        body[custom] = {"shoeSize": "44"}
        assert_scim_error(await scim.request("POST", "/Users", body), 400, "invalidSyntax")

    async def test_a_taken_user_name_is_a_conflict_whatever_its_case(
        self, scim, company, db_session
    ):
        await scim.user(userName="dup@example.com")
        response = await scim.request("POST", "/Users", user_body(2, userName="DUP@example.com"))
        assert_scim_error(response, 409, "uniqueness")
        assert len((await db_session.exec(select(Employee))).all()) == 1

    async def test_a_taken_external_id_is_a_conflict(self, scim, company):
        await scim.user(externalId="X1")
        response = await scim.request("POST", "/Users", user_body(2, externalId="X1"))
        assert_scim_error(response, 409, "uniqueness")

    async def test_a_missing_user_name_is_refused(self, scim, company):
        body = user_body(1)
        del body["userName"]
        assert_scim_error(await scim.request("POST", "/Users", body), 400, "invalidValue")

    async def test_an_unknown_manager_is_refused_and_nothing_is_stored(
        self, scim, company, db_session
    ):
        ghost = "0b6f6a53-33a5-4c42-a36e-0a0ba0a4d2e1"
        response = await scim.request(
            "POST", "/Users", user_body(1, department="New dept", title="New", manager=ghost)
        )
        assert_scim_error(response, 400, "invalidValue")
        assert "manager" in response.json()["detail"]
        # The department and position created on the way were rolled back with the rest.
        assert len((await db_session.exec(select(OrgUnit))).all()) == 1
        assert (await db_session.exec(select(Position))).all() == []
        assert (
            await db_session.exec(select(AuditRecord).where(AuditRecord.entity_type != "org_unit"))
        ).all() == []

    async def test_a_manager_that_is_no_id_is_refused(self, scim, company):
        response = await scim.request("POST", "/Users", user_body(1, manager="bob"))
        assert_scim_error(response, 400, "invalidValue")

    async def test_concurrent_creates_share_one_new_department_and_title(
        self, scim, company, db_session
    ):
        bodies = [user_body(n, department="Support", title="Agent") for n in range(6)]
        responses = await asyncio.gather(*(scim.request("POST", "/Users", b) for b in bodies))
        assert [r.status_code for r in responses] == [201] * 6
        units = (await db_session.exec(select(OrgUnit).where(OrgUnit.name == "Support"))).all()
        positions = (await db_session.exec(select(Position))).all()
        assert (len(units), len(positions)) == (1, 1)

    async def test_one_user_name_sent_twice_at_once_is_created_once(
        self, scim, company, db_session
    ):
        responses = await asyncio.gather(
            *(scim.request("POST", "/Users", user_body(1)) for _ in range(3))
        )
        assert sorted(r.status_code for r in responses) == [201, 409, 409]
        assert len((await db_session.exec(select(Employee))).all()) == 1


class TestRead:
    async def test_a_user_reads_back_with_its_version(self, scim, company):
        created = await scim.user()
        response = await scim.request("GET", f"/Users/{created['id']}")
        assert response.status_code == 200
        assert response.json() == created
        assert response.headers["etag"] == 'W/"1-1"'

    async def test_if_none_match_with_the_current_version_is_not_modified(self, scim, company):
        created = await scim.user()
        response = await scim.request(
            "GET", f"/Users/{created['id']}", headers={"If-None-Match": 'W/"1-1"'}
        )
        assert (response.status_code, response.content) == (304, b"")
        stale = await scim.request(
            "GET", f"/Users/{created['id']}", headers={"If-None-Match": '"0"'}
        )
        assert stale.status_code == 200

    async def test_an_unknown_user_is_a_scim_404(self, scim):
        response = await scim.request("GET", "/Users/3f0ae8de-3a9d-4e57-8d34-7e1e6a0a1f00")
        assert_scim_error(response, 404)

    async def test_attributes_and_excluded_attributes_select_what_is_returned(self, scim, company):
        created = await scim.user(department="Sales")
        only = await scim.ok("GET", f"/Users/{created['id']}", params={"attributes": "userName"})
        assert set(only) == {"schemas", "id", "userName"}
        without = await scim.ok(
            "GET", f"/Users/{created['id']}", params={"excludedAttributes": "groups,emails"}
        )
        assert "groups" not in without
        assert "emails" not in without
        assert "userName" in without


class TestList:
    @pytest.fixture
    async def people(self, scim, company):
        boss = await scim.user(name={"givenName": "Zoe", "familyName": "Adams"}, title="CEO")
        return {
            "boss": boss,
            "ana": await scim.user(
                userName="ana@example.com",
                name={"givenName": "Ana", "familyName": "Baker"},
                department="Sales",
                title="Rep",
                manager=boss["id"],
                employeeNumber="E-2",
            ),
            "bob": await scim.user(
                userName="bob@other.org",
                name={"givenName": "Bob", "familyName": "Carter"},
                department="Sales",
                manager=boss["id"],
                active=False,
            ),
            "cy": await scim.user(
                userName="cy@example.com",
                name={"formatted": "Cy"},
                department="Support",
                title="Agent",
            ),
        }

    async def names(self, scim, **params):
        body = await scim.ok("GET", "/Users", params=params)
        page = ListResponse[ScimUser].model_validate(body, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
        return page.total_results, [u.display_name for u in page.resources or []]

    async def test_everyone_by_default_oldest_first(self, scim, people):
        assert await self.names(scim) == (4, ["Zoe Adams", "Ana Baker", "Bob Carter", "Cy"])

    async def test_user_name_eq_ignores_case(self, scim, people):
        assert await self.names(scim, filter='userName eq "ANA@example.COM"') == (1, ["Ana Baker"])

    @pytest.mark.parametrize(
        ("expression", "expected"),
        [
            ('userName co "example"', ["Zoe Adams", "Ana Baker", "Cy"]),
            ('userName sw "bob"', ["Bob Carter"]),
            ('userName ew "other.org"', ["Bob Carter"]),
            ('emails.value ew "other.org"', ["Bob Carter"]),
            ('emails[type eq "work" and value sw "cy"]', ["Cy"]),
            ('name.familyName eq "carter"', ["Bob Carter"]),
            ('name.givenName eq "ana"', ["Ana Baker"]),
            ('displayName co "a"', ["Zoe Adams", "Ana Baker", "Bob Carter"]),
            ("active eq false", ["Bob Carter"]),
            ("active eq true and title pr", ["Zoe Adams", "Ana Baker", "Cy"]),
            ('title eq "rep" or title eq "agent"', ["Ana Baker", "Cy"]),
            ('not (title eq "Rep")', ["Zoe Adams", "Bob Carter", "Cy"]),
            ("not (title pr)", ["Bob Carter"]),
            (f'{ENTERPRISE}:department eq "sales"', ["Ana Baker", "Bob Carter"]),
            (f"{ENTERPRISE}:department pr", ["Ana Baker", "Bob Carter", "Cy"]),
            (f'{ENTERPRISE}:employeeNumber eq "E-2"', ["Ana Baker"]),
            ('externalId eq "E-2"', []),  # employeeNumber is not the externalId
            ('externalId eq "e-2"', []),
            ('groups.display eq "Support"', ["Cy"]),
            (
                'meta.created gt "2000-01-01T00:00:00Z"',
                ["Zoe Adams", "Ana Baker", "Bob Carter", "Cy"],
            ),
            ('meta.lastModified lt "2000-01-01T00:00:00Z"', []),
            ('meta.resourceType eq "User" and nickName pr', []),
            ("title eq null", ["Bob Carter"]),
            ("title ne null", ["Zoe Adams", "Ana Baker", "Cy"]),
            (
                '(userName sw "a" or userName sw "b") and not (active eq false)',
                ["Ana Baker"],
            ),
        ],
    )
    async def test_filters(self, scim, people, expression, expected):
        assert await self.names(scim, filter=expression) == (len(expected), expected)

    async def test_filter_by_manager_and_by_id(self, scim, people):
        boss = people["boss"]["id"]
        assert await self.names(scim, filter=f'{ENTERPRISE}:manager.value eq "{boss}"') == (
            2,
            ["Ana Baker", "Bob Carter"],
        )
        assert await self.names(scim, filter=f'id eq "{people["cy"]["id"]}"') == (1, ["Cy"])

    async def test_an_invalid_filter_is_a_scim_400(self, scim, people):
        for bad in ("userName eq", 'shoeSize eq "9"', 'userName eq "x" and (', "active gt 1"):
            response = await scim.request("GET", "/Users", params={"filter": bad})
            assert_scim_error(response, 400, "invalidFilter")

    async def test_sort_by_family_name_descending(self, scim, people):
        _, names = await self.names(scim, sortBy="name.familyName", sortOrder="descending")
        assert names == ["Cy", "Bob Carter", "Ana Baker", "Zoe Adams"]

    async def test_sort_by_user_name_and_by_external_id_nulls_last(self, scim, people):
        _, names = await self.names(scim, sortBy="userName")
        assert names == ["Ana Baker", "Bob Carter", "Cy", "Zoe Adams"]
        _, names = await self.names(scim, sortBy=f"{ENTERPRISE}:employeeNumber")
        assert names[0] == "Ana Baker"
        _, names = await self.names(
            scim, sortBy=f"{ENTERPRISE}:employeeNumber", sortOrder="descending"
        )
        assert names[-1] == "Ana Baker"

    async def test_sort_by_last_modified(self, scim, people):
        await scim.patch(
            f"/Users/{people['boss']['id']}", {"op": "replace", "path": "title", "value": "Chair"}
        )
        _, names = await self.names(scim, sortBy="meta.lastModified", sortOrder="descending")
        assert names[0] == "Zoe Adams"

    async def test_an_unknown_sort_or_order_is_refused(self, scim, people):
        response = await scim.request("GET", "/Users", params={"sortBy": "phoneNumbers"})
        assert_scim_error(response, 400, "invalidValue")
        response = await scim.request("GET", "/Users", params={"sortOrder": "sideways"})
        assert_scim_error(response, 400, "invalidValue")

    async def test_pages_by_start_index_and_count(self, scim, people):
        body = await scim.ok(
            "GET", "/Users", params={"startIndex": 2, "count": 2, "sortBy": "userName"}
        )
        assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (4, 2, 2)
        assert [u["userName"] for u in body["Resources"]] == ["bob@other.org", "cy@example.com"]
        last = await scim.ok(
            "GET", "/Users", params={"startIndex": 4, "count": 2, "sortBy": "userName"}
        )
        assert [u["userName"] for u in last["Resources"]] == ["user1@example.com"]
        beyond = await scim.ok("GET", "/Users", params={"startIndex": 9})
        assert (beyond["totalResults"], beyond["itemsPerPage"], beyond["Resources"]) == (4, 0, [])

    async def test_count_zero_answers_the_total_only_and_bad_numbers_are_refused(
        self, scim, people
    ):
        body = await scim.ok("GET", "/Users", params={"count": 0})
        assert body["totalResults"] == 4
        assert "Resources" not in body
        clamped = await scim.ok("GET", "/Users", params={"startIndex": -3, "count": 5000})
        assert (clamped["startIndex"], clamped["itemsPerPage"]) == (1, 4)
        response = await scim.request("GET", "/Users", params={"count": "many"})
        assert_scim_error(response, 400, "invalidValue")

    async def test_attributes_apply_to_every_resource_of_the_page(self, scim, people):
        body = await scim.ok("GET", "/Users", params={"attributes": "userName", "count": 2})
        assert [set(u) for u in body["Resources"]] == [{"schemas", "id", "userName"}] * 2


class TestReplace:
    async def test_put_replaces_and_moves_keeping_history(self, scim, company, api):
        boss = await scim.user(title="CEO")
        user = await scim.user(department="Sales", title="Rep")
        body = user_body(
            "x",
            userName=user["userName"],
            name={"formatted": "Ana Smith"},
            department="Support",
            title="Agent",
            manager=boss["id"],
            externalId="H-9",
        )
        response = await scim.request(
            "PUT", f"/Users/{user['id']}", body, headers={"If-Match": user["meta"]["version"]}
        )
        assert response.status_code == 200
        replaced = response.json()
        assert response.headers["etag"] == replaced["meta"]["version"] == 'W/"2-2"'
        # A PUT is a full replace (RFC 7644 3.5.1): the body sends no displayName, so the
        # resource reads back without one; the employee takes its name from `name`.
        assert "displayName" not in replaced
        assert (replaced["name"]["formatted"], replaced["title"], replaced["externalId"]) == (
            "Ana Smith",
            "Agent",
            "H-9",
        )
        assert replaced[ENTERPRISE]["department"] == "Support"
        employee = await rest_employee(api, user["id"])
        assert (employee["name"], employee["manager_id"]) == ("Ana Smith", boss["id"])
        # A move on the day of hire corrects that day's placement (the org rule); later
        # moves add one. Either way the current placement is the new one.
        history = await api.call("GET", f"/employees/{user['id']}/history")
        assert (history[-1]["org_unit_id"], history[-1]["valid_to"]) == (
            employee["org_unit_id"],
            None,
        )

    async def test_put_clears_what_the_body_leaves_out(self, scim, company, api):
        boss = await scim.user()
        user = await scim.user(department="Sales", title="Rep", manager=boss["id"], externalId="K")
        replaced = await scim.ok(
            "PUT", f"/Users/{user['id']}", user_body("y", userName=user["userName"])
        )
        assert "title" not in replaced
        assert "externalId" not in replaced
        assert ENTERPRISE not in replaced
        employee = await rest_employee(api, user["id"])
        assert (employee["position_id"], employee["manager_id"], employee["external_id"]) == (
            None,
            None,
            None,
        )
        assert employee["org_unit_id"] == company["id"]

    async def test_a_stale_if_match_is_a_412_and_nothing_changes(self, scim, company, api):
        user = await scim.user()
        await scim.patch(f"/Users/{user['id']}", {"op": "replace", "path": "title", "value": "New"})
        response = await scim.request(
            "PUT",
            f"/Users/{user['id']}",
            user_body("z", userName=user["userName"], title="Stale write"),
            headers={"If-Match": user["meta"]["version"]},
        )
        assert_scim_error(response, 412)
        assert (await scim.ok("GET", f"/Users/{user['id']}"))["title"] == "New"

    async def test_read_only_attributes_in_the_body_are_ignored(self, scim, company):
        user = await scim.user()
        body = user_body(
            "q", userName=user["userName"], id="ignored", meta={"resourceType": "User"}
        )
        replaced = await scim.ok("PUT", f"/Users/{user['id']}", body)
        assert replaced["id"] == user["id"]

    async def test_taking_another_users_name_is_a_conflict(self, scim, company):
        first = await scim.user()
        second = await scim.user()
        response = await scim.request(
            "PUT", f"/Users/{second['id']}", user_body("r", userName=first["userName"])
        )
        assert_scim_error(response, 409, "uniqueness")


class TestPatch:
    async def patch(self, scim, user, *operations, **kw):
        return await scim.patch(f"/Users/{user['id']}", *operations, **kw)

    async def test_active_false_terminates_and_true_reactivates(self, scim, company, api):
        user = await scim.user()
        off = await self.patch(scim, user, {"op": "replace", "path": "active", "value": False})
        assert off["active"] is False
        assert (await rest_employee(api, user["id"]))["status"] == "terminated"
        on = await self.patch(scim, user, {"op": "Replace", "value": {"active": "True"}})
        assert on["active"] is True
        assert (await rest_employee(api, user["id"]))["status"] == "active"

    async def test_reactivating_someone_on_leave_keeps_them_on_leave(self, scim, company, api):
        user = await scim.user()
        await api.call("PATCH", f"/employees/{user['id']}", {"status": "on_leave"})
        patched = await self.patch(scim, user, {"op": "replace", "path": "active", "value": True})
        assert patched["active"] is True
        assert (await rest_employee(api, user["id"]))["status"] == "on_leave"

    async def test_given_name_replaces_the_first_words_of_the_name(self, scim, company, api):
        user = await scim.user(name={"givenName": "Ana María", "familyName": "López"})
        patched = await self.patch(
            scim, user, {"op": "replace", "path": "name.givenName", "value": "Anna"}
        )
        assert patched["name"] == {
            "formatted": "Anna López",
            "givenName": "Anna",
            "familyName": "López",
        }
        assert (await rest_employee(api, user["id"]))["name"] == "Anna López"

    async def test_manager_as_a_bare_id_or_as_a_value_and_removed(self, scim, company, api):
        first, second = await scim.user(), await scim.user()
        user = await scim.user()
        path = f"{ENTERPRISE}:manager"
        patched = await self.patch(scim, user, {"op": "Add", "path": path, "value": first["id"]})
        assert patched[ENTERPRISE]["manager"]["value"] == first["id"]
        patched = await self.patch(
            scim, user, {"op": "replace", "path": path, "value": {"value": second["id"]}}
        )
        assert (await rest_employee(api, user["id"]))["manager_id"] == second["id"]
        patched = await self.patch(
            scim, user, {"op": "Remove", "path": path, "value": [{"value": second["id"]}]}
        )
        assert "manager" not in patched.get(ENTERPRISE, {})
        assert (await rest_employee(api, user["id"]))["manager_id"] is None

    async def test_manager_in_a_value_without_path(self, scim, company, api):
        boss, user = await scim.user(), await scim.user()
        await self.patch(
            scim, user, {"op": "replace", "value": {f"{ENTERPRISE}:manager": boss["id"]}}
        )
        assert (await rest_employee(api, user["id"]))["manager_id"] == boss["id"]

    async def test_department_moves_the_user_and_keeps_the_title(self, scim, company, api):
        user = await scim.user(department="Sales", title="Analyst")
        patched = await self.patch(
            scim, user, {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Finance"}
        )
        assert (patched[ENTERPRISE]["department"], patched["title"]) == ("Finance", "Analyst")
        employee = await rest_employee(api, user["id"])
        post = await api.call("GET", f"/positions/{employee['position_id']}")
        assert post["org_unit_id"] == employee["org_unit_id"] == patched["groups"][0]["value"]
        history = await api.call("GET", f"/employees/{user['id']}/history")
        assert history[-1]["org_unit_id"] == employee["org_unit_id"]

    async def test_department_in_the_extension_object_without_path(self, scim, company):
        user = await scim.user()
        patched = await self.patch(
            scim, user, {"op": "add", "value": {ENTERPRISE: {"department": "Legal"}}}
        )
        assert patched[ENTERPRISE]["department"] == "Legal"

    async def test_removing_the_department_returns_to_the_enterprise_unit(self, scim, company, api):
        user = await scim.user(department="Sales")
        await self.patch(scim, user, {"op": "remove", "path": f"{ENTERPRISE}:department"})
        assert (await rest_employee(api, user["id"]))["org_unit_id"] == company["id"]

    async def test_several_attributes_without_path(self, scim, company):
        user = await scim.user()
        patched = await self.patch(
            scim, user, {"op": "replace", "value": {"displayName": "Dee Dee", "title": "Lead"}}
        )
        assert (patched["displayName"], patched["title"]) == ("Dee Dee", "Lead")

    @pytest.mark.parametrize(
        ("operation", "scim_type"),
        [
            ({"op": "replace", "path": "shoeSize", "value": "44"}, "invalidPath"),
            ({"op": "replace", "path": 'emails[type eq "work"', "value": "x"}, "invalidPath"),
            ({"op": "replace", "path": "id", "value": "x"}, "mutability"),
            ({"op": "remove", "path": "userName"}, "mutability"),
            ({"op": "jump", "path": "title", "value": "x"}, "invalidValue"),
        ],
    )
    async def test_bad_operations_are_refused(self, scim, company, operation, scim_type):
        user = await scim.user()
        response = await scim.request(
            "PATCH",
            f"/Users/{user['id']}",
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [operation],
            },
        )
        assert_scim_error(response, 400, scim_type)

    async def test_all_operations_apply_or_none(self, scim, company, api, db_session):
        user = await scim.user(department="Sales")
        ghost = "0b6f6a53-33a5-4c42-a36e-0a0ba0a4d2e1"
        response = await scim.request(
            "PATCH",
            f"/Users/{user['id']}",
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {"op": "replace", "path": "displayName", "value": "Changed"},
                    {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Brand new"},
                    {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": ghost},
                ],
            },
        )
        assert_scim_error(response, 400, "invalidValue")
        employee = await rest_employee(api, user["id"])
        assert employee["name"] == user["displayName"]
        units = (await db_session.exec(select(OrgUnit.name))).all()
        assert "Brand new" not in units

    async def test_a_stale_if_match_is_a_412(self, scim, company):
        user = await scim.user()
        response = await scim.request(
            "PATCH",
            f"/Users/{user['id']}",
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "title", "value": "x"}],
            },
            headers={"If-Match": 'W/"7"'},
        )
        assert_scim_error(response, 412)

    async def test_a_current_if_match_applies_and_moves_the_version(self, scim, company):
        user = await scim.user()
        response = await scim.request(
            "PATCH",
            f"/Users/{user['id']}",
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "title", "value": "x"}],
            },
            headers={"If-Match": 'W/"1-1"'},
        )
        assert response.status_code == 200
        assert response.headers["etag"] == 'W/"2-2"'


class TestDeactivate:
    async def test_delete_with_a_stale_if_match_is_a_412(self, scim, company, api):
        user = await scim.user()
        response = await scim.request(
            "DELETE", f"/Users/{user['id']}", headers={"If-Match": 'W/"9"'}
        )
        assert_scim_error(response, 412)
        assert (await rest_employee(api, user["id"]))["status"] == "active"


class TestRestView:
    async def test_what_scim_writes_reads_the_same_through_the_rest_api(self, scim, company, api):
        boss = await scim.user(title="CEO")
        user = await scim.user(
            userName="li.wei@example.com",
            name={"givenName": "Li", "familyName": "Wei"},
            department="Research",
            title="Scientist",
            manager=boss["id"],
            employeeNumber="R-1",
        )
        user = await scim.patch(
            f"/Users/{user['id']}",
            {"op": "replace", "path": "name.familyName", "value": "Wei-Chen"},
            {"op": "replace", "path": "title", "value": "Senior scientist"},
        )
        employee = await rest_employee(api, user["id"])
        unit = await api.call("GET", f"/org-units/{employee['org_unit_id']}")
        post = await api.call("GET", f"/positions/{employee['position_id']}")
        assert employee["id"] == user["id"]
        assert employee["email"] == user["userName"] == user["emails"][0]["value"]
        assert employee["name"] == user["displayName"] == user["name"]["formatted"] == "Li Wei-Chen"
        assert user[ENTERPRISE]["employeeNumber"] == "R-1"  # kept as sent, not Strata's key
        assert employee["external_id"] is None
        assert "externalId" not in user
        assert employee["manager_id"] == user[ENTERPRISE]["manager"]["value"] == boss["id"]
        assert unit["name"] == user[ENTERPRISE]["department"] == "Research"
        assert unit["id"] == user["groups"][0]["value"]
        assert post["title"] == user["title"] == "Senior scientist"
        assert employee["status"] == "active"
        assert user["active"] is True
        assert employee["updated_at"].rstrip("Z")[:19] == user["meta"]["lastModified"][:19]
        assert user["schemas"] == [USER, ENTERPRISE]
