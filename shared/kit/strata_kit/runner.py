"""The command line of every application: `serve`, `migrate`, `revision`.

`python -m strata_goals serve` starts uvicorn with the app's settings;
`python -m strata_goals migrate` applies its Alembic revisions.
"""

import argparse
import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import uvicorn
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_kit import migrations
from strata_kit.db import bind_tenant, create_engine, create_sessionmaker
from strata_kit.settings import KitSettings

DemoLoader = Callable[[AsyncSession, uuid.UUID], Awaitable[bool]]
"""Loads demo data for a tenant through the service layer; False when already loaded."""


def run_cli(
    *,
    prog: str,
    app_factory: str,
    settings_factory: Callable[[], KitSettings],
    migrations_dir: Path,
    demo_loader: DemoLoader | None = None,
    argv: Sequence[str] | None = None,
) -> None:
    """Parse `argv` and run one command for the application."""
    parser = argparse.ArgumentParser(prog=prog)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the HTTP API")
    commands.add_parser("migrate", help="apply database migrations up to head")
    rev = commands.add_parser("revision", help="autogenerate a new migration from the models")
    rev.add_argument("-m", "--message", required=True)
    demo = commands.add_parser("load-demo", help="load the demo data set into a tenant, once")
    demo.add_argument("--tenant-id", required=True, type=uuid.UUID)
    args = parser.parse_args(argv)
    settings = settings_factory()
    if args.command == "serve":
        uvicorn.run(
            app_factory,
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            timeout_keep_alive=settings.keep_alive_seconds,
            log_config=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
        )
    elif args.command == "migrate":
        migrations.upgrade(migrations_dir, settings.resolved_database_url)
        print(f"{prog}: migrated {settings.service_name} to head")
    elif args.command == "load-demo":
        if demo_loader is None:
            print(f"{prog}: no demo data set")
            return
        loaded = asyncio.run(_load_demo(settings, demo_loader, args.tenant_id))
        print(f"{prog}: demo data {'loaded' if loaded else 'already present'}")
    else:
        migrations.revision(migrations_dir, settings.resolved_database_url, args.message)


async def _load_demo(settings: KitSettings, loader: DemoLoader, tenant_id: uuid.UUID) -> bool:
    engine = create_engine(settings.resolved_database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            bind_tenant(session, tenant_id)
            loaded = await loader(session, tenant_id)
            await session.commit()
            return loaded
    finally:
        await engine.dispose()
