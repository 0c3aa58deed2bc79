"""`strata`: the operator's command line.

    strata migrate                      apply every database's migrations (gateway + services)
    strata tenant create NAME [--language zh-CN]
                                        a tenant and its first admin key (printed once, JSON);
                                        --language: its default language (en, the default,
                                        or zh-CN), used when a request sends no Accept-Language
    strata tenant list
    strata key create --tenant ID --name N --role hr [--role manager] [--employee-id ID]
    strata key list --tenant ID
    strata key revoke KEY_ID
    strata demo                         the demo tenant (once) with every service's demo data

It works on the gateway's database directly (settings from `GATEWAY_*` / `STRATA_*`), and
runs each service's own command for what belongs to a service. Settings not in the
environment are read from the local env file `make` writes, `var/strata.env` in the current
directory (another file: `STRATA_ENV_FILE=path`; none: `STRATA_ENV_FILE=`). Commands that
answer JSON print only the JSON on stdout; log lines go to stderr.
"""

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, get_args

from dotenv import dotenv_values
from pydantic import BaseModel, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.gateway import ApiKeyCreate, Language, TenantCreated
from strata_contracts.identity import Role
from strata_gateway.access.service import access_service
from strata_gateway.settings import SERVICES, GatewaySettings
from strata_kit import migrations
from strata_kit.db import allow_cross_tenant, bind_tenant, create_engine, create_sessionmaker
from strata_kit.logging import configure_logging

T = TypeVar("T")
DEMO_TENANT = "Demo Manufacturing Ltd"
MIGRATIONS = Path(__file__).parent / "migrations"
ENV_FILE_VARIABLE = "STRATA_ENV_FILE"
DEFAULT_ENV_FILE = Path("var/strata.env")


def load_env_file(environ: dict[str, str] | None = None) -> Path | None:
    """Fill the environment from the local env file (`STRATA_ENV_FILE`, by default
    `var/strata.env` in the current directory), as `make run` does for the processes it
    starts; a variable already set wins. Returns the file read, or None."""
    env = os.environ if environ is None else environ
    path = Path(env.get(ENV_FILE_VARIABLE, str(DEFAULT_ENV_FILE)))
    if not str(path) or str(path) == "." or not path.is_file():
        return None
    for name, value in dotenv_values(path).items():
        if value is not None:
            env.setdefault(name, value)
    return path


async def _in_session(
    settings: GatewaySettings,
    work: Callable[[AsyncSession], Awaitable[T]],
    tenant: uuid.UUID | None,
) -> T:
    engine = create_engine(settings.resolved_database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            if tenant is None:
                allow_cross_tenant(session)
            else:
                bind_tenant(session, tenant)
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def _run(
    settings: GatewaySettings,
    work: Callable[[AsyncSession], Awaitable[T]],
    tenant: uuid.UUID | None = None,
) -> T:
    return asyncio.run(_in_session(settings, work, tenant))


def _print(value: BaseModel | list[Any]) -> None:
    if isinstance(value, list):
        print(json.dumps([v.model_dump(mode="json") for v in value], indent=2))
    else:
        print(value.model_dump_json(indent=2))


def _each_service(*args: str) -> None:
    """Run `python -m strata_<service> ARGS` for every service, concurrently (each
    service's code runs in its own process: the gateway never imports a service)."""
    running = [
        (service, subprocess.Popen([sys.executable, "-m", f"strata_{service}", *args]))  # noqa: S603
        for service in SERVICES
    ]
    failed = [service for service, process in running if process.wait() != 0]
    if failed:
        raise SystemExit(f"strata: {' '.join(args)} failed for: {', '.join(failed)}")


def migrate_all() -> None:
    """The gateway's migrations, then each service's."""
    settings = GatewaySettings()
    migrations.upgrade(MIGRATIONS, settings.resolved_database_url)
    print("strata: migrated gateway to head")
    _each_service("migrate")


def demo(settings: GatewaySettings) -> dict[str, Any]:
    """Create the demo tenant once (its admin key kept in the data directory for
    development) and load every service's demo data into it."""
    record = settings.platform.data_dir / "demo.json"
    if record.exists():
        saved: dict[str, Any] = json.loads(record.read_text())
    else:
        created = _run(settings, lambda s: access_service.create_tenant(s, DEMO_TENANT))
        saved = {"tenant_id": str(created.tenant.id), "admin_key": created.admin_key.secret}
        record.parent.mkdir(parents=True, exist_ok=True)
        record.touch(mode=0o600)
        record.write_text(json.dumps(saved, indent=2))
    for service in SERVICES:
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                f"strata_{service}",
                "load-demo",
                "--tenant-id",
                saved["tenant_id"],
            ],
            check=True,
        )
    return saved


