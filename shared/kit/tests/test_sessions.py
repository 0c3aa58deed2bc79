"""`SessionDep`: the request owns the transaction."""

from kittest_service import Widget
from sqlmodel import select

from strata_contracts.identity import Role
from strata_kit.testing import RoundTrips

WIDGETS = "/api/v1/kittest/widgets"


async def stored_names(session) -> list[str]:
    return sorted(w.name for w in (await session.exec(select(Widget))).all())


class TestRequestTransaction:
    async def test_a_request_that_raises_after_writing_stores_nothing(
        self, client, identity_headers, db_session
    ):
        response = await client.post(
            f"{WIDGETS}/then-fail", json={"name": "bolt"}, headers=identity_headers(Role.HR)
        )
        assert response.status_code == 423
        assert await stored_names(db_session) == []

    async def test_a_write_refused_at_commit_is_not_acknowledged(
        self, client, identity_headers, db_session
    ):
        headers = identity_headers(Role.HR)
        first = await client.post(WIDGETS, json={"name": "bolt"}, headers=headers)
        assert first.status_code == 201
        # The endpoint does not flush: the duplicate name is only refused by the commit.
        second = await client.post(WIDGETS, json={"name": "bolt"}, headers=headers)
        assert second.status_code == 500
        assert second.headers["content-type"] == "application/problem+json"
        [stored] = (await db_session.exec(select(Widget))).all()
        assert str(stored.id) == first.json()["id"]

    async def test_a_request_that_succeeds_stores_its_write(
        self, client, identity_headers, db_session, tenant_id
    ):
        response = await client.post(
            WIDGETS, json={"name": "bolt", "quantity": 3}, headers=identity_headers(Role.HR)
        )
        assert response.status_code == 201
        [stored] = (await db_session.exec(select(Widget))).all()
        assert str(stored.id) == response.json()["id"]
        assert (stored.name, stored.quantity, stored.tenant_id) == ("bolt", 3, tenant_id)


class TestTwoWritesInOneRequest:
    async def test_a_failing_second_write_undoes_the_first(
        self, client, identity_headers, db_session
    ):
        response = await client.post(
            f"{WIDGETS}/pair",
            params={"first": "nut", "second": "nut"},  # the second breaks the unique name
            headers=identity_headers(Role.HR),
        )
        assert response.status_code == 500
        assert await stored_names(db_session) == []

    async def test_both_writes_are_stored_when_the_request_succeeds(
        self, client, identity_headers, db_session
    ):
        response = await client.post(
            f"{WIDGETS}/pair",
            params={"first": "nut", "second": "washer"},
            headers=identity_headers(Role.HR),
        )
        assert response.status_code == 201
        assert await stored_names(db_session) == ["nut", "washer"]


class TestRoundTrips:
    """How many times a request talks to the database (`strata_kit.testing.RoundTrips`)."""

    async def test_a_read_is_one_round_trip_on_postgresql(
        self, app, client, identity_headers, database_url
    ):
        headers = identity_headers(Role.HR)
        created = await client.post(WIDGETS, json={"name": "bolt"}, headers=headers)
        with RoundTrips(app.state.engine) as trips:
            response = await client.get(f"{WIDGETS}/{created.json()['id']}", headers=headers)
        assert response.status_code == 200
        if database_url.startswith("postgresql"):
            # The SELECT alone: no BEGIN before it, no COMMIT after it.
            assert trips.count == 1, trips.log
        else:
            assert [t for t in trips.log if t.startswith("SELECT")] == trips.log[1:2], trips.log
            assert (trips.log[0], trips.log[-1]) == ("BEGIN", "COMMIT"), trips.log

    async def test_a_write_is_one_transaction(self, app, client, identity_headers):
        with RoundTrips(app.state.engine) as trips:
            response = await client.post(
                WIDGETS, json={"name": "bolt"}, headers=identity_headers(Role.HR)
            )
        assert response.status_code == 201
        assert (trips.log[0], trips.log[-1]) == ("BEGIN", "COMMIT"), trips.log
        assert (trips.log.count("BEGIN"), trips.log.count("COMMIT")) == (1, 1), trips.log
        assert any(t.startswith("INSERT INTO") for t in trips.log), trips.log
