"""Drive one scenario with wrk (a C load generator, Lua-scripted) and read its statistics.

Each scenario becomes a Lua script from `bench/lua/` (a fixed request, or a list of one-shot
requests split between wrk's threads) followed by `report.lua`, whose `done()` prints wrk's
own latency percentiles as a JSON line.
"""

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LUA = Path(__file__).parent / "lua"
THREADS = 2  # the machine's cores; wrk's threads each drive connections / THREADS sockets


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("bench: wrk is not installed (make bench installs it with apt-get)")
    return found


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string literal for our content


@dataclass
class Scenario:
    name: str
    title: str
    url: str
    method: str = "GET"
    path: str = "/"
    headers: dict[str, str] | None = None
    body: str | None = None
    rotate: list[tuple[str, str]] | None = None  # (path, bearer token), each used once

    def script(self, workdir: Path) -> Path:
        body = "nil" if self.body is None else _lua_string(self.body)
        if self.rotate is not None:
            listing = workdir / f"{self.name}.tsv"
            listing.write_text("".join(f"{p}\t{t}\n" for p, t in self.rotate))
            text = (
                (LUA / "rotate.lua")
                .read_text()
                .replace("{{list}}", str(listing))
                .replace("{{threads}}", str(THREADS))
                .replace("{{method}}", self.method)
                .replace("{{body}}", body)
            )
        else:
            headers = "\n".join(
                f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}"
                for k, v in (self.headers or {}).items()
            )
            text = (
                (LUA / "fixed.lua")
                .read_text()
                .replace("{{method}}", self.method)
                .replace("{{path}}", self.path)
                .replace("{{body}}", body)
                .replace("{{headers}}", headers)
            )
        script = workdir / f"{self.name}.lua"
        script.write_text(text + "\n" + (LUA / "report.lua").read_text())
        return script


def run(scenario: Scenario, *, connections: int, seconds: int, timeout: int = 30) -> dict[str, Any]:
    """Run wrk for `seconds` with `connections` open; return requests/s and percentiles (ms)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = scenario.script(Path(tmp))
        done = subprocess.run(  # noqa: S603 (our own arguments)
            [
                wrk_binary(),
                f"-t{min(THREADS, connections)}",
                f"-c{connections}",
                f"-d{seconds}s",
                f"--timeout={timeout}s",
                "-s",
                str(script),
                scenario.url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + timeout + 120,
            check=True,
        )
    line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    seconds_run = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in raw if k.startswith("errors_"))
    return {
        "requests": raw["requests"],
        "seconds": round(seconds_run, 2),
        "rps": round(raw["requests"] / seconds_run, 1) if seconds_run else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "errors": errors,
        "non_2xx": raw["errors_status"],
        "timeouts": raw["errors_timeout"],
    }
