from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from strata_kit.settings import KitSettings


class ReviewsSettings(KitSettings):
    """Settings of the reviews service (environment prefix `REVIEWS_`)."""

    model_config = SettingsConfigDict(env_prefix="REVIEWS_", extra="ignore")

    service_name: ClassVar[str] = "reviews"
    port: int = 8002
