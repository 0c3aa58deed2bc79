"""Every JSON body and query meets the edge limits of `strata_kit.bodies` (issue 16): hostile
input answers 422 problem details naming the problem, and nothing is stored."""

import json

import pytest

from strata_kit.bodies import MAX_DEPTH, MAX_NUMBER_DIGITS, check_body

WIDGETS = "/api/v1/kittest/widgets"


async def count(client, headers) -> int:
    response = await client.get(f"{WIDGETS}/count", headers=headers)
    assert response.status_code == 200
    return response.json()["count"]


def nested(depth: int) -> str:
    return '{"name": "deep", "quantity": 1, "extra": ' + "[" * depth + "]" * depth + "}"


REFUSED = [
    pytest.param(nested(1000).encode(), "json_too_deep", id="nested-1000"),
    pytest.param(nested(100_000).encode(), "json_too_deep", id="nested-100000"),
    pytest.param(nested(MAX_DEPTH).encode(), "json_too_deep", id="nested-just-over"),
    pytest.param(
        b'{"name": "n", "quantity": ' + b"9" * 400 + b"}", "number_too_large", id="int-400-digits"
    ),
    pytest.param(b'{"name": "n", "quantity": 1e400}', "number_too_large", id="exponent-400"),
    pytest.param(
        b'{"name": "n", "quantity": 0.' + b"1" * 100 + b"}", "number_too_large", id="long-fraction"
    ),
    pytest.param(b'{"name": "n", "quantity": NaN}', "json_constant", id="nan"),
    pytest.param(b'{"name": "n", "quantity": -Infinity}', "json_constant", id="-infinity"),
    pytest.param(b'{"name": "bad\\u0000name"}', "control_character", id="nul"),
    pytest.param(b'{"name": "bad\\u001bname"}', "control_character", id="escape"),
    pytest.param('{"name": "bad\u0085name"}'.encode(), "control_character", id="c1-raw"),
    pytest.param(b'{"name": "bad\\u007fname"}', "control_character", id="del"),
    pytest.param(b'{"name": "bad\\ud800name"}', "control_character", id="lone-surrogate"),
    pytest.param(b'{"name": "n\xff\xfe"}', None, id="invalid-utf8"),
]


class TestRefusedBodies:
    @pytest.mark.parametrize(("body", "code"), REFUSED)
    async def test_is_422_and_stores_nothing(self, client, identity_headers, body, code):
        headers = identity_headers()
        before = await count(client, headers)
        response = await client.post(
            WIDGETS, content=body, headers=headers | {"content-type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        errors = response.json()["errors"]
        assert errors
        if code is not None:
            assert {e.get("code") for e in errors} == {code}
        assert await count(client, headers) == before

    async def test_a_control_character_names_the_field(self, client, identity_headers):
        response = await client.post(
            WIDGETS,
            content=b'{"name": "a\\u0000b", "quantity": 1}',
            headers=identity_headers() | {"content-type": "application/json"},
        )
        assert response.status_code == 422
        assert [e["pointer"] for e in response.json()["errors"]] == ["/body/name"]
        assert "U+0000" in response.json()["errors"][0]["detail"]

    async def test_a_body_without_content_type_is_checked_too(self, client, identity_headers):
        response = await client.post(WIDGETS, content=nested(2000), headers=identity_headers())
        assert response.status_code == 422

    async def test_a_control_character_in_the_query_names_the_parameter(
        self, client, identity_headers
    ):
        response = await client.post(
            f"{WIDGETS}/pair?first=a%00b&second=ok", headers=identity_headers()
        )
        assert response.status_code == 422, response.text
        assert [e["pointer"] for e in response.json()["errors"]] == ["/query/first"]


class TestAcceptedBodies:
    @pytest.mark.parametrize(
        "name",
        [
            "tab\there",
            "two\nlines",
            "windows\r\nlines",
            "Zoë 日本 🎉",
            "backslash-u \\u0000 literally",
            "=1+2",
        ],
    )
    async def test_text_that_is_not_a_control_character_is_stored(
        self, client, identity_headers, name
    ):
        response = await client.post(
            WIDGETS, json={"name": name, "quantity": 10**30}, headers=identity_headers()
        )
        # A 31-digit integer is within the edge limits but beyond any database integer:
        # refused, not a 500 (the database's own refusal is the backstop).
        assert response.status_code == 422, response.text
        response = await client.post(
            WIDGETS, json={"name": name, "quantity": 3}, headers=identity_headers()
        )
        assert response.status_code == 201, response.text
        assert response.json()["name"] == name


class TestCheckBody:
    def test_numbers_inside_strings_are_not_numbers(self):
        check_body(json.dumps({"name": "9" * 1000, "text": "NaN Infinity 1e999"}).encode())

    def test_limits_are_exact(self):
        check_body(("[" * MAX_DEPTH + "]" * MAX_DEPTH).encode())
        check_body(("9" * MAX_NUMBER_DIGITS).encode())
        check_body(b'{"x": 1.5e40, "y": 2e-40, "z": [true, false, null]}')
