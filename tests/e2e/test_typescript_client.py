"""The TypeScript client for portal teams (issue 19), against a real stack with the demo
tenant: the checked-in OpenAPI copy and generated types match the live document (drift
fails here, and so in CI), `tsc --noEmit` passes, and the Node test (node:test) drives the
stack through the client. Skipped with a message only where Node or npm is absent."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .stack import Stack

pytestmark = pytest.mark.e2e
CLIENT = Path(__file__).resolve().parents[2] / "clients" / "typescript"
sys.path.insert(0, str(CLIENT))
from generate import canonical  # noqa: E402


def _tools() -> None:
    missing = [tool for tool in ("node", "npm", "npx") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"Node.js is not installed here ({', '.join(missing)} missing)")


def _run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=CLIENT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def node_modules() -> None:
    """`npm ci` from the registry, once, whenever the lock file is newer than the install."""
    _tools()
    marker = CLIENT / "node_modules" / ".package-lock.json"
    lock = CLIENT / "package-lock.json"
    if not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
        done = _run("npm", "ci", "--no-audit", "--no-fund")
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def demo_stack(stack: Stack) -> tuple[Stack, dict[str, str]]:
    stack.cli("demo", "--quiet")
    saved = json.loads((stack.root / "data" / "demo.json").read_text())
    return stack, saved


def test_the_checked_in_client_matches_the_live_openapi(
    node_modules: None, stack: Stack, tmp_path: Path
) -> None:
    live = httpx.get(f"{stack.url()}/openapi.json", timeout=60).json()
    assert "x-strata-unavailable" not in live
    checked_in = (CLIENT / "openapi.json").read_text()
    assert checked_in == canonical(live), (
        "clients/typescript/openapi.json is out of date with the live OpenAPI: run `make client-ts`"
    )
    spec = tmp_path / "openapi.json"
    spec.write_text(checked_in)
    done = _run(
        "npx", "--no-install", "openapi-typescript", str(spec), "-o", str(tmp_path / "s.ts")
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "s.ts").read_text() == (CLIENT / "src" / "schema.d.ts").read_text(), (
        "clients/typescript/src/schema.d.ts is not what openapi-typescript generates: "
        "run `make client-ts`"
    )


def test_the_client_type_checks(node_modules: None) -> None:
    done = _run("npx", "--no-install", "tsc", "--noEmit", "-p", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_node_drives_the_stack_through_the_client(
    node_modules: None, demo_stack: tuple[Stack, dict[str, str]]
) -> None:
    stack, saved = demo_stack
    # Built inside the client's folder (dist/, ignored by git) so that its node_modules resolve.
    built = _run("npx", "--no-install", "tsc", "-p", ".")
    assert built.returncode == 0, built.stdout + built.stderr
    env = {**os.environ, "STRATA_BASE_URL": stack.url(), "STRATA_API_KEY": saved["admin_key"]}
    tests = sorted(str(p) for p in (CLIENT / "dist" / "test").glob("*.test.js"))
    assert tests
    done = _run("node", "--test", *tests, env=env)
    print(done.stdout)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
