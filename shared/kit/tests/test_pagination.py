"""Keyset pagination: `limit`, `cursor` → `next_cursor`, `updated_since`."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from kittest_service import create_widget

WIDGETS = "/api/v1/kittest/widgets"
START = datetime(2024, 1, 1, tzinfo=UTC)


def cursor_of(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.fixture
async def seven_widgets(open_session, tenant_id) -> list[str]:
    """Seven widgets of the caller's tenant, one a minute, and two of another tenant."""
    async with open_session(tenant_id) as session:
        ids = [
            str((await create_widget(session, created_at=START + timedelta(minutes=i))).id)
            for i in range(7)
        ]
        await session.commit()
    async with open_session(uuid.uuid4()) as session:
        for i in range(2):
            await create_widget(session, created_at=START + timedelta(minutes=i, seconds=30))
        await session.commit()
    return ids


async def walk(client, headers, *, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get(WIDGETS, params=params, headers=headers)
        assert response.status_code == 200
        body = response.json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body.get("next_cursor")
        if cursor is None:
            return pages


class TestPages:
    async def test_pages_are_complete_ordered_and_do_not_overlap(
        self, client, identity_headers, seven_widgets
    ):
        pages = await walk(client, identity_headers(), limit=3)
        assert [len(page) for page in pages] == [3, 3, 1]
        assert [item for page in pages for item in page] == seven_widgets

    async def test_the_last_page_has_no_next_cursor(self, client, identity_headers, seven_widgets):
        response = await client.get(WIDGETS, params={"limit": 7}, headers=identity_headers())
        body = response.json()
        assert len(body["items"]) == 7
        assert body.get("next_cursor") is None

    async def test_rows_added_between_pages_neither_repeat_nor_hide_others(
        self, client, identity_headers, open_session, tenant_id, seven_widgets
    ):
        headers = identity_headers()
        first = (await client.get(WIDGETS, params={"limit": 3}, headers=headers)).json()
        async with open_session(tenant_id) as session:
            # One sorting before the cursor (an offset would repeat a row), one after it.
            early = await create_widget(session, created_at=START - timedelta(days=1))
            late = await create_widget(session, created_at=START + timedelta(days=1))
            await session.commit()
        rest, cursor = [], first["next_cursor"]
        while cursor:
            body = (
                await client.get(WIDGETS, params={"limit": 3, "cursor": cursor}, headers=headers)
            ).json()
            rest += [item["id"] for item in body["items"]]
            cursor = body.get("next_cursor")
        seen = [item["id"] for item in first["items"]] + rest
        assert seen == [*seven_widgets, str(late.id)]
        assert str(early.id) not in seen


class TestLimit:
    @pytest.mark.parametrize("limit", [0, 501])
    async def test_a_limit_out_of_bounds_is_422(self, client, identity_headers, limit):
        response = await client.get(WIDGETS, params={"limit": limit}, headers=identity_headers())
        assert response.status_code == 422
        assert [e["pointer"] for e in response.json()["errors"]] == ["/query/limit"]

    async def test_the_largest_limit_is_accepted(self, client, identity_headers, seven_widgets):
        response = await client.get(WIDGETS, params={"limit": 500}, headers=identity_headers())
        assert response.status_code == 200
        assert len(response.json()["items"]) == 7


class TestCursor:
    @pytest.mark.parametrize(
        "cursor",
        [
            pytest.param("%%%not-a-cursor%%%", id="not-base64"),
            pytest.param(base64.urlsafe_b64encode(b"\xff\xfe").decode(), id="not-json"),
            pytest.param(cursor_of({"after": 1}), id="not-a-list"),
            pytest.param(cursor_of(["2024-01-01T00:00:00+00:00"]), id="one-value"),
            pytest.param(cursor_of(["yesterday", str(uuid.uuid4())]), id="not-a-time"),
            pytest.param(cursor_of(["2024-01-01T00:00:00+00:00", "x"]), id="not-a-uuid"),
            pytest.param(cursor_of([5, 7]), id="numbers"),
            pytest.param(cursor_of([None, None]), id="nulls"),
            pytest.param(cursor_of(["2024-01-01T00:00:00", str(uuid.uuid4())]), id="naive-time"),
        ],
    )
    async def test_a_tampered_cursor_is_422_naming_the_cursor(
        self, client, identity_headers, seven_widgets, cursor
    ):
        response = await client.get(WIDGETS, params={"cursor": cursor}, headers=identity_headers())
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["pointer"] for e in response.json()["errors"]] == ["/query/cursor"]

    async def test_a_cursor_from_the_api_is_accepted(self, client, identity_headers, seven_widgets):
        headers = identity_headers()
        first = (await client.get(WIDGETS, params={"limit": 2}, headers=headers)).json()
        response = await client.get(
            WIDGETS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
        )
        assert response.status_code == 200
        assert [item["id"] for item in response.json()["items"]] == seven_widgets[2:4]


