from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from strata_kit.settings import KitSettings
from strata_kit.topology import local_url


class AnalyticsSettings(KitSettings):
    """Settings of the analytics service (environment prefix `ANALYTICS_`)."""

    model_config = SettingsConfigDict(env_prefix="ANALYTICS_", extra="ignore")

    service_name: ClassVar[str] = "analytics"
    port: int = 8004
    reviews_url: str = Field(
        default_factory=lambda: local_url("reviews"),
        description="The reviews service itself, for its private answers feed (not proxied "
        "by the gateway; default: derived from `REVIEWS_PORT`).",
    )

    def required_upstreams(self) -> dict[str, tuple[str, str]]:
        return {
            **super().required_upstreams(),
            "ANALYTICS_REVIEWS_URL": ("reviews", self.reviews_url),
        }
