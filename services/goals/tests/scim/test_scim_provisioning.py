"""Issue 15: what identity providers send, kept as sent; fresh tenants; deletion per RFC 7644
§3.6; malformed bodies as SCIM errors; /Bulk (RFC 7644 §3.7). Each test failed on the code
before the `scim_resource` table (fresh tenant 400, e-mail-only userName, externalId
overwritten, attributes dropped, DELETE leaving the user readable, Group DELETE 501,
RecursionError 500, no Allow header, no /Bulk)."""

import uuid

import pytest

from .conftest import ENTERPRISE, GROUP, USER, assert_scim_error, user_body

pytestmark = pytest.mark.asyncio

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def full_user(user_name: str = "bjensen", **extra):
    """RFC 7643 §8.2's full User (trimmed of the password)."""
    return {
        "schemas": [USER, ENTERPRISE],
        "userName": user_name,
        "externalId": "701984",
        "name": {
            "formatted": "Ms. Barbara J Jensen, III",
            "familyName": "Jensen",
            "givenName": "Barbara",
            "middleName": "Jane",
            "honorificPrefix": "Ms.",
            "honorificSuffix": "III",
        },
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "profileUrl": "https://login.example.com/bjensen",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": True},
            {"value": "babs@jensen.org", "type": "home"},
        ],
        "addresses": [
            {
                "type": "work",
                "streetAddress": "100 Universal City Plaza",
                "locality": "Hollywood",
                "region": "CA",
                "postalCode": "91608",
                "country": "USA",
                "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA",
                "primary": True,
            }
        ],
        "phoneNumbers": [
            {"value": "555-555-5555", "type": "work"},
            {"value": "555-555-4444", "type": "mobile"},
        ],
        "ims": [{"value": "someaimhandle", "type": "aim"}],
        "photos": [
            {"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}
        ],
        "userType": "Employee",
        "title": "Tour Guide",
        "preferredLanguage": "en-US",
        "locale": "en-US",
        "timezone": "America/Los_Angeles",
        "active": True,
        "entitlements": [{"value": "reports", "primary": True}],
        "roles": [{"value": "guide", "type": "job"}],
        "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}],
        ENTERPRISE: {
            "employeeNumber": "701984",
            "costCenter": "4130",
            "organization": "Universal Studios",
            "division": "Theme Park",
            "department": "Tour Operations",
        },
        **extra,
    }


def without_meta(resource):
    return {k: v for k, v in resource.items() if k not in ("id", "meta", "groups")}


class TestFreshTenant:
    async def test_the_first_user_creates_the_organisation_root_audited(
        self, scim, api, db_session
    ):
        created = await scim.ok("POST", "/Users", user_body(1), expect=201)
        roots = await api.call("GET", "/org-units")
        root = next(u for u in roots["items"] if u["parent_id"] is None)
        assert created["active"] is True
        trail = await api.call("GET", f"/audit?entity_type=org_unit&entity_id={root['id']}")
        assert trail["items"], trail

    async def test_the_first_group_creates_it_too(self, scim):
        group = await scim.group("Sales")
        assert group["displayName"] == "Sales"


