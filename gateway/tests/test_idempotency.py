"""Idempotency-Key on POST: replay, mismatch, in flight, failures, expiry."""

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import select

from strata_contracts.identity import Role
from strata_gateway.models import IdempotencyRecord
from strata_kit.db import allow_cross_tenant, utcnow

from .conftest import bearer


@pytest.fixture
async def admin(make_tenant):
    created = await make_tenant()
    return bearer(created.admin_key.secret)


@pytest.fixture
def counting_upstream(upstream):
    calls: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.content)
        return httpx.Response(
            201, json={"id": len(calls)}, headers={"Location": f"/things/{len(calls)}"}
        )

    upstream("goals", handler)
    return calls


class TestReplay:
    async def test_invalid_key_is_400(self, client, admin, counting_upstream):
        response = await client.post(
            "/api/v1/goals/things", headers={**admin, "Idempotency-Key": "x" * 300}, json={}
        )
        assert response.status_code == 400
        assert counting_upstream == []

    async def test_same_key_and_body_replays_the_first_answer(
        self, client, admin, counting_upstream
    ):
        headers = {**admin, "Idempotency-Key": "create-1"}
        first = await client.post("/api/v1/goals/things", headers=headers, json={"name": "a"})
        second = await client.post("/api/v1/goals/things", headers=headers, json={"name": "a"})
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json() == {"id": 1}
        assert second.headers["location"] == "/things/1"
        assert second.headers["idempotency-replayed"] == "true"
        assert "idempotency-replayed" not in first.headers
        assert len(counting_upstream) == 1

    async def test_same_key_other_body_is_422_and_nothing_sent(
        self, client, admin, counting_upstream
    ):
        headers = {**admin, "Idempotency-Key": "create-2"}
        await client.post("/api/v1/goals/things", headers=headers, json={"name": "a"})
        response = await client.post("/api/v1/goals/things", headers=headers, json={"name": "b"})
        assert response.status_code == 422
        assert response.json()["type"].endswith("/idempotency-key-reused")
        assert len(counting_upstream) == 1

    async def test_same_key_other_path_is_422(self, client, admin, counting_upstream):
        headers = {**admin, "Idempotency-Key": "create-3"}
        await client.post("/api/v1/goals/things", headers=headers, json={})
        response = await client.post("/api/v1/goals/other", headers=headers, json={})
        assert response.status_code == 422

    async def test_keys_belong_to_their_caller(
        self, client, make_tenant, make_key, counting_upstream
    ):
        created = await make_tenant()
        other = await make_key(created.tenant.id, Role.HR)
        for key in (created.admin_key.secret, other.secret):
            response = await client.post(
                "/api/v1/goals/things",
                headers={**bearer(key), "Idempotency-Key": "shared"},
                json={},
            )
            assert response.status_code == 201
        assert len(counting_upstream) == 2

    async def test_without_a_key_every_post_goes_through(self, client, admin, counting_upstream):
        for _ in range(2):
            await client.post("/api/v1/goals/things", headers=admin, json={})
        assert len(counting_upstream) == 2


