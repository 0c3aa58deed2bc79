from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from strata_kit.settings import KitSettings


class GoalsSettings(KitSettings):
    """Settings of the goals service (environment prefix `GOALS_`)."""

    model_config = SettingsConfigDict(env_prefix="GOALS_", extra="ignore")

    service_name: ClassVar[str] = "goals"
    port: int = 8001
