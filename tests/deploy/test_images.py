"""deploy/docker/Dockerfile, read as Docker reads it, and its install step replayed.

No container engine runs on this machine (the docker CLI is there, the daemon is not), so the
images themselves are not built here. What a build would do is covered in two ways:
- the Dockerfile is parsed into stages and instructions and checked (pinned base image, the
  Makefile's uv version, every workspace member copied, sources allowed by the
  Dockerfile's .dockerignore, a non-root numeric user, the healthcheck, the entrypoint);
- each image's virtual environment is built with the Dockerfile's own `uv sync` command
  (read from the file, `${APP}` filled in) into a fresh folder, and used the way the image
  uses it: the application alone is installed, its migrations run, `serve` answers, and
  the image's healthcheck script says healthy; the migrate image's `strata migrate` builds
  every database.
"""

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
DOCKERIGNORE = ROOT / "deploy" / "docker" / "Dockerfile.dockerignore"
HEALTHCHECK = ROOT / "deploy" / "docker" / "healthcheck.py"
APPS = ("gateway", "goals", "reviews", "feedback", "analytics")
IN_CI = os.environ.get("CI", "").lower() == "true"


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def parse(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARGs (before the first FROM) and the stages, continuation lines joined."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = rest.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else str(len(stages))
            stages.append(Stage(parts[0], name))
        elif not stages:
            if keyword == "ARG":
                key, _, value = rest.partition("=")
                args[key] = value
        else:
            stages[-1].instructions.append((keyword, rest.strip()))
    return args, stages


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], dict[str, Stage], list[Stage]]:
    args, stages = parse(DOCKERFILE.read_text())
    return args, {s.name: s for s in stages}, stages


def test_the_base_image_is_pinned(dockerfile):
    args, _, stages = dockerfile
    image = args["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", image), image
    names = set()
    for stage in stages:
        assert stage.base == "${PYTHON_IMAGE}" or stage.base in names, stage.base
        names.add(stage.name)


def test_the_stages_and_the_default_target(dockerfile):
    _, stages, ordered = dockerfile
    assert {"uv", "build", "build-all", "runtime", "migrate", "app"} <= set(stages)
    assert ordered[-1].name == "app"  # `docker build` without --target builds an application
    assert stages["build"].base == "uv"
    assert stages["build-all"].base == "uv"
    assert stages["migrate"].base == "runtime"
    assert stages["app"].base == "runtime"


def test_uv_is_the_makefiles_version(dockerfile):
    _, stages, _ = dockerfile
    makefile = (ROOT / "Makefile").read_text()
    wanted = re.search(r"^UV_VERSION := (\S+)$", makefile, re.M)
    assert wanted
    (arg,) = stages["uv"].all("ARG")
    assert arg == f"UV_VERSION={wanted.group(1)}"


