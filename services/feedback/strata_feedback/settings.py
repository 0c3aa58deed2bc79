from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from strata_kit.settings import KitSettings


class FeedbackSettings(KitSettings):
    """Settings of the feedback service (environment prefix `FEEDBACK_`)."""

    model_config = SettingsConfigDict(env_prefix="FEEDBACK_", extra="ignore")

    service_name: ClassVar[str] = "feedback"
    port: int = 8003
    upstream_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    upstream_read_timeout_seconds: float = Field(default=10.0, gt=0)
    preread_part_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Longest wait for one part of a pre-read; a slower part is listed as missing.",
    )
