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

    ratings_cache_bytes: int = Field(
        default=192 << 20,
        ge=0,
        description="Byte budget of the ratings cache: the columns of closed campaigns and "
        "cycles and the reports computed from them, least recently used dropped first "
        "(0: no cache, every call reads its ratings; docs/performance.md).",
    )
    ratings_cache_idle_seconds: float = Field(
        default=120.0,
        gt=0,
        description="A cached scope unused this long is dropped and its memory returned.",
    )

    def required_upstreams(self) -> dict[str, tuple[str, str]]:
        return {
            **super().required_upstreams(),
            "ANALYTICS_REVIEWS_URL": ("reviews", self.reviews_url),
        }
