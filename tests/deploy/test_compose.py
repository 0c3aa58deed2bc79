"""deploy/compose.yaml: valid for Compose, one database per application, the migrations a
one-shot service every application waits for, the gateway alone published, no secret in it;
and its PostgreSQL init script, run for real, gives each application its own role and
database that `strata migrate` can migrate.

`docker compose config` validates the file when a Compose client is installed; this machine
has the docker CLI without the compose plugin, so the file is also checked against the
Compose Specification's JSON schema (shipped by check-jsonschema) on every run.
"""

import asyncio
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from sqlalchemy.engine import make_url

from strata_kit.testing import POSTGRES_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
APPS = ("gateway", "goals", "reviews", "feedback", "analytics")
SECRET_NAMES = re.compile(r"SECRET|PASSWORD|DATABASE_URL|JWT_KEY|REDIS_URL|TOKEN")
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
REQUIRED = ["STRATA_INTERNAL_TOKEN_SECRET", "POSTGRES_PASSWORD"] + [
    f"{app.upper()}_DB_PASSWORD" for app in APPS
]
MIGRATED = ("gateway", "analytics")
TEST_ENV = {name: f"test-{name.lower()}-{uuid.uuid4().hex}" for name in REQUIRED}


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}`, as `docker compose` does."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        current = env.get(name)
        if op in (":?", "?") and not current:
            raise KeyError(f"{name}: {arg}")
        if op in (":-", "-") and not current:
            return arg or ""
        return current or ""

    return INTERPOLATION.sub(substitute, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())  # type: ignore[no-any-return]


def environment(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in service.get("environment", {}).items()}


def compose_client() -> bool:
    try:
        done = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
        )
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def test_docker_compose_config_accepts_it(tmp_path):
    if not compose_client():
        pytest.skip("no `docker compose` here; the schema test below validates the file")
    empty = tmp_path / "empty.env"  # not deploy/.env, which an operator may have
    empty.write_text("")
    command = ["docker", "compose", "-f", str(COMPOSE), "--env-file", str(empty), "config", "-q"]
    done = subprocess.run(
        command, env={**os.environ, **TEST_ENV}, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    bare = {k: v for k, v in os.environ.items() if k not in TEST_ENV}
    refused = subprocess.run(command, env=bare, capture_output=True, text=True, check=False)
    assert refused.returncode != 0
    assert "set it in deploy/.env" in refused.stderr


def compose_schema() -> dict[str, Any]:
    vendored = files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    return json.loads(vendored.read_text())  # type: ignore[no-any-return]


def test_the_file_follows_the_compose_specification(compose):
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []
    # The schema is strict enough to notice a mistake.
    broken = copy.deepcopy(compose)
    broken["services"]["gateway"]["depends_onn"] = broken["services"]["gateway"].pop("depends_on")
    assert any(validator.iter_errors(broken))


def test_the_services(compose):
    assert set(compose["services"]) == {"postgres", "migrate", *APPS}


def test_one_database_and_one_role_per_application(compose):
    services = compose["services"]
    seen = set()
    for app in APPS:
        raw = environment(services[app])[f"{app.upper()}_DATABASE_URL"]
        url = make_url(interpolate(raw, TEST_ENV))
        assert url.drivername == "postgresql+asyncpg", app
        assert url.host == "postgres", app
        assert url.database == f"strata_{app}", app
        assert url.username == url.database, app
        assert url.password == TEST_ENV[f"{app.upper()}_DB_PASSWORD"], app
        seen.add(url.database)
        # The migrations run against the very same databases.
        assert environment(services["migrate"])[f"{app.upper()}_DATABASE_URL"] == raw
    assert len(seen) == len(APPS)
    # The init script gets every password it needs to create those roles.
    postgres = environment(services["postgres"])
    assert {f"{app.upper()}_DB_PASSWORD" for app in APPS} <= set(postgres)
    mounts = services["postgres"]["volumes"]
    assert "./postgres/initdb:/docker-entrypoint-initdb.d:ro" in mounts
    assert (DEPLOY / "postgres" / "initdb" / "10-strata-databases.sh").is_file()


def test_migrations_run_once_before_every_application(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["command"] == ["migrate"]
    assert migrate["build"]["target"] == "migrate"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert "healthcheck" in services["postgres"]
    for app in APPS:
        assert services[app]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }, app


def test_only_the_gateway_is_published(compose):
    services = compose["services"]
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"gateway"}
    (port,) = services["gateway"]["ports"]
    host, _, container = interpolate(port, {}).rpartition(":")
    assert (host, container) == ("8000", "8000")


def test_each_application_image_is_built_for_it_and_pinned(compose):
    for name, service in compose["services"].items():
        image = interpolate(service["image"], {})
        repository, _, tag = image.rpartition(":")
        assert repository, f"{name}: {image} has no tag"
        assert tag not in {"", "latest"}, f"{name}: {image}"
        if name in APPS:
            assert repository == f"strata-{name}"
            assert service["build"]["args"] == {"APP": name}
            assert "target" not in service["build"]  # the Dockerfile's default: `app`
        if "build" in service:
            context = (DEPLOY / service["build"]["context"]).resolve()
            assert context == ROOT
            assert (context / service["build"]["dockerfile"]).is_file()
    assert re.fullmatch(r"postgres:\d+\.\d+-\w+", compose["services"]["postgres"]["image"])


def test_no_secret_is_written_in_the_file(compose):
    required_here = set()
    for name, service in compose["services"].items():
        for variable, value in environment(service).items():
            required_here |= {m["name"] for m in INTERPOLATION.finditer(value) if m["op"] == ":?"}
            if not SECRET_NAMES.search(variable):
                continue
            literal = INTERPOLATION.sub("", value)
            # What remains is the URL's frame; a password would sit between ':' and '@'.
            assert not re.search(r":[^/:@]+@", literal), f"{name}: {variable}"
            assert INTERPOLATION.search(value), f"{name}: {variable} is not read from the env"
            assert interpolate(value, TEST_ENV) != interpolate(
                value, {**TEST_ENV, **{k: v + "-changed" for k, v in TEST_ENV.items()}}
            ), f"{name}: {variable} does not depend on a secret"
    assert required_here == set(REQUIRED)
    # Every secret compose insists on is in env.example, empty, for operators to fill in.
    example = dict(
        line.split("=", 1)
        for line in (DEPLOY / "env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert set(example) == set(REQUIRED)
    assert all(value == "" for value in example.values())
    with pytest.raises(KeyError, match="STRATA_INTERNAL_TOKEN_SECRET"):
        interpolate(environment(compose["services"]["gateway"])["STRATA_INTERNAL_TOKEN_SECRET"], {})


def test_the_env_file_is_never_committed():
    done = subprocess.run(["git", "check-ignore", "--quiet", "deploy/.env"], cwd=ROOT, check=False)
    assert done.returncode == 0


@pytest.mark.postgres
def test_the_init_script_gives_each_application_its_own_database(postgres_available, tmp_path):
    """Run deploy/postgres/initdb for real, then migrations as the roles it made."""
    if not postgres_available:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("no psql client")
    import asyncpg

    admin = make_url(POSTGRES_ADMIN_URL)
    prefix = f"strata_ci{uuid.uuid4().hex[:8]}_"
    passwords = {app: uuid.uuid4().hex for app in APPS}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PG")},
        "PGHOST": admin.host or "127.0.0.1",
        "PGPORT": str(admin.port or 5432),
        "POSTGRES_USER": admin.username or "postgres",
        "POSTGRES_DB": admin.database or "postgres",
        "STRATA_DB_PREFIX": prefix,
        **{f"{app.upper()}_DB_PASSWORD": pw for app, pw in passwords.items()},
    }
    if admin.password:
        env["PGPASSWORD"] = admin.password

    def url(app: str, database: str | None = None, driver: str = "postgresql") -> str:
        return str(
            admin.set(
                drivername=driver,
                username=f"{prefix}{app}",
                password=passwords[app],
                database=database or f"{prefix}{app}",
            ).render_as_string(hide_password=False)
        )

    async def admin_execute(*statements: str) -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    try:
        script = DEPLOY / "postgres" / "initdb" / "10-strata-databases.sh"
        done = subprocess.run(
            ["sh", str(script)], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        missing = subprocess.run(
            ["sh", str(script)],
            env={k: v for k, v in env.items() if k != "GOALS_DB_PASSWORD"},
            capture_output=True,
            text=True,
            check=False,
        )
        assert missing.returncode != 0
        assert "GOALS_DB_PASSWORD is not set" in missing.stderr

        async def check_access() -> None:
            for app in APPS:
                conn = await asyncpg.connect(url(app))
                try:
                    assert await conn.fetchval("SELECT current_database()") == f"{prefix}{app}"
                finally:
                    await conn.close()
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await asyncpg.connect(url("goals", database=f"{prefix}gateway"))

        asyncio.run(check_access())

        migrate_env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(tuple(f"{a.upper()}_" for a in APPS))
        }
        migrate_env.update(
            STRATA_DATA_DIR=str(tmp_path),
            **{
                f"{app.upper()}_DATABASE_URL": url(app, driver="postgresql+asyncpg") for app in APPS
            },
        )
        # Each role can create its schema: two applications' migrations, run as their roles
        # (the others' roles were made by the same statements; the images test runs the
        # whole `strata migrate`).
        migrated = [
            subprocess.Popen(
                [sys.executable, "-m", f"strata_{app}", "migrate"],
                env=migrate_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for app in MIGRATED
        ]
        for process in migrated:
            out, _ = process.communicate(timeout=300)
            assert process.returncode == 0, out.decode()[-3000:]

        async def tables_owned_by_roles() -> None:
            for app in MIGRATED:
                conn = await asyncpg.connect(url(app))
                try:
                    owners = await conn.fetch(
                        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
                    )
                    assert [r["tableowner"] for r in owners] == [f"{prefix}{app}"], app
                finally:
                    await conn.close()

        asyncio.run(tables_owned_by_roles())
    finally:
        asyncio.run(
            admin_execute(
                *(f'DROP DATABASE IF EXISTS "{prefix}{app}" WITH (FORCE)' for app in APPS),
                *(f'DROP ROLE IF EXISTS "{prefix}{app}"' for app in APPS),
            )
        )


def test_every_service_is_told_where_it_calls(compose):
    # Services call each other through the gateway; analytics also pulls closed campaigns'
    # answers straight from reviews (a private feed the gateway does not proxy).
    services = compose["services"]
    for app in ("goals", "reviews", "feedback", "analytics"):
        assert services[app]["environment"][f"{app.upper()}_GATEWAY_URL"] == "http://gateway:8000"
    assert services["analytics"]["environment"]["ANALYTICS_REVIEWS_URL"] == "http://reviews:8000"


def test_every_pool_fits_in_the_one_postgresql_server(compose):
    # All five applications share one server: their pools at their fullest (pool plus
    # overflow) must fit in its max_connections, less the superuser reserve and a
    # connection each for the migrations and an operator's psql.
    from strata_kit.settings import KitSettings

    fields = KitSettings.model_fields
    default_size = fields["database_pool_size"].default
    default_overflow = fields["database_pool_overflow"].default
    services = compose["services"]
    command = services["postgres"].get("command", [])
    settings = dict(arg.split("=", 1) for arg in command if "=" in arg)
    max_connections = int(settings.get("max_connections", 100))
    reserved = int(settings.get("superuser_reserved_connections", 3))
    opened = {}
    for app in APPS:
        env = environment(services[app])
        size = int(env.get(f"{app.upper()}_DATABASE_POOL_SIZE", default_size))
        overflow = env.get(f"{app.upper()}_DATABASE_POOL_OVERFLOW", default_overflow)
        opened[app] = size + (size if overflow is None else int(overflow))
    assert sum(opened.values()) + 2 <= max_connections - reserved, opened
