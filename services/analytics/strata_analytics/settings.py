from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from strata_kit.settings import KitSettings


class AnalyticsSettings(KitSettings):
    """Settings of the analytics service (environment prefix `ANALYTICS_`)."""

    model_config = SettingsConfigDict(env_prefix="ANALYTICS_", extra="ignore")

    service_name: ClassVar[str] = "analytics"
    port: int = 8004
    reviews_url: str = Field(
        default="http://127.0.0.1:8002",
        description="The reviews service itself, for its private answers feed (not proxied "
        "by the gateway).",
    )
