import sys
from pathlib import Path

from strata_goals.demo import load_demo
from strata_goals.settings import GoalsSettings
from strata_kit.runner import run_cli


def main() -> None:
    run_cli(
        prog="strata-goals",
        app_factory="strata_goals.main:create_app",
        settings_factory=GoalsSettings,
        migrations_dir=Path(__file__).parent / "migrations",
        demo_loader=load_demo,
        argv=sys.argv[1:],
    )


if __name__ == "__main__":
    main()