class TestRoundTrip:
    async def test_the_rfc_full_user_reads_back_as_sent(self, scim, company, api):
        created = await scim.ok("POST", "/Users", full_user(), expect=201)
        read = await scim.ok("GET", f"/Users/{created['id']}")
        sent = full_user()
        got = without_meta(read)
        assert got == sent | {ENTERPRISE: sent[ENTERPRISE]}, got
        employee = await api.call("GET", f"/employees/{read['id']}")
        assert employee["email"] == "bjensen@example.com"  # the work e-mail is mapped
        assert employee["name"] == "Ms. Barbara J Jensen, III"
        assert employee["external_id"] == "701984"

    async def test_any_user_name_unique_ignoring_case(self, scim, company):
        await scim.ok("POST", "/Users", full_user("BJensen"), expect=201)
        clash = await scim.request("POST", "/Users", full_user("bjensen", externalId="x2"))
        assert_scim_error(clash, 409, "uniqueness")

    async def test_changing_the_work_email_keeps_the_user_name(self, scim, company, api):
        user = await scim.ok("POST", "/Users", full_user(), expect=201)
        patched = await scim.patch(
            f"/Users/{user['id']}",
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "b@new.example"},
        )
        assert patched["userName"] == "bjensen"
        assert (await api.call("GET", f"/employees/{user['id']}"))["email"] == "b@new.example"
        assert {e["value"] for e in patched["emails"]} == {"b@new.example", "babs@jensen.org"}

    async def test_only_a_user_name_is_required(self, scim, company, api):
        created = await scim.ok(
            "POST", "/Users", {"schemas": [USER], "userName": "E1234"}, expect=201
        )
        assert (created["userName"], "emails" in created) == ("E1234", False)
        employee = await api.call("GET", f"/employees/{created['id']}")
        assert (employee["name"], employee["email"]) == ("E1234", None)

    async def test_enterprise_title_is_accepted(self, scim, company):
        body = user_body(1, department="Lab")
        body[ENTERPRISE]["title"] = "Chemist"
        created = await scim.ok("POST", "/Users", body, expect=201)
        assert created[ENTERPRISE]["title"] == "Chemist"  # kept where it was sent

    async def test_a_password_is_refused_naming_it(self, scim, company):
        response = await scim.request("POST", "/Users", user_body(1, password="hunter2"))
        assert_scim_error(response, 400, "invalidValue")
        assert "password" in response.json()["detail"]

    async def test_an_unknown_attribute_is_refused(self, scim, company):
        response = await scim.request("POST", "/Users", user_body(1, shoeSize=42))
        assert response.status_code == 400

    async def test_filter_and_sort_on_kept_attributes(self, scim, company):
        await scim.ok("POST", "/Users", full_user(), expect=201)
        body = await scim.ok(
            "POST",
            "/Users/.search",
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": f'{ENTERPRISE}:costCenter eq "4130" and userType eq "Employee"',
                "attributes": ["userName"],
            },
        )
        assert body["totalResults"] == 1
        assert set(body["Resources"][0]) == {"schemas", "id", "userName"}


class TestDelete:
    async def test_a_deleted_user_is_gone_and_its_name_free_but_the_employee_kept(
        self, scim, company, api
    ):
        user = await scim.ok("POST", "/Users", full_user(), expect=201)
        await scim.ok("DELETE", f"/Users/{user['id']}", expect=204)
        assert_scim_error(await scim.request("GET", f"/Users/{user['id']}"), 404)
        assert_scim_error(await scim.request("DELETE", f"/Users/{user['id']}"), 404)
        listed = await scim.ok("GET", "/Users", params={"filter": 'userName eq "bjensen"'})
        assert listed["totalResults"] == 0
        employee = await api.call("GET", f"/employees/{user['id']}")
        assert employee["status"] == "terminated"
        # a new User without the externalId is a new person ...
        other = await scim.ok("POST", "/Users", full_user(externalId="other-key"), expect=201)
        assert other["id"] != user["id"]
        # ... with it, a new resource linked to the kept person
        await scim.ok("DELETE", f"/Users/{other['id']}", expect=204)
        again = await scim.ok("POST", "/Users", full_user(), expect=201)
        assert again["id"] not in (user["id"], other["id"])
        rejoined = await api.call("GET", f"/employees/{user['id']}")
        assert rejoined["status"] == "active"
        assert again[ENTERPRISE]["department"] == "Tour Operations"

    async def test_group_delete_is_404_after_and_the_unit_kept(self, scim, company, api):
        ana = await scim.user()
        group = await scim.group("Sales", [ana["id"]])
        await scim.ok("DELETE", f"/Groups/{group['id']}", expect=204)
        assert_scim_error(await scim.request("GET", f"/Groups/{group['id']}"), 404)
        listed = await scim.ok("GET", "/Groups", params={"filter": 'displayName eq "Sales"'})
        assert listed["totalResults"] == 0
        unit = await api.call("GET", f"/org-units/{group['id']}")
        assert unit["name"] == "Sales"
        again = await scim.group("Sales")
        assert again["id"] != group["id"]


