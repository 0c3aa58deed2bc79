"""Exports: JSON pages, streamed CSV and NDJSON, incremental pulls, access."""

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

from strata_contracts.identity import Role

X = "/api/v1/analytics/exports"


class TestExports:
    async def test_readers_only_and_unknown_tables_refused(self, client, identity_headers):
        assert (await client.get(f"{X}/results")).status_code == 401
        manager = identity_headers(Role.MANAGER, employee_id=uuid.uuid4())
        assert (await client.get(f"{X}/results", headers=manager)).status_code == 403
        for table in ("ratings", "rating_fact", "comments"):
            response = await client.get(f"{X}/{table}", headers=identity_headers(Role.INTEGRATION))
            assert response.status_code == 422
            assert response.json()["errors"][0]["pointer"] == "/path/table"

    async def test_json_pages_csv_and_ndjson_agree(self, client, example, identity_headers):
        await example()
        headers = identity_headers(Role.INTEGRATION)
        paged, cursor = [], None
        while True:
            params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(f"{X}/results", params=params, headers=headers)).json()
            paged.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        assert {r["overall"] for r in paged} == {"0.9093", "1.1003", "0.3725", "0.9531"}
        streamed = await client.get(f"{X}/results", params={"format": "csv"}, headers=headers)
        assert streamed.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(streamed.text)))
        assert [r["id"] for r in rows] == [r["id"] for r in paged]
        assert rows[0]["overall"] == paged[0]["overall"]
        lines = await client.get(f"{X}/results", params={"format": "ndjson"}, headers=headers)
        assert [json.loads(line) for line in lines.text.splitlines()] == paged

    async def test_updated_since_and_tenants(self, client, example, identity_headers):
        await example()
        headers = identity_headers(Role.HR)
        later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
        for fmt in ("json", "ndjson"):
            response = await client.get(
                f"{X}/plan-items", params={"updated_since": later, "format": fmt}, headers=headers
            )
            assert response.status_code == 200
            assert response.text.strip() in ('{"items":[],"next_cursor":null}', "")
        items = (await client.get(f"{X}/plan-items", params={"limit": 500}, headers=headers)).json()
        assert len(items["items"]) == 16
        naive = await client.get(
            f"{X}/plan-items", params={"updated_since": "2026-01-01T00:00:00"}, headers=headers
        )
        assert naive.status_code == 422
        theirs = identity_headers(Role.HR, tenant=uuid.uuid4())
        assert (await client.get(f"{X}/plan-items", headers=theirs)).json()["items"] == []
        csv_theirs = await client.get(f"{X}/results", params={"format": "csv"}, headers=theirs)
        assert csv_theirs.text.count("\n") == 1  # the header only
