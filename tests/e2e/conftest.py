from collections.abc import Iterator

import pytest

from .stack import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole system with default settings, started once per test process (per xdist
    worker) and shared by the modules that ask for it. Each module works in its own tenant
    (its `tenant`/`admin` fixtures create one); a module that needs other settings builds
    its own `Stack`. A test that stops a process starts it again before it ends."""
    running = Stack(tmp_path_factory.mktemp("stack"))
    try:
        running.up()
        yield running
    finally:
        running.down()
