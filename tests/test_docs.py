"""Documentation that must stay true: every setting is in docs/configuration.md."""

from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from strata_analytics.settings import AnalyticsSettings
from strata_feedback.settings import FeedbackSettings
from strata_gateway.settings import GatewaySettings
from strata_goals.settings import GoalsSettings
from strata_kit.settings import KitSettings, PlatformSettings
from strata_reviews.settings import ReviewsSettings

ROOT = Path(__file__).resolve().parents[1]
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text()


def _variables(cls: type[BaseSettings]) -> list[str]:
    prefix = cls.model_config.get("env_prefix", "")
    return [f"{prefix}{name}".upper() for name in cls.model_fields if name != "platform"]


@pytest.mark.parametrize(
    "settings",
    [GatewaySettings, GoalsSettings, ReviewsSettings, FeedbackSettings, AnalyticsSettings],
)
def test_every_application_setting_is_documented(settings):
    common = set(KitSettings.model_fields)
    for name in settings.model_fields:
        if name == "platform":
            continue
        if name in common:
            assert f"`<APP>_{name.upper()}`" in CONFIGURATION, name
        else:
            prefix = settings.model_config["env_prefix"]
            assert f"`{prefix}{name.upper()}`" in CONFIGURATION, f"{prefix}{name.upper()}"


def test_every_installation_setting_is_documented():
    for variable in _variables(PlatformSettings):
        assert f"`{variable}`" in CONFIGURATION, variable


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first_screen = readme[:1500]
    assert "make run" in first_screen
    assert "make test" in first_screen
