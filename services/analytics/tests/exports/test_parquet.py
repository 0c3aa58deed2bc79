"""Parquet exports for data teams (issue 19): every table as a typed Parquet file that DuckDB
and pandas read back equal to the JSON export, its documented schema, and incremental pulls
by the high-water mark each export returns."""

import io
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from strata_analytics.exports.service import TABLES
from strata_contracts.identity import Role

X = "/api/v1/analytics/exports"
MARK = "Strata-High-Water-Mark"
DATA_TEAMS = Path(__file__).resolve().parents[4] / "docs" / "data-teams.md"


async def json_rows(client, headers, table: str, **params: Any) -> list[dict[str, Any]]:
    out, cursor = [], None
    while True:
        query = {"limit": 7, **params, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"{X}/{table}", params=query, headers=headers)).json()
        out.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return out


def as_json(value: Any) -> Any:
    """A value read from Parquet, written as the JSON export writes it."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if hasattr(value, "item"):  # a numpy scalar
        return value.item()
    return value


def scaled(value: str | None, scale: int) -> str | None:
    """The JSON export's decimal string at the column's scale (the Parquet decimal's)."""
    return None if value is None else str(Decimal(value).quantize(Decimal(1).scaleb(-scale)))


@pytest.fixture
async def exported(client, example, identity_headers):  # type: ignore[no-untyped-def]
    people = await example()
    return people, identity_headers(Role.INTEGRATION)


class TestParquet:
    @pytest.mark.parametrize("table", sorted(TABLES))
    async def test_duckdb_and_pandas_read_what_the_json_export_holds(
        self, client, exported, table, tmp_path: Path
    ) -> None:
        _, headers = exported
        expected = await json_rows(client, headers, table)
        response = await client.get(f"{X}/{table}", params={"format": "parquet"}, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/vnd.apache.parquet"
        path = tmp_path / f"{table}.parquet"
        path.write_bytes(response.content)
        schema = pq.read_schema(path)
        assert schema.names == list(TABLES[table].columns)
        scales = {f.name: f.type.scale for f in schema if hasattr(f.type, "scale")}
        want = [
            {k: scaled(v, scales[k]) if k in scales else v for k, v in row.items()}
            for row in expected
        ]
        frame = pd.read_parquet(path)
        from_pandas = [
            {k: as_json(v) for k, v in row.items()} for row in frame.to_dict(orient="records")
        ]
        assert from_pandas == want
        connection = duckdb.connect()
        cursor = connection.execute(f"SELECT * FROM read_parquet('{path}')")  # noqa: S608
        names = [d[0] for d in cursor.description]
        from_duckdb = [dict(zip(names, map(as_json, r), strict=True)) for r in cursor.fetchall()]
        assert from_duckdb == want
        if table == "results":
            assert len(want) == 4

    async def test_numbers_and_dates_are_typed_not_strings(self, client, exported) -> None:
        _, headers = exported
        response = await client.get(f"{X}/results", params={"format": "parquet"}, headers=headers)
        schema = pq.read_schema(io.BytesIO(response.content))
        assert str(schema.field("overall").type) == "decimal128(10, 4)"
        assert str(schema.field("updated_at").type) == "timestamp[us, tz=UTC]"
        assert str(schema.field("locked").type) == "bool"
        items = await client.get(f"{X}/plan-items", params={"format": "parquet"}, headers=headers)
        item_schema = pq.read_schema(io.BytesIO(items.content))
        assert str(item_schema.field("measured_on").type) == "date32[day]"
        arrow = pq.read_table(io.BytesIO(response.content))
        connection = duckdb.connect()
        connection.register("arrow", arrow)
        overall = connection.execute("SELECT sum(overall) FROM arrow").fetchone()
        assert overall is not None
        assert overall[0] == Decimal("0.9093") + Decimal("1.1003") + Decimal("0.3725") + Decimal(
            "0.9531"
        )

    async def test_the_documented_schema_is_the_files(self, client, exported) -> None:
        _, headers = exported
        for table in TABLES:
            documented = (await client.get(f"{X}/{table}/schema", headers=headers)).json()
            response = await client.get(
                f"{X}/{table}", params={"format": "parquet"}, headers=headers
            )
            schema = pq.read_schema(io.BytesIO(response.content))
            assert [(c["name"], c["type"], c["nullable"]) for c in documented["columns"]] == [
                (f.name, str(f.type), f.nullable) for f in schema
            ]
        text = DATA_TEAMS.read_text()
        for table in TABLES:
            section = text.split(f"### `{table}`", 1)[1].split("###", 1)[0]
            documented = (await client.get(f"{X}/{table}/schema", headers=headers)).json()
            for column in documented["columns"]:
                nullable = "yes" if column["nullable"] else "no"
                assert f"| `{column['name']}` | `{column['type']}` | {nullable} |" in section

    @pytest.mark.parametrize("fmt", ["parquet", "json", "ndjson", "csv"])
    async def test_an_increment_after_one_change_holds_exactly_that_change(
        self, client, exported, world, consumer, fmt
    ) -> None:
        people, headers = exported
        first = await client.get(f"{X}/employees", params={"format": fmt}, headers=headers)
        assert first.status_code == 200
        mark = first.headers[MARK]
        nothing = await client.get(
            f"{X}/employees", params={"format": fmt, "cursor": mark}, headers=headers
        )
        assert nothing.headers[MARK] == mark
        assert _ids(nothing, fmt) == []
        world.employee("Lena Kovač", employee_id=people["Lena"])
        await world.sync(consumer)
        increment = await client.get(
            f"{X}/employees", params={"format": fmt, "cursor": mark}, headers=headers
        )
        assert _ids(increment, fmt) == [str(people["Lena"])]
        if fmt == "parquet":
            row = pq.read_table(io.BytesIO(increment.content)).to_pylist()[0]
            assert row["name"] == "Lena Kovač"
        # and the next pull, from the increment's mark, is empty again
        after = await client.get(
            f"{X}/employees",
            params={"format": fmt, "cursor": increment.headers[MARK]},
            headers=headers,
        )
        assert _ids(after, fmt) == []

    async def test_tenants_and_bad_cursors(self, client, exported, identity_headers) -> None:
        theirs = identity_headers(Role.HR, tenant=uuid.uuid4())
        response = await client.get(f"{X}/results", params={"format": "parquet"}, headers=theirs)
        assert response.status_code == 200
        assert pq.read_table(io.BytesIO(response.content)).num_rows == 0
        assert MARK not in response.headers
        _, headers = exported
        bad = await client.get(
            f"{X}/results", params={"format": "parquet", "cursor": "nope"}, headers=headers
        )
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["pointer"] == "/query/cursor"


def _ids(response, fmt: str) -> list[str]:  # type: ignore[no-untyped-def]
    import csv
    import json

    assert response.status_code == 200, response.text
    if fmt == "parquet":
        return [r["id"] for r in pq.read_table(io.BytesIO(response.content)).to_pylist()]
    if fmt == "json":
        return [r["id"] for r in response.json()["items"]]
    if fmt == "ndjson":
        return [json.loads(line)["id"] for line in response.text.splitlines()]
    return [r["id"] for r in csv.DictReader(io.StringIO(response.text))]
