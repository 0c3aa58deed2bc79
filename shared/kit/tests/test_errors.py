"""Problem details (RFC 9457): every error of an app made by `create_service_app`."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from kittest_service import SECRET_IN_ERROR
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from strata_contracts.identity import Role
from strata_kit.errors import install_problem_handlers

PROBLEM = "application/problem+json"
WIDGETS = "/api/v1/kittest/widgets"


class TestDomainErrors:
    async def test_an_app_error_answers_its_status_title_type_and_detail(
        self, client, identity_headers
    ):
        response = await client.post(
            f"{WIDGETS}/then-fail", json={"name": "bolt"}, headers=identity_headers(Role.HR)
        )
        assert response.status_code == 423
        assert response.headers["content-type"] == PROBLEM
        assert response.json() == {
            "type": "https://strata.dev/problems/widget-locked",
            "title": "Widget locked",
            "status": 423,
            "detail": "Widgets are locked today.",
            "instance": f"{WIDGETS}/then-fail",
            "request_id": response.headers["x-request-id"],
            "widget_name": "bolt",
        }

    async def test_a_not_found_error_answers_404(self, client, identity_headers):
        response = await client.get(
            f"{WIDGETS}/00000000-0000-4000-8000-000000000000", headers=identity_headers()
        )
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["type"] == "https://strata.dev/problems/not-found"
        assert body["detail"] == "No such widget."


class TestValidationErrors:
    async def test_each_bad_field_gets_one_entry_pointing_at_it(self, client, identity_headers):
        response = await client.post(
            WIDGETS,
            params={"dry_run": "perhaps"},
            json={"name": "", "quantity": -1},
            headers=identity_headers(),
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["type"] == "https://strata.dev/problems/validation"
        assert body["status"] == 422
        assert sorted(e["pointer"] for e in body["errors"]) == [
            "/body/name",
            "/body/quantity",
            "/query/dry_run",
        ]
        assert all(e["detail"] and e["code"] for e in body["errors"])

    async def test_a_missing_body_points_at_the_body(self, client, identity_headers):
        response = await client.post(WIDGETS, headers=identity_headers())
        assert response.status_code == 422
        assert [e["pointer"] for e in response.json()["errors"]] == ["/body"]

    async def test_a_bad_path_parameter_points_at_the_path(self, client, identity_headers):
        response = await client.get(f"{WIDGETS}/not-a-uuid", headers=identity_headers())
        assert response.status_code == 422
        assert [e["pointer"] for e in response.json()["errors"]] == ["/path/widget_id"]


class TestRoutingErrors:
    async def test_an_unknown_route_is_404_problem(self, client, identity_headers):
        response = await client.get("/api/v1/kittest/nothing-here", headers=identity_headers())
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["title"] == "Not found"
        assert body["instance"] == "/api/v1/kittest/nothing-here"

    async def test_a_wrong_method_is_405_problem_naming_the_allowed_ones(
        self, client, identity_headers
    ):
        response = await client.delete("/api/v1/kittest/boom", headers=identity_headers())
        assert response.status_code == 405
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["title"] == "Method not allowed"
        assert response.headers["allow"] == "GET"


class TestUnhandledErrors:
    async def test_a_bug_answers_500_without_leaking_the_exception(self, client, identity_headers):
        response = await client.get(
            "/api/v1/kittest/boom", headers={**identity_headers(), "X-Request-ID": "trace-me-1"}
        )
        assert response.status_code == 500
        assert response.headers["content-type"] == PROBLEM
        assert response.json() == {
            "type": "about:blank",
            "title": "Internal server error",
            "status": 500,
            "detail": "An unexpected error occurred; quote the request id when reporting it.",
            "instance": "/api/v1/kittest/boom",
            "request_id": "trace-me-1",
        }
        for leak in (SECRET_IN_ERROR, "Boom", "Traceback", "kittest_service.py"):
            assert leak not in response.text

    async def test_the_500_echoes_the_request_id_header(self, client, identity_headers):
        response = await client.get(
            "/api/v1/kittest/boom", headers={**identity_headers(), "X-Request-ID": "trace-me-2"}
        )
        assert response.status_code == 500
        assert response.headers["x-request-id"] == "trace-me-2"

    async def test_the_error_is_logged_with_the_request_id(
        self, client, identity_headers, json_logs
    ):
        logs = json_logs()
        await client.get(
            "/api/v1/kittest/boom", headers={**identity_headers(), "X-Request-ID": "trace-me-3"}
        )
        [line] = logs.events("http.unhandled_error")
        assert line["request_id"] == "trace-me-3"
        assert line["error"] == "Boom"


class TestDatabaseUnavailable:
    """A database that is restarting or unreachable is a 503 the client may retry, not a
    500 bug report; a broken statement stays a 500."""

    @pytest.fixture
    async def outage(self) -> AsyncIterator[httpx.AsyncClient]:
        app = FastAPI()
        install_problem_handlers(app)
        failures: dict[str, Exception] = {
            "dropped": InterfaceError(
                "SELECT 1", {}, Exception("connection is closed"), connection_invalidated=True
            ),
            "refused": ConnectionRefusedError(111, "Connect call failed"),
            "starting": _SqlStateError("57P03", "the database system is starting up"),
            "locked": OperationalError("INSERT", {}, Exception("database is locked")),
            "exhausted": PoolTimeout("QueuePool limit of size 10 overflow 10 reached"),
            "broken": OperationalError("SELECT", {}, Exception("no such table: widget")),
        }

        @app.get("/fail/{kind}")
        async def fail(kind: str) -> None:
            raise failures[kind]

        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client

    @pytest.mark.parametrize("kind", ["dropped", "refused", "starting", "locked", "exhausted"])
    async def test_an_unreachable_database_answers_503_with_retry_after(self, outage, kind):
        response = await outage.get(f"/fail/{kind}")
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["retry-after"] == "1"
        assert response.json()["type"].endswith("database-unavailable")

    async def test_a_broken_statement_is_still_a_500(self, outage):
        assert (await outage.get("/fail/broken")).status_code == 500


class _SqlStateError(Exception):
    def __init__(self, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class TestDocumentedErrors:
    def test_every_error_response_is_documented_as_the_problem_it_is(self, app):
        # FastAPI documents validation errors as `HTTPValidationError` in application/json;
        # the handlers send RFC 9457 problem details as application/problem+json.
        spec = app.openapi()
        errors = [
            response
            for item in spec["paths"].values()
            for operation in item.values()
            for status, response in operation["responses"].items()
            if int(status) >= 400
        ]
        assert any(r for r in errors)
        problem = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        assert all(r["content"] == problem for r in errors)
        assert "FieldProblem" in spec["components"]["schemas"]