class TestMalformed:
    @pytest.mark.parametrize("depth", [40, 1000, 100_000])
    async def test_a_deep_body_is_a_scim_400(self, scim, company, depth):
        body = b'{"a":' * depth + b"1" + b"}" * depth
        for method, path in (
            ("POST", "/Users"),
            ("PATCH", f"/Users/{uuid.uuid4()}"),
            ("POST", "/Bulk"),
        ):
            response = await scim.client.request(
                method,
                "/scim/v2" + path,
                content=body,
                headers={**scim.headers, "content-type": "application/scim+json"},
            )
            assert_scim_error(response, 400, "invalidSyntax")

    async def test_a_huge_number_is_a_scim_400(self, scim, company):
        body = b'{"schemas":["' + USER.encode() + b'"],"userName":"x","n":' + b"9" * 5000 + b"}"
        response = await scim.client.request(
            "POST",
            "/scim/v2/Users",
            content=body,
            headers={**scim.headers, "content-type": "application/scim+json"},
        )
        assert response.status_code == 400
        assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]

    async def test_a_405_says_what_is_allowed(self, scim):
        response = await scim.request("PUT", "/Users")
        assert_scim_error(response, 405)
        assert set(response.headers["allow"].split(", ")) >= {"GET", "POST"}


class TestBulk:
    async def test_a_manager_created_in_the_same_request(self, scim, api):
        report = user_body(2, manager="bulkId:boss")
        body = {
            "schemas": [BULK],
            "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "rep", "data": report},
                {"method": "POST", "path": "/Users", "bulkId": "boss", "data": user_body(1)},
                {
                    "method": "POST",
                    "path": "/Groups",
                    "bulkId": "g",
                    "data": {
                        "schemas": [GROUP],
                        "displayName": "Team",
                        "members": [{"value": "bulkId:rep"}],
                    },
                },
            ],
        }
        answer = await scim.ok("POST", "/Bulk", body)
        statuses = {o["bulkId"]: o["status"] for o in answer["Operations"]}
        assert statuses == {"boss": "201", "rep": "201", "g": "201"}, answer
        rep_id = next(o for o in answer["Operations"] if o["bulkId"] == "rep")["location"].rsplit(
            "/", 1
        )[-1]
        boss_id = next(o for o in answer["Operations"] if o["bulkId"] == "boss")["location"].rsplit(
            "/", 1
        )[-1]
        rep = await scim.ok("GET", f"/Users/{rep_id}")
        assert rep[ENTERPRISE]["manager"]["value"] == boss_id
        assert rep["groups"][0]["display"] == "Team"

    async def test_a_failed_operation_stores_nothing_and_fail_on_errors_stops(
        self, scim, db_session
    ):
        body = {
            "schemas": [BULK],
            "failOnErrors": 1,
            "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "a", "data": user_body(1)},
                # department created, then the manager refused: nothing of it may stay
                {
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": "b",
                    "data": user_body(2, department="Ghosts", manager=str(uuid.uuid4())),
                },
                {"method": "POST", "path": "/Users", "bulkId": "c", "data": user_body(3)},
            ],
        }
        answer = await scim.ok("POST", "/Bulk", body)
        assert [o["status"] for o in answer["Operations"]] == ["201", "400"]
        assert answer["Operations"][1]["response"]["scimType"] == "invalidValue"
        listed = await scim.ok("GET", "/Users")
        assert [u["userName"] for u in listed["Resources"]] == ["user1@example.com"]
        groups = await scim.ok("GET", "/Groups", params={"filter": 'displayName eq "Ghosts"'})
        assert groups["totalResults"] == 0

    async def test_limits_are_advertised_and_enforced(self, scim):
        config = await scim.ok("GET", "/ServiceProviderConfig")
        assert config["bulk"] == {
            "supported": True,
            "maxOperations": 1000,
            "maxPayloadSize": 1048576,
        }
        many = {
            "schemas": [BULK],
            "Operations": [{"method": "DELETE", "path": f"/Users/{uuid.uuid4()}"}] * 1001,
        }
        assert_scim_error(await scim.request("POST", "/Bulk", many), 413, "tooMany")
        big = {
            "schemas": [BULK],
            "Operations": [
                {
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": "x",
                    "data": user_body(1, nickName="x" * 1_100_000),
                }
            ],
        }
        assert_scim_error(await scim.request("POST", "/Bulk", big), 413)

    async def test_unknown_bulk_id_and_bad_operations_are_400(self, scim):
        body = {
            "schemas": [BULK],
            "Operations": [
                {
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": "a",
                    "data": user_body(1, manager="bulkId:nobody"),
                }
            ],
        }
        assert_scim_error(await scim.request("POST", "/Bulk", body), 400, "invalidValue")
        body = {"schemas": [BULK], "Operations": [{"method": "GET", "path": "/Users"}]}
        assert_scim_error(await scim.request("POST", "/Bulk", body), 400, "invalidValue")