def test_every_workspace_member_is_copied(dockerfile):
    _, stages, _ = dockerfile
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"][
        "members"
    ]
    copies = stages["uv"].all("COPY")
    for member in members:
        assert f"{member}/pyproject.toml {member}/" in copies, member
    for stage in ("build", "build-all"):
        sources = [c.split()[0] for c in stages[stage].all("COPY")]
        for member in members:
            assert any(f"{member}/".startswith(source) for source in sources), (stage, member)


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent folders wins;
    `!` re-includes; `**` is any number of folders, `*` and `?` stay within one."""

    def regex(pattern: str) -> re.Pattern[str]:
        out, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out, i = out + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                out, i = out + ".*", i + 2
            elif pattern[i] == "*":
                out, i = out + "[^/]*", i + 1
            elif pattern[i] == "?":
                out, i = out + "[^/]", i + 1
            else:
                out, i = out + re.escape(pattern[i]), i + 1
        return re.compile(out)

    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        compiled = regex(pattern.lstrip("!").strip("/"))
        if any(compiled.fullmatch(c) for c in candidates):
            excluded = not negate
    return excluded


def test_the_ignore_rules_behave_like_dockers():
    rules = ["**", "!src/", "**/tests/"]
    assert dockerignored("README.md", rules)
    assert not dockerignored("src/app/main.py", rules)
    assert dockerignored("src/app/tests/test_x.py", rules)
    assert dockerignored("tests/test_x.py", rules)


def test_what_the_build_copies_exists_and_is_sent(dockerfile):
    _, _, stages = dockerfile
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def sent(path: str) -> bool:
        return not dockerignored(path, patterns)

    for stage in stages:
        for copy in stage.all("COPY"):
            if copy.startswith("--from="):
                continue
            *sources, _ = copy.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                sample = (
                    source
                    if (ROOT / source).is_file()
                    else next(
                        str(p.relative_to(ROOT))
                        for p in sorted((ROOT / source).rglob("*.py"))
                        if "tests" not in p.parts
                    )
                )
                assert sent(sample), f"{sample} is excluded from the build context"
    for private in (
        ".venv/bin/python",
        "var/data/goals.db",
        ".git/config",
        "services/goals/tests/conftest.py",
        "deploy/.env",
    ):
        assert not sent(private), private


def test_the_images_run_as_a_user_and_check_their_health(dockerfile):
    _, stages, _ = dockerfile
    for name in ("migrate", "app"):
        (user,) = stages[name].all("USER")
        uid, _, gid = user.partition(":")
        assert uid.isdigit(), name  # numeric: Kubernetes' runAsNonRoot can verify it
        assert int(uid) >= 1000, name
        assert gid.isdigit(), name
        assert int(gid) >= 1000, name
    runtime = " ".join(stages["runtime"].all("RUN"))
    assert "--uid 10001" in runtime
    app = stages["app"]
    (healthcheck,) = app.all("HEALTHCHECK")
    assert healthcheck.endswith('CMD ["python", "/app/healthcheck.py"]')
    assert f"{HEALTHCHECK.relative_to(ROOT)} /app/healthcheck.py" in app.all("COPY")
    (entrypoint,) = app.all("ENTRYPOINT")
    assert 'python -m \\"strata_${STRATA_APP}\\"' in entrypoint
    assert app.all("CMD") == ['["serve"]']
    env = " ".join(app.all("ENV"))
    for name in APPS:
        assert f"{name.upper()}_HOST=0.0.0.0" in env
        assert f"{name.upper()}_PORT=8000" in env
    assert app.all("EXPOSE") == ["8000"]
    assert stages["migrate"].all("ENTRYPOINT") == ['["strata"]']
    assert stages["migrate"].all("CMD") == ['["migrate"]']


def test_the_app_argument_is_checked_against_the_applications(dockerfile):
    _, stages, _ = dockerfile
    check = stages["build"].all("RUN")[0]
    accepted = re.search(r'case "\$\{APP\}" in ([a-z|]+)\)', check)
    assert accepted
    assert set(accepted.group(1).split("|")) == set(APPS)


# --- the install step, replayed -----------------------------------------------------------


def sync_commands(stage: Stage) -> list[list[str]]:
    """The stage's `uv sync` commands, in order (dependencies, then Strata's packages)."""
    commands = []
    for run in stage.all("RUN"):
        if "uv sync" not in run:
            continue
        command = shlex.split(run[run.index("uv sync") :])
        assert "--frozen" in command
        assert "--no-dev" in command
        assert "--no-editable" in command
        commands.append(command)
    # The last one installs the sources, bypassing the cache (a stale built wheel would
    # otherwise hide changes: uv keys local packages on their pyproject.toml).
    assert "--no-cache" in commands[-1]
    assert "--no-install-workspace" in commands[0]
    return commands


def uv() -> str:
    found = ROOT / ".tools" / "bin" / "uv"
    if found.is_file():
        return str(found)
    which = shutil.which("uv")
    if which:
        return which
    if IN_CI:
        pytest.fail("no uv (make install puts it in .tools/bin)")
    pytest.skip("no uv (make install puts it in .tools/bin)")
    raise AssertionError


def build_environment(tmp_path: Path, commands: list[list[str]], app: str = "") -> Path:
    venv = tmp_path / "venv"
    env = {
        k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
    }
    env.update(UV_PROJECT_ENVIRONMENT=str(venv), UV_PYTHON_DOWNLOADS="never")
    for command in commands:
        argv = [uv(), *command[1:], "--python", sys.executable]
        argv = [part.replace("${APP}", app) for part in argv]
        done = subprocess.run(
            argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, done.stderr[-3000:]
    return venv


def app_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(tuple(f"{a.upper()}_" for a in APPS)) and k != "VIRTUAL_ENV"
    }
    env["STRATA_DATA_DIR"] = str(tmp_path / "data")
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PROBE = """
import importlib, importlib.util, json, sys
app = sys.argv[1]
importlib.import_module(f"strata_{app}.__main__")  # the image's entry point
application = importlib.import_module(f"strata_{app}.main").create_app()
present = sorted(m for m in sys.argv[2:] if importlib.util.find_spec(m))
print(json.dumps({"present": present, "file": sys.modules[f"strata_{app}"].__file__,
                  "routes": len(application.routes)}))
