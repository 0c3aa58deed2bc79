"""PATCH `remove` (and a PUT leaving out) `name`, `displayName`, `active` or `emails`: the
User reads back without them (RFC 7644 §3.5.2.2, §3.5.1), while the employee keeps the
name and e-mail it must have. Before the `strata:absent` marker each read back the
employee's value (scim2-tester: "PATCH modify() did not remove attribute 'name'", ...)."""

import pytest

from .conftest import USER

pytestmark = pytest.mark.asyncio


async def employee_of(api, user):
    return await api.call("GET", f"/employees/{user['id']}")


class TestPatchRemove:
    @pytest.mark.parametrize("attribute", ["name", "displayName", "active", "emails"])
    async def test_a_removed_attribute_reads_back_absent(self, scim, company, api, attribute):
        user = await scim.user(userName="bjensen", displayName="Babs Jensen")
        before = await employee_of(api, user)
        patched = await scim.patch(f"/Users/{user['id']}", {"op": "remove", "path": attribute})
        assert attribute not in patched
        read = await scim.ok("GET", f"/Users/{user['id']}")
        assert attribute not in read
        after = await employee_of(api, user)
        assert after["name"] == before["name"]
        assert after["email"] == before["email"]
        assert after["status"] == before["status"] == "active"

    async def test_an_attribute_sent_again_after_removal_comes_back(self, scim, company):
        user = await scim.user(userName="bjensen")
        await scim.patch(f"/Users/{user['id']}", {"op": "remove", "path": "name"})
        back = await scim.patch(
            f"/Users/{user['id']}",
            {"op": "add", "path": "name", "value": {"givenName": "Barbara", "familyName": "J"}},
        )
        assert back["name"]["givenName"] == "Barbara"
        assert back["name"]["formatted"] == "Barbara J"

    async def test_a_removed_active_still_shows_a_termination_made_by_hr(self, scim, company, api):
        user = await scim.user(userName="bjensen")
        await scim.patch(f"/Users/{user['id']}", {"op": "remove", "path": "active"})
        await api.call("PATCH", f"/employees/{user['id']}", {"status": "terminated"}, expect=200)
        read = await scim.ok("GET", f"/Users/{user['id']}")
        assert read["active"] is False


class TestPutLeavingOut:
    async def test_a_put_without_them_reads_back_without_them(self, scim, company, api):
        user = await scim.user(userName="bjensen", displayName="Babs Jensen")
        before = await employee_of(api, user)
        put = await scim.ok(
            "PUT", f"/Users/{user['id']}", {"schemas": [USER], "userName": "bjensen"}
        )
        read = await scim.ok("GET", f"/Users/{user['id']}")
        for body in (put, read):
            assert not {"name", "displayName", "active", "emails"} & set(body)
        after = await employee_of(api, user)
        assert (after["name"], after["email"]) == (before["name"], before["email"])
