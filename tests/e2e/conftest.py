from collections.abc import Iterator

import pytest

from .stack import Stack

SHARED_ENV = {
    # The SCIM compliance run sends a few hundred requests in a burst, as an initial sync
    # does: the rate limit is raised as docs/scim.md advises for a provider's first sync.
    # No module here depends on the default limits; the limits themselves are
    # tested on stacks of their own (test_metrics.py, gateway/tests/test_ratelimit.py).
    "GATEWAY_RATE_LIMIT_PER_MINUTE": "100000",
    "GATEWAY_RATE_LIMIT_BURST": "10000",
}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole system with default settings (but `SHARED_ENV`), started once per test
    process (per xdist worker) and shared by the modules that ask for it; `make test`
    schedules them all on one worker (see the root conftest.py). Each module works in its
    own tenant (its `tenant`/`admin` fixtures create one); a module that needs other
    settings builds its own `Stack`. A test that stops a process starts it again before it
    ends."""
    running = Stack(tmp_path_factory.mktemp("stack"), extra_env=dict(SHARED_ENV))
    try:
        running.cli("migrate")
        for app in ("gateway", "goals", "reviews", "feedback", "analytics"):
            running.start(app)
        # Five processes importing at once take long on a busy machine (2 cores shared).
        running.wait_ready(timeout=400)
        yield running
    finally:
        running.down()