"""


@pytest.mark.parametrize("app", APPS)
def test_each_image_environment_holds_its_application_alone(app, dockerfile, tmp_path):
    _, stages, _ = dockerfile
    venv = build_environment(tmp_path, sync_commands(stages["build"]), app)
    modules = [f"strata_{a}" for a in APPS] + ["strata_kit", "strata_contracts", "pytest"]
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", PROBE, app, *modules],
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.splitlines()[-1])
    # Its dependencies are complete (the app builds), and no other application is there.
    assert found["present"] == sorted([f"strata_{app}", "strata_contracts", "strata_kit"])
    assert found["routes"] > 0
    # Installed into the environment, not linked to the checkout: the image has no sources.
    assert found["file"].startswith(str(venv))


def test_the_gateway_image_environment_serves_and_passes_its_healthcheck(dockerfile, tmp_path):
    _, stages, _ = dockerfile
    venv = build_environment(tmp_path, sync_commands(stages["build"]), "gateway")
    python = str(venv / "bin" / "python")
    env = app_env(tmp_path)
    env.update(GATEWAY_PORT=str(free_port()), STRATA_APP="gateway")
    check = [python, str(HEALTHCHECK)]
    assert subprocess.run(check, env=env, capture_output=True, check=False).returncode == 1
    # The image's ENTRYPOINT and CMD, as /bin/sh runs them.
    (entrypoint,) = stages["app"].all("ENTRYPOINT")
    argv = [*json.loads(entrypoint), *json.loads(stages["app"].all("CMD")[0])]
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        for _ in range(480):
            if subprocess.run(check, env=env, capture_output=True, check=False).returncode == 0:
                break
            assert server.poll() is None, f"the gateway exited with {server.returncode}"
            time.sleep(0.25)
        else:
            raise AssertionError("the gateway never became healthy")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    # `exec` in the entrypoint: the shell became the server, so SIGTERM reached and stopped
    # it (a shell left in between would have died alone, leaving the server answering).
    assert server.returncode in (0, -signal.SIGTERM)
    assert subprocess.run(check, env=env, capture_output=True, check=False).returncode == 1

    # The operator CLI is in the gateway image: `kubectl exec deploy/gateway -- strata tenant
    # create` (docs/operations.md) works with the gateway's database alone.
    for command in (
        [python, "-m", "strata_gateway", "migrate"],
        [str(venv / "bin" / "strata"), "tenant", "create", "Acme"],
    ):
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr[-3000:]
    assert '"admin_key"' in done.stdout


def test_the_migrate_image_environment_migrates_every_database(dockerfile, tmp_path):
    _, stages, _ = dockerfile
    venv = build_environment(tmp_path, sync_commands(stages["build-all"]))
    env = app_env(tmp_path)
    done = subprocess.run(
        [str(venv / "bin" / "strata"), "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in (tmp_path / "data").glob("*.db")) == sorted(
        f"{a}.db" for a in APPS
    )
