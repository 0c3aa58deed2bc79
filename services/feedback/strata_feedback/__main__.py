import sys
from pathlib import Path

from strata_feedback.demo import load_demo
from strata_feedback.settings import FeedbackSettings
from strata_kit.runner import run_cli


def main() -> None:
    run_cli(
        prog="strata-feedback",
        app_factory="strata_feedback.main:create_app",
        settings_factory=FeedbackSettings,
        migrations_dir=Path(__file__).parent / "migrations",
        demo_loader=load_demo,
        argv=sys.argv[1:],
    )


if __name__ == "__main__":
    main()
