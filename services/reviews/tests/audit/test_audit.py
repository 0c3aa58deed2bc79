"""The reviews audit trail over the API: HR and admins page through it, filtered by object,
actor and time; anyone else gets 403, another tenant's records are not there (404)."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from strata_contracts.client import ApiError
from strata_contracts.identity import IDENTITY_HEADER, Role
from strata_contracts.reviews.client import ReviewsClient

A = "/api/v1/reviews/audit"
T = "/api/v1/reviews/templates"


async def make_templates(client, headers, *names: str) -> list[dict]:
    made = []
    for name in names:
        response = await client.post(T, json={"name": name}, headers=headers)
        assert response.status_code == 201, response.text
        made.append(response.json())
    return made


class TestReviewsAudit:
    async def test_hr_reads_who_changed_which_template(self, client, hr, admin):
        [first, second] = await make_templates(client, hr, "Company 360", "Sales 360")
        await make_templates(client, admin, "Admin's")
        listed = await client.get(A, params={"entity_type": "template"}, headers=hr)
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"]
        assert [(i["entity_id"], i["action"]) for i in items][:2] == [
            (first["id"], "created"),
            (second["id"], "created"),
        ]
        assert items[0]["actor"] == "user:hr-officer"
        assert items[0]["after"]["name"] == "Company 360"
        by_actor = await client.get(A, params={"actor": "user:admin"}, headers=admin)
        assert [i["after"]["name"] for i in by_actor.json()["items"]] == ["Admin's"]
        one = await client.get(
            A, params={"entity_id": second["id"], "entity_type": "template"}, headers=hr
        )
        assert [i["entity_id"] for i in one.json()["items"]] == [second["id"]]
        record = await client.get(f"{A}/{items[0]['id']}", headers=hr)
        assert record.status_code == 200
        assert record.json() == items[0]

    async def test_time_window_and_cursor_pages(self, client, hr):
        await make_templates(client, hr, "a", "b", "c")
        now = datetime.now(UTC)
        later = await client.get(
            A, params={"since": (now + timedelta(minutes=1)).isoformat()}, headers=hr
        )
        assert later.json()["items"] == []
        earlier = await client.get(
            A, params={"until": (now - timedelta(hours=1)).isoformat()}, headers=hr
        )
        assert earlier.json()["items"] == []
        seen, cursor = [], None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(A, params=params, headers=hr)).json()
            seen += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 3

    async def test_bad_filters_are_422_naming_them(self, client, hr):
        naive = await client.get(A, params={"since": "2026-12-01T00:00:00"}, headers=hr)
        assert naive.status_code == 422
        assert naive.json()["errors"][0]["pointer"] == "/query/since"
        bad_id = await client.get(A, params={"entity_id": "nope"}, headers=hr)
        assert bad_id.status_code == 422
        cursor = await client.get(A, params={"cursor": "garbage"}, headers=hr)
        assert cursor.status_code == 422

    async def test_only_hr_and_admins(self, client, as_, identity_headers):
        assert (await client.get(A)).status_code == 401
        for headers in (
            as_("E010"),
            as_("E002", Role.MANAGER),
            identity_headers(Role.INTEGRATION),
        ):
            response = await client.get(A, headers=headers)
            assert response.status_code == 403
            assert response.headers["content-type"] == "application/problem+json"

    async def test_another_tenants_trail_is_not_there(self, client, hr, identity_headers):
        [template] = await make_templates(client, hr, "Ours")
        record = (await client.get(A, headers=hr)).json()["items"][0]
        other = identity_headers(Role.HR, tenant=uuid.uuid4(), subject="user:other-hr")
        assert (await client.get(A, headers=other)).json()["items"] == []
        filtered = await client.get(A, params={"entity_id": template["id"]}, headers=other)
        assert filtered.json()["items"] == []
        assert (await client.get(f"{A}/{record['id']}", headers=other)).status_code == 404
        assert (await client.get(f"{A}/{uuid.uuid4()}", headers=hr)).status_code == 404


class TestTypedClient:
    async def test_the_client_pages_and_filters_the_trail(self, app, client, hr):
        [template] = await make_templates(client, hr, "Company 360")
        await make_templates(client, hr, "Second")
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        async with http:
            reviews = ReviewsClient(http, identity_token=hr[IDENTITY_HEADER])
            page = await reviews.list_audit_records(entity_type="template", limit=1)
            assert [r.entity_id for r in page.items] == [uuid.UUID(template["id"])]
            rest = await reviews.list_audit_records(entity_type="template", cursor=page.next_cursor)
            assert [r.after["name"] for r in rest.items if r.after] == ["Second"]
            since = await reviews.list_audit_records(since=page.items[0].occurred_at)
            assert len(since.items) == 2
            one = await reviews.get_audit_record(page.items[0].id)
            assert one == page.items[0]
            with pytest.raises(ApiError) as missing:
                await reviews.get_audit_record(uuid.uuid4())
            assert missing.value.problem.status == 404
