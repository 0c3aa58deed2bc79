"""Forwarding: what reaches the service, what comes back, and failure modes."""

import httpx
import pytest

from strata_contracts.identity import REQUEST_ID_HEADER, Role

from .conftest import bearer, echo_identity


@pytest.fixture
async def admin(make_tenant):
    created = await make_tenant()
    return bearer(created.admin_key.secret)


class TestUpstreamFailures:
    async def test_upstream_down_is_503_problem(self, client, upstream, admin):
        def down(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        upstream("goals", down)
        response = await client.get("/api/v1/goals/me", headers=admin)
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert "goals" in response.json()["detail"]

    async def test_upstream_slow_is_504_problem(self, client, upstream, admin):
        def slow(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("timed out", request=request)

        upstream("goals", slow)
        response = await client.get("/api/v1/goals/me", headers=admin)
        assert response.status_code == 504
        assert response.json()["title"] == "Upstream timed out"

    async def test_connect_timeout_is_503(self, client, upstream, admin):
        def unreachable(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectTimeout("no route", request=request)

        upstream("goals", unreachable)
        assert (await client.get("/api/v1/goals/me", headers=admin)).status_code == 503

    async def test_one_service_down_leaves_the_others_working(self, client, upstream, admin):
        def down(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused", request=request)

        upstream("goals", down)
        upstream("reviews", echo_identity("reviews"))
        assert (await client.get("/api/v1/goals/me", headers=admin)).status_code == 503
        assert (await client.get("/api/v1/reviews/me", headers=admin)).status_code == 200

    async def test_unknown_service_is_404(self, client, admin):
        response = await client.get("/api/v1/payroll/anything", headers=admin)
        assert response.status_code == 404
        assert "payroll" in response.json()["detail"]


class TestForwarding:
    async def test_method_path_query_body_and_headers_reach_the_service(
        self, client, upstream, admin
    ):
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(
                201,
                json={"ok": True},
                headers={
                    "ETag": '"v2"',
                    "Location": "/api/v1/goals/things/1",
                    "Connection": "close",
                },
            )

        upstream("goals", handler)
        response = await client.post(
            "/api/v1/goals/things?limit=5&cursor=abc",
            headers={
                **admin,
                "If-Match": '"v1"',
                "Idempotency-Key": "k-1",
                REQUEST_ID_HEADER: "trace-123",
            },
            json={"name": "x"},
        )
        request = seen[0]
        assert request.method == "POST"
        assert request.url.path == "/api/v1/goals/things"
        assert request.url.query == b"limit=5&cursor=abc"
        assert request.content == b'{"name":"x"}'
        assert request.headers["if-match"] == '"v1"'
        assert request.headers["idempotency-key"] == "k-1"
        assert request.headers[REQUEST_ID_HEADER] == "trace-123"
        assert response.status_code == 201
        assert response.headers["etag"] == '"v2"'
        assert response.headers["location"] == "/api/v1/goals/things/1"
        assert response.headers[REQUEST_ID_HEADER.lower()] == "trace-123"
        assert response.json() == {"ok": True}

    async def test_repeated_answer_headers_stay_apart(self, client, upstream, admin):
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(
                200,
                json=[],
                headers=[("Link", '</a>; rel="next"'), ("Link", '</b>; rel="last"')],
            )

        upstream("goals", handler)
        response = await client.get("/api/v1/goals/things", headers=admin)
        assert response.headers.get_list("link") == ['</a>; rel="next"', '</b>; rel="last"']
        assert response.headers["content-type"] == "application/json"
        assert int(response.headers["content-length"]) == len(response.content)

    async def test_service_problem_details_pass_through_unchanged(self, client, upstream, admin):
        problem = {"type": "about:blank", "title": "Conflict", "status": 409, "detail": "closed"}
        upstream(
            "goals",
            lambda r: httpx.Response(
                409, json=problem, headers={"Content-Type": "application/problem+json"}
            ),
        )
        response = await client.put("/api/v1/goals/cycles/1", headers=admin, json={})
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json() == problem

    async def test_streamed_answer_is_relayed(self, client, upstream, admin):
        async def rows():
            for i in range(3):
                yield f'{{"row": {i}}}\n'.encode()

        upstream(
            "analytics",
            lambda r: httpx.Response(
                200, content=rows(), headers={"Content-Type": "application/x-ndjson"}
            ),
        )
        response = await client.get("/api/v1/analytics/export", headers=admin)
        assert response.status_code == 200
        assert response.text.splitlines() == ['{"row": 0}', '{"row": 1}', '{"row": 2}']

    async def test_an_upstream_cookie_never_reaches_another_callers_request(
        self, client, upstream, admin, make_tenant
    ):
        # The proxy relays; it is not a browser with one cookie jar for every caller.
        seen: list[str | None] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request.headers.get("cookie"))
            return httpx.Response(200, json={}, headers={"Set-Cookie": "session=alice; Path=/"})

        upstream("goals", handler)
        other = bearer((await make_tenant()).admin_key.secret)
        first = await client.get("/api/v1/goals/me", headers=admin)
        assert first.headers["set-cookie"] == "session=alice; Path=/"
        client.cookies.clear()
        await client.get("/api/v1/goals/me", headers=other)
        assert seen == [None, None]


class TestScimRouting:
    async def test_scim_goes_to_goals_with_the_callers_identity(
        self, client, upstream, make_tenant, make_key
    ):
        created = await make_tenant()
        key = await make_key(created.tenant.id, Role.INTEGRATION)
        seen: list[httpx.Request] = []

        def goals(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(
                200, json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]}
            )

        upstream("goals", goals)
        response = await client.get(
            "/scim/v2/Users?filter=userName%20eq%20%22a%22", headers=bearer(key.secret)
        )
        assert response.status_code == 200
        assert seen[0].url.path == "/scim/v2/Users"
        assert seen[0].url.params["filter"] == 'userName eq "a"'

    async def test_scim_without_a_key_gets_a_scim_error(self, client):
        response = await client.get("/scim/v2/Users")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/scim+json"
        assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        assert response.json()["status"] == "401"


class TestPathsAsSent:
    @pytest.mark.parametrize(
        "raw",
        [
            "/api/v1/goals/things/%C3%A9t%C3%A9%20%F0%9F%98%80",
            "/scim/v2/Users/%C2%B1i%C2%B2%C3%8D%1C",
            "/api/v1/goals/things/a%2Fb",
        ],
    )
    async def test_any_percent_encoded_path_is_forwarded_as_sent(
        self, client, upstream, admin, raw
    ):
        # Decoded non-ASCII (or an encoded slash) in a path parameter made the gateway
        # answer 500; the service must get the path exactly as the client sent it.
        seen: list[str] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request.url.raw_path.decode())
            return httpx.Response(404, json={"status": 404})

        upstream("goals", handler)
        response = await client.get(raw, headers=admin)
        assert response.status_code == 404
        assert seen == [raw]
