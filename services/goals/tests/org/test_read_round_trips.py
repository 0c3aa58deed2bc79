"""What reading one employee costs the database: pinned, so a regression fails here."""

import uuid

from strata_contracts.identity import Role
from strata_kit.testing import RoundTrips

P = "/api/v1/goals"


class TestReadOneEmployee:
    async def test_reading_one_employee_is_one_statement(self, api, app, client, database_url):
        unit = await api.org_unit()
        person = await api.employee(unit["id"])
        with RoundTrips(app.state.engine) as trips:
            response = await client.get(f"{P}/employees/{person['id']}", headers=api.headers)
        assert response.status_code == 200
        assert response.json()["id"] == person["id"]
        statements = [t for t in trips.log if t not in ("BEGIN", "COMMIT", "ROLLBACK")]
        assert len(statements) == 1, trips.log
        assert statements[0].startswith("SELECT"), trips.log
        if database_url.startswith("postgresql"):
            # The SELECT alone: no BEGIN before it, no COMMIT after it.
            assert trips.count == 1, trips.log

    async def test_another_tenants_read_is_404_in_one_statement(
        self, api, app, client, identity_headers
    ):
        unit = await api.org_unit()
        person = await api.employee(unit["id"])
        stranger = identity_headers(Role.HR, tenant=uuid.uuid4())
        with RoundTrips(app.state.engine) as trips:
            response = await client.get(f"{P}/employees/{person['id']}", headers=stranger)
        assert response.status_code == 404
        assert len([t for t in trips.log if t.startswith("SELECT")]) == 1, trips.log
