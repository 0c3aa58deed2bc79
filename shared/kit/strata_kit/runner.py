"""The command line of every application: `serve`, `migrate`, `revision`.

`python -m strata_goals serve` starts uvicorn with the app's settings;
`python -m strata_goals migrate` applies its Alembic revisions.
"""

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

import uvicorn

from strata_kit import migrations
from strata_kit.settings import KitSettings


def run_cli(
    *,
    prog: str,
    app_factory: str,
    settings_factory: Callable[[], KitSettings],
    migrations_dir: Path,
    argv: Sequence[str] | None = None,
) -> None:
    """Parse `argv` and run one command for the application."""
    parser = argparse.ArgumentParser(prog=prog)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the HTTP API")
    commands.add_parser("migrate", help="apply database migrations up to head")
    rev = commands.add_parser("revision", help="autogenerate a new migration from the models")
    rev.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    settings = settings_factory()
    if args.command == "serve":
        uvicorn.run(
            app_factory,
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_config=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
        )
    elif args.command == "migrate":
        migrations.upgrade(migrations_dir, settings.resolved_database_url)
        print(f"{prog}: migrated {settings.service_name} to head")
    else:
        migrations.revision(migrations_dir, settings.resolved_database_url, args.message)
