"""Root conftest: the shared Strata test plugin (fixtures for every suite), and how
`make test` spreads the suite over xdist workers (`--dist loadgroup`).

A test whose fixtures are all per test or per session is scheduled on its own, so the
workers stay busy to the end. A test that uses a per-module (or per-class) fixture, such as
a module's own real-process stack, goes with the rest of its file (its fixture is set up
once). Tests of one shared stack (a session fixture named `stack` or `*_stack` defined in
a `conftest.py`) go to one worker, so that worker starts that stack once. Groups that start
real processes run first and the many short tests fill in behind them, instead of one long
file starting last.
"""

import importlib.util
import inspect
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest_plugins = ["strata_kit.testing"]
ROOT = Path(__file__).resolve().parent

_PER_FILE = {"module", "package", "class"}


def _shared_stack(definition: Any) -> str | None:
    """`stack:<name>` when `definition` is a session stack from a conftest.py."""
    if definition.scope != "session" or not definition.argname.endswith("stack"):
        return None
    try:
        source = Path(inspect.getfile(definition.func))
    except TypeError:
        return None
    if source.name != "conftest.py":
        return None
    return f"stack:{source.parent.name}/{definition.argname}"


def _used(defs: Any) -> list[Any]:
    """The definitions of one fixture name a test runs: the closest, and the ones it
    overrides while asking for them by its own name (`def demo_stack(demo_stack)`)."""
    used = [defs[-1]]
    for outer in reversed(defs[:-1]):
        if used[-1].argname not in used[-1].argnames:
            break
        used.append(outer)
    return used


def _group(item: pytest.Item) -> tuple[str | None, bool]:
    """The xdist group of `item` (None: schedule it alone), and whether it starts processes."""
    explicit = item.get_closest_marker("xdist_group")
    if explicit is not None:  # a test that gets its shared stack by `getfixturevalue`
        return str(explicit.args[0]), True
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None, False
    groups = []
    for name, defs in info.name2fixturedefs.items():
        if not defs:
            continue
        shared = next((g for g in map(_shared_stack, _used(defs)) if g is not None), None)
        if shared is not None:
            return shared, True
        if defs[-1].scope in _PER_FILE:
            groups.append(name)
    if not groups:
        return None, False
    where = item.nodeid.split("::")[0]
    # A per-module fixture with parameters (a stack on SQLite, one on PostgreSQL) is set
    # up once per parameter: each parameter is a group of its own.
    callspec = getattr(item, "callspec", None)
    chosen = callspec.params if callspec is not None else {}
    params = sorted(f"{name}={chosen[name]}" for name in groups if name in chosen)
    return where + ("[" + ",".join(params) + "]" if params else ""), True


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> Any:
    # A wrapper, so the marks are there before xdist's worker reads them (and adds the
    # group to each test's id). On a worker `dist` reads "no"; `loadgroup` is the run's.
    if config.getoption("dist", "no") == "loadgroup" or getattr(config.option, "loadgroup", False):
        _schedule(items)
    return (yield)


def _tag(item: pytest.Item, group: str) -> None:
    """`<id>@<group>`, the id by which xdist's loadgroup scheduler groups tests. xdist 3.8
    writes it to `item._nodeid`, which pytest 9 no longer reads (the id is `item._id`), so
    without this every test would be scheduled alone."""
    if hasattr(item, "_id") and "@" not in item.nodeid:
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(f"{item.nodeid}@{group}")


def _schedule(items: list[pytest.Item]) -> None:
    groups = {item: _group(item) for item in items}
    # A file some of whose tests use a shared stack goes with that stack as a whole.
    joins = {
        item.nodeid.split("::")[0]: group
        for item, (group, _) in groups.items()
        if group is not None and group.startswith("stack:")
    }
    first, rest = [], []
    for item in items:
        group, heavy = groups[item]
        if group is not None and item.get_closest_marker("xdist_group") is None:
            where = item.nodeid.split("::")[0]
            if group == where:  # a per-module fixture without parameters
                group = joins.get(where, group)
            item.add_marker(pytest.mark.xdist_group(group))
        if group is not None:
            _tag(item, group)
        if heavy and item.get_closest_marker("e2e") is not None:
            first.append(item)
        else:
            rest.append(item)
    items[:] = first + rest


def _e2e_stack() -> ModuleType:
    """tests/e2e/stack.py (not an importable package), once per process."""
    name = "tests.e2e.stack"  # the name pytest gives it when a test module imports it
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "e2e" / "stack.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The whole system with default settings and the demo tenant, loaded before the
    processes start as `make run` does; started once per test process and shared by the
    tests that watch the demo tenant fill up (tests/e2e/test_moved_ports.py,
    services/analytics/tests/demo/test_demo_stack.py), which `make test` puts on one worker."""
    running = _e2e_stack().Stack(tmp_path_factory.mktemp("demo"))
    try:
        running.cli("migrate")
        running.cli("demo", "--quiet")
        for app in ("gateway", "goals", "reviews", "feedback", "analytics"):
            running.start(app)
        running.wait_ready(timeout=300)
        yield running
    finally:
        running.down()


_seconds: defaultdict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _seconds[report.nodeid.split("::")[0]] += report.duration


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not _seconds or config.getoption("durations", None) is None:
        return
    slowest = sorted(_seconds.items(), key=lambda kv: -kv[1])[:15]
    terminalreporter.write_sep("=", "slowest 15 files (setup + call + teardown, summed)")
    for path, seconds in slowest:
        terminalreporter.write_line(f"{seconds:8.1f}s {path}")
