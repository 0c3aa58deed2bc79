from pydantic_settings import SettingsConfigDict

from strata_kit.settings import KitSettings


class AnalyticsSettings(KitSettings):
    """Settings of the analytics service (environment prefix `ANALYTICS_`)."""

    model_config = SettingsConfigDict(env_prefix="ANALYTICS_", extra="ignore")

    service_name: str = "analytics"
    port: int = 8004
