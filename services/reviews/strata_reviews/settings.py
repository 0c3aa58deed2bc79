from datetime import timedelta
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from strata_kit.settings import KitSettings


class ReviewsSettings(KitSettings):
    """Settings of the reviews service (environment prefix `REVIEWS_`)."""

    model_config = SettingsConfigDict(env_prefix="REVIEWS_", extra="ignore")

    service_name: ClassVar[str] = "reviews"
    port: int = 8002
    external_link_ttl_hours: int = Field(
        default=14 * 24,
        ge=1,
        le=90 * 24,
        description="How long an external rater's link works (never past the campaign's close).",
    )

    @property
    def external_link_ttl(self) -> timedelta:
        return timedelta(hours=self.external_link_ttl_hours)