class TestFailuresAndExpiry:
    async def test_a_5xx_is_not_remembered(self, client, admin, upstream):
        answers = iter(
            [httpx.Response(500, json={"status": 500}), httpx.Response(201, json={"ok": 1})]
        )
        upstream("goals", lambda r: next(answers))
        headers = {**admin, "Idempotency-Key": "retry-me"}
        assert (
            await client.post("/api/v1/goals/things", headers=headers, json={})
        ).status_code == 500
        assert (
            await client.post("/api/v1/goals/things", headers=headers, json={})
        ).status_code == 201

    async def test_a_5xx_releases_the_key_before_the_answer_leaves(
        self, app, client, admin, upstream
    ):
        # A client retrying the moment its 503 arrives must find the key free (it raced the
        # release and got "409 in progress" when the release came after the answer).
        upstream("goals", lambda r: httpx.Response(503, json={"status": 503}))
        claims_when_answered: list[int] = []

        async def observed(scope, receive, send):  # type: ignore[no-untyped-def]
            async def watch(message):  # type: ignore[no-untyped-def]
                if message["type"] == "http.response.start":
                    async with app.state.sessionmaker() as session:
                        allow_cross_tenant(session)
                        rows = (await session.exec(select(IdempotencyRecord))).all()
                        claims_when_answered.append(len(rows))
                await send(message)

            await app(scope, receive, watch)

        transport = httpx.ASGITransport(app=observed)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as raw:
            response = await raw.post(
                "/api/v1/goals/things", headers={**admin, "Idempotency-Key": "k503"}, json={}
            )
        assert response.status_code == 503
        assert claims_when_answered == [0]

    async def test_an_unreachable_service_is_not_remembered(self, client, admin, upstream):
        def down(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused", request=request)

        upstream("goals", down)
        headers = {**admin, "Idempotency-Key": "retry-later"}
        assert (
            await client.post("/api/v1/goals/things", headers=headers, json={})
        ).status_code == 503
        upstream("goals", lambda r: httpx.Response(201, json={"ok": 1}))
        assert (
            await client.post("/api/v1/goals/things", headers=headers, json={})
        ).status_code == 201

    async def test_a_request_still_running_makes_a_retry_409(self, client, admin, upstream):
        release = asyncio.Event()
        started = asyncio.Event()

        async def slow(request: httpx.Request) -> httpx.Response:
            started.set()
            await release.wait()
            return httpx.Response(201, json={"ok": 1})

        upstream("goals", slow)
        headers = {**admin, "Idempotency-Key": "in-flight"}
        first = asyncio.create_task(client.post("/api/v1/goals/things", headers=headers, json={}))
        await started.wait()
        retry = await client.post("/api/v1/goals/things", headers=headers, json={})
        release.set()
        assert retry.status_code == 409
        assert (await first).status_code == 201

    async def test_an_expired_key_starts_afresh(self, client, admin, app, counting_upstream):
        headers = {**admin, "Idempotency-Key": "old"}
        await client.post("/api/v1/goals/things", headers=headers, json={})
        async with app.state.sessionmaker() as session:
            allow_cross_tenant(session)
            await session.exec(
                update(IdempotencyRecord).values(expires_at=utcnow() - timedelta(seconds=1))
            )
            await session.commit()
        again = await client.post("/api/v1/goals/things", headers=headers, json={})
        assert again.json() == {"id": 2}
        assert len(counting_upstream) == 2

    async def test_an_abandoned_claim_is_taken_over_by_a_retry(
        self, client, admin, app, counting_upstream
    ):
        # The gateway died mid-request, or its database was down when the answer had to be
        # recorded or forgotten: the claim stays "in progress". Once it is older than any
        # request can run, a retry proceeds instead of hearing 409 for a whole day.
        headers = {**admin, "Idempotency-Key": "abandoned"}
        await client.post("/api/v1/goals/things", headers=headers, json={})
        async with app.state.sessionmaker() as session:
            allow_cross_tenant(session)
            await session.exec(
                update(IdempotencyRecord).values(
                    completed=False, updated_at=utcnow() - timedelta(minutes=10)
                )
            )
            await session.commit()
        retry = await client.post("/api/v1/goals/things", headers=headers, json={})
        assert retry.status_code == 201
        assert retry.json() == {"id": 2}
        assert len(counting_upstream) == 2
        replay = await client.post("/api/v1/goals/things", headers=headers, json={})
        assert replay.headers["idempotency-replayed"] == "true"
        assert replay.json() == {"id": 2}

    async def test_a_database_failure_after_the_answer_does_not_break_the_exchange(
        self, admin, app, counting_upstream, monkeypatch
    ):
        # Recording the outcome happens after the answer has gone out; if the database is
        # away then, raising made the server drop the (keep-alive) connection, which the
        # client saw as a failed request although its write had been made.
        from strata_gateway.idempotency import IdempotencyMiddleware

        async def database_away(*args, **kwargs):
            raise ConnectionRefusedError(111, "Connection refused")

        monkeypatch.setattr(IdempotencyMiddleware, "_settle", database_away)
        strict = httpx.ASGITransport(app=app, raise_app_exceptions=True)
        async with httpx.AsyncClient(transport=strict, base_url="http://testserver") as http:
            response = await http.post(
                "/api/v1/goals/things", headers={**admin, "Idempotency-Key": "k1"}, json={}
            )
        assert response.status_code == 201
        assert response.json() == {"id": 1}
