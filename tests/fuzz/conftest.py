from collections.abc import Iterator

import pytest

from tests.e2e.stack import APPS, Stack

PERMISSIVE_ENV = {
    "GATEWAY_RATE_LIMIT_BURST": "1000000",
    "GATEWAY_RATE_LIMIT_PER_MINUTE": "10000000",
    # Generated webhook URLs point anywhere: store them, never send to them.
    "GATEWAY_WEBHOOK_DISPATCH": "false",
}


@pytest.fixture(scope="session")
def fuzz_sqlite_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole system on SQLite with no rate limit to speak of and webhooks stored, never
    sent: what both fuzz stages need. Started once per test process and shared by
    `test_openapi_fuzz.py` and the SQLite half of `test_hostile_input.py`, each in a tenant
    of its own (`make test` puts them on one worker)."""
    running = Stack(tmp_path_factory.mktemp("fuzz"), extra_env=dict(PERMISSIVE_ENV))
    try:
        running.cli("migrate")
        for app in APPS:
            running.start(app)
        running.wait_ready(*APPS, timeout=600)
        yield running
    finally:
        running.down()