def build_parser() -> argparse.ArgumentParser:
    """The commands and their arguments, as the module's docstring lists them."""
    parser = argparse.ArgumentParser(
        prog="strata", description=__doc__.splitlines()[0] if __doc__ else None
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply every database's migrations")

    tenant = commands.add_parser("tenant", help="manage tenants").add_subparsers(
        dest="action", required=True
    )
    tenant_create = tenant.add_parser("create", help="create a tenant and its first admin key")
    tenant_create.add_argument("name")
    tenant_create.add_argument(
        "--language",
        choices=get_args(Language),
        default="en",
        help="the tenant's default language, used when a request sends no Accept-Language "
        "(problem titles, the default 360 template, HTML reports); an admin changes it "
        "later with PATCH /api/v1/tenant",
    )
    tenant.add_parser("list", help="list tenants")

    key = commands.add_parser("key", help="manage API keys").add_subparsers(
        dest="action", required=True
    )
    key_create = key.add_parser("create", help="create an API key (printed once)")
    key_create.add_argument("--tenant", required=True, type=uuid.UUID)
    key_create.add_argument("--name", required=True)
    key_create.add_argument(
        "--role", required=True, action="append", choices=[r.value for r in Role]
    )
    key_create.add_argument("--employee-id", type=uuid.UUID)
    key_list = key.add_parser("list", help="list a tenant's keys")
    key_list.add_argument("--tenant", required=True, type=uuid.UUID)
    key_revoke = key.add_parser("revoke", help="revoke a key")
    key_revoke.add_argument("key_id", type=uuid.UUID)
    key_revoke.add_argument("--tenant", required=True, type=uuid.UUID)

    demo_cmd = commands.add_parser("demo", help="create the demo tenant once and load demo data")
    demo_cmd.add_argument("--quiet", action="store_true")
    return parser


def load_settings() -> GatewaySettings:
    """The gateway's settings from the environment and the local env file, or an exit
    that names what is missing and where it looked."""
    env_file = load_env_file()
    try:
        return GatewaySettings()
    except ValidationError as exc:
        prefix = "STRATA_" if exc.title == "PlatformSettings" else "GATEWAY_"
        missing = ", ".join(
            prefix + "_".join(str(part) for part in e["loc"]).upper() for e in exc.errors()
        )
        where = f"{env_file}" if env_file else f"{DEFAULT_ENV_FILE} (not found)"
        raise SystemExit(
            f"strata: settings incomplete ({missing}); read the environment and {where}. "
            "Run `make migrate` in the repository (it writes var/strata.env), run strata "
            f"from the repository's directory, or set {ENV_FILE_VARIABLE}."
        ) from None


def _migrate(settings: GatewaySettings, args: argparse.Namespace) -> None:
    migrate_all()


def _tenant_create(settings: GatewaySettings, args: argparse.Namespace) -> None:
    created: TenantCreated = _run(
        settings, lambda s: access_service.create_tenant(s, args.name, args.language)
    )
    _print(created)


def _tenant_list(settings: GatewaySettings, args: argparse.Namespace) -> None:
    _print(_run(settings, access_service.list_tenants))


def _key_create(settings: GatewaySettings, args: argparse.Namespace) -> None:
    body = ApiKeyCreate(
        name=args.name, roles=[Role(r) for r in args.role], employee_id=args.employee_id
    )
    _print(_run(settings, lambda s: access_service.create_key(s, args.tenant, body), args.tenant))


def _key_list(settings: GatewaySettings, args: argparse.Namespace) -> None:
    _print(_run(settings, access_service.list_all_keys, args.tenant))


def _key_revoke(settings: GatewaySettings, args: argparse.Namespace) -> None:
    _print(_run(settings, lambda s: access_service.revoke_key(s, args.key_id), args.tenant))


def _demo(settings: GatewaySettings, args: argparse.Namespace) -> None:
    saved = demo(settings)
    if not args.quiet:
        base = f"http://{settings.host}:{settings.port}"
        print(
            f"\nStrata: docs at {base}/docs\n"
            f"Demo tenant {saved['tenant_id']}\n"
            f"Demo admin key (development only): {saved['admin_key']}\n"
            f'Try: curl -H "Authorization: Bearer {saved["admin_key"]}" '
            f"{base}/api/v1/goals/me\n"
        )


Command = Callable[[GatewaySettings, argparse.Namespace], None]

COMMANDS: dict[tuple[str, str | None], Command] = {
    ("migrate", None): _migrate,
    ("tenant", "create"): _tenant_create,
    ("tenant", "list"): _tenant_list,
    ("key", "create"): _key_create,
    ("key", "list"): _key_list,
    ("key", "revoke"): _key_revoke,
    ("demo", None): _demo,
}
"""What each (command, action) runs; the parser admits no other pair."""


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    configure_logging(service="strata", json=False)  # on stderr: stdout is for the JSON
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per revision otherwise
    settings = load_settings()
    COMMANDS[(args.command, getattr(args, "action", None))](settings, args)


if __name__ == "__main__":
    main()
