import sys
from pathlib import Path

from strata_kit.runner import run_cli
from strata_reviews.demo import load_demo
from strata_reviews.settings import ReviewsSettings


def main() -> None:
    run_cli(
        prog="strata-reviews",
        app_factory="strata_reviews.main:create_app",
        settings_factory=ReviewsSettings,
        migrations_dir=Path(__file__).parent / "migrations",
        demo_loader=load_demo,
        argv=sys.argv[1:],
    )


if __name__ == "__main__":
    main()
