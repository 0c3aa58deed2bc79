"""`ServiceClient`: typed calls, problem details as `ApiError`, 503/504 when the server fails."""

import json
import uuid

import httpx
import pytest
from pydantic import BaseModel

from strata_contracts import ApiError, Page, ServiceUnavailable
from strata_contracts.client import StrataApi
from strata_contracts.identity import IdentityRead, Role

ME = IdentityRead(
    service="goals",
    subject="user:ada",
    tenant_id=uuid.uuid4(),
    employee_id=None,
    roles=[Role.HR],
)


class GoalsApi(StrataApi):
    prefix = "/api/v1/goals"


class Note(BaseModel):
    text: str
    pinned: bool = False


def api(handler, **options) -> GoalsApi:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://gateway")
    return GoalsApi(http, **options)


def answer(status: int, body: object = None, **kwargs) -> httpx.Response:
    return (
        httpx.Response(status, json=body, **kwargs)
        if body is not None
        else httpx.Response(status, **kwargs)
    )


class TestSuccess:
    async def test_a_2xx_body_is_parsed_into_the_model(self):
        client = api(lambda request: answer(200, ME.model_dump(mode="json")))
        assert await client.me() == ME

    async def test_a_generic_page_is_parsed(self):
        body = {"items": [ME.model_dump(mode="json")], "next_cursor": "abc"}
        client = api(lambda request: answer(200, body))
        page = await client.request("GET", "/api/v1/goals/people", Page[IdentityRead])
        assert page == Page[IdentityRead](items=[ME], next_cursor="abc")

    async def test_a_body_is_sent_as_json_with_only_the_fields_set(self):
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return answer(201, {"text": "hi", "pinned": False})

        created = await api(handler).request("POST", "/notes", Note, json=Note(text="hi"))
        assert created == Note(text="hi")
        assert json.loads(seen[0].content) == {"text": "hi"}
        assert seen[0].headers["content-type"] == "application/json"

    async def test_query_parameters_without_a_value_are_left_out(self):
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return answer(200, {"items": []})

        await api(handler).request(
            "GET", "/notes", Page[Note], params={"limit": 10, "cursor": None}
        )
        assert dict(seen[0].url.params) == {"limit": "10"}


class TestErrors:
    async def test_problem_details_are_raised_as_api_error(self):
        problem = {
            "type": "https://strata.dev/problems/validation",
            "title": "Validation failed",
            "status": 422,
            "detail": "The request has invalid fields; see `errors`.",
            "instance": "/api/v1/goals/me",
            "request_id": "req-1",
            "errors": [{"pointer": "/body/weight", "detail": "above 40 %", "code": "max"}],
            "current_etag": '"3"',
        }
        client = api(
            lambda request: answer(
                422, problem, headers={"content-type": "application/problem+json"}
            )
        )
        with pytest.raises(ApiError) as raised:
            await client.me()
        error = raised.value
        assert error.status == 422
        assert error.problem.model_dump(exclude_none=True) == problem
        assert str(error) == "422 Validation failed: The request has invalid fields; see `errors`."

    async def test_a_non_json_error_still_carries_its_status(self):
        client = api(lambda request: httpx.Response(502, text="<html>Bad gateway</html>"))
        with pytest.raises(ApiError) as raised:
            await client.me()
        assert raised.value.status == 502
        assert raised.value.problem.title == "Bad Gateway"
        assert raised.value.problem.detail == "<html>Bad gateway</html>"

    async def test_a_json_error_that_is_not_a_problem_carries_its_status(self):
        client = api(lambda request: answer(500, {"message": "boom"}))
        with pytest.raises(ApiError) as raised:
            await client.me()
        assert raised.value.status == 500
        assert raised.value.problem.title == "Internal Server Error"

    async def test_a_server_that_cannot_be_reached_is_503(self):
        def handler(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        with pytest.raises(ServiceUnavailable) as raised:
            await api(handler).me()
        assert raised.value.status == 503
        assert isinstance(raised.value, ApiError)
        assert "GET /api/v1/goals/me" in raised.value.problem.detail

    async def test_a_server_that_does_not_answer_in_time_is_504(self):
        def handler(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("timed out", request=request)

        with pytest.raises(ServiceUnavailable) as raised:
            await api(handler).me()
        assert raised.value.status == 504


class TestHeaders:
    async def test_no_credentials_are_sent_unless_given(self):
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return answer(200, ME.model_dump(mode="json"))

        await api(handler).me()
        for name in ("X-Strata-Identity", "Authorization", "X-Request-ID"):
            assert name not in seen[0].headers

    async def test_identity_api_key_and_request_id_are_sent_on_every_call(self):
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return answer(200, ME.model_dump(mode="json"))

        client = api(handler, identity_token="tok-1", api_key="key-1", request_id="req-1")
        await client.me()
        await client.me()
        for request in seen:
            assert request.headers["x-strata-identity"] == "tok-1"
            assert request.headers["authorization"] == "Bearer key-1"
            assert request.headers["x-request-id"] == "req-1"

    async def test_a_call_may_override_a_header(self):
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return answer(200, ME.model_dump(mode="json"))

        client = api(handler, request_id="req-1")
        await client.request(
            "GET", "/api/v1/goals/me", IdentityRead, headers={"X-Request-ID": "req-2"}
        )
        assert seen[0].headers["x-request-id"] == "req-2"
