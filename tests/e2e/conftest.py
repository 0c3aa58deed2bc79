from collections.abc import Iterator

import pytest

from .stack import Stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole system, started once per module."""
    running = Stack(tmp_path_factory.mktemp("stack"))
    try:
        running.up()
        yield running
    finally:
        running.down()
