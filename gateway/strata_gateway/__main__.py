import sys
from pathlib import Path

from strata_gateway.settings import GatewaySettings
from strata_kit.runner import run_cli


def main() -> None:
    run_cli(
        prog="strata-gateway",
        app_factory="strata_gateway.main:create_app",
        settings_factory=GatewaySettings,
        migrations_dir=Path(__file__).parent / "migrations",
        argv=sys.argv[1:],
    )


if __name__ == "__main__":
    main()
