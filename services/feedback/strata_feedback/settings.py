from pydantic_settings import SettingsConfigDict

from strata_kit.settings import KitSettings


class FeedbackSettings(KitSettings):
    """Settings of the feedback service (environment prefix `FEEDBACK_`)."""

    model_config = SettingsConfigDict(env_prefix="FEEDBACK_", extra="ignore")

    service_name: str = "feedback"
    port: int = 8003
