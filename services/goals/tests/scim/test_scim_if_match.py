"""If-Match stays optional for SCIM even where the REST API requires it: IdPs never send it."""

import pytest

from .conftest import patch_body


@pytest.fixture
def settings(settings_factory, database_url, monkeypatch):
    """The goals service with `STRATA_REQUIRE_IF_MATCH=true`."""
    monkeypatch.setenv("STRATA_REQUIRE_IF_MATCH", "true")
    return settings_factory(
        database_url=database_url, database_pool_size=2, event_relay=False, event_consumer=False
    )


class TestRequiredIfMatch:
    async def test_scim_writes_without_if_match_still_apply(self, scim, company, app):
        assert app.state.settings.platform.require_if_match is True
        user = await scim.user()
        response = await scim.request(
            "PATCH",
            f"/Users/{user['id']}",
            patch_body({"op": "replace", "path": "displayName", "value": "Changed"}),
        )
        assert response.status_code == 200
        assert response.json()["displayName"] == "Changed"
        deleted = await scim.request("DELETE", f"/Users/{user['id']}")
        assert deleted.status_code == 204