class TestUpdatedSince:
    async def test_a_time_without_offset_is_422(self, client, identity_headers):
        response = await client.get(
            WIDGETS, params={"updated_since": "2024-03-01T00:00:00"}, headers=identity_headers()
        )
        assert response.status_code == 422
        assert [e["pointer"] for e in response.json()["errors"]] == ["/query/updated_since"]

    async def test_only_rows_changed_since_are_listed(
        self, client, identity_headers, open_session, tenant_id
    ):
        async with open_session(tenant_id) as session:
            await create_widget(session, name="old", updated_at=START)
            await create_widget(session, name="edge", updated_at=START + timedelta(days=60))
            await create_widget(session, name="new", updated_at=START + timedelta(days=90))
            await session.commit()
        response = await client.get(
            WIDGETS,
            params={"updated_since": "2024-03-01T01:00:00+01:00"},  # = 2024-03-01T00:00Z
            headers=identity_headers(),
        )
        assert response.status_code == 200
        assert [item["name"] for item in response.json()["items"]] == ["edge", "new"]


class TestHostileCursors:
    """A cursor is the client's to send back, so it is input like any other (issue 16)."""

    @pytest.mark.parametrize(
        "cursor",
        [
            pytest.param(cursor_of([]) + "", id="empty-list"),
            pytest.param(
                base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(), id="deep-5000"
            ),
            pytest.param(base64.urlsafe_b64encode(b"[" * 900 + b"]" * 900).decode(), id="deep-900"),
            pytest.param(cursor_of([[1], {"a": 2}]), id="containers"),
            pytest.param(cursor_of(["x" * 5000, str(uuid.uuid4())]), id="oversized"),
            pytest.param(cursor_of([10**400, str(uuid.uuid4())]), id="huge-number"),
            pytest.param(base64.urlsafe_b64encode(b'[NaN, "x"]').decode().rstrip("="), id="nan"),
            pytest.param("\u00e9\u00e9\u00e9\u00e9", id="not-ascii"),
        ],
    )
    async def test_is_422_naming_the_cursor(self, client, identity_headers, seven_widgets, cursor):
        response = await client.get(WIDGETS, params={"cursor": cursor}, headers=identity_headers())
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["pointer"] for e in response.json()["errors"]] == ["/query/cursor"]


class TestUpdatedSinceIsIso8601:
    @pytest.mark.parametrize("value", ["0.5", "0", "1700000000", "-1", "1e3", "now"])
    async def test_a_number_is_422_naming_the_field(self, client, identity_headers, value):
        response = await client.get(
            WIDGETS, params={"updated_since": value}, headers=identity_headers()
        )
        assert response.status_code == 422, response.text
        assert [e["pointer"] for e in response.json()["errors"]] == ["/query/updated_since"]

    async def test_a_date_and_time_with_offset_is_accepted(self, client, identity_headers):
        for value in ("2024-03-01T00:00:00Z", "2024-03-01T00:00:00.123+02:00"):
            response = await client.get(
                WIDGETS, params={"updated_since": value}, headers=identity_headers()
            )
            assert response.status_code == 200, response.text
