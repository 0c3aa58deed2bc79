import sys
from pathlib import Path

from strata_analytics.demo import load_demo
from strata_analytics.settings import AnalyticsSettings
from strata_kit.runner import run_cli


def main() -> None:
    run_cli(
        prog="strata-analytics",
        app_factory="strata_analytics.main:create_app",
        settings_factory=AnalyticsSettings,
        migrations_dir=Path(__file__).parent / "migrations",
        demo_loader=load_demo,
        argv=sys.argv[1:],
    )


if __name__ == "__main__":
    main()
