"""Settings every Strata application shares; each app subclasses with its own env prefix.

`GoalsSettings(KitSettings)` with `env_prefix="GOALS_"` reads `GOALS_PORT`,
`GOALS_DATABASE_URL`, ... . What all processes must agree on (the internal token
secret) lives in `PlatformSettings` under the `STRATA_` prefix.
"""

from enum import StrEnum
from pathlib import Path
from typing import ClassVar, Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from strata_kit.topology import local_url

_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "dev", "development", "test"}
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class PlatformSettings(BaseSettings):
    """Settings shared by every process of one installation (`STRATA_` prefix)."""

    model_config = SettingsConfigDict(env_prefix="STRATA_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    internal_token_secret: SecretStr = Field(
        description="HMAC key of the internal identity token; the same on every process."
    )
    internal_token_ttl_seconds: int = Field(default=60, ge=5, le=3600)
    data_dir: Path = Field(default=Path("var/data"), description="Where SQLite files live.")
    require_if_match: bool = Field(
        default=False, description="Updates and deletes without `If-Match` answer 428."
    )

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Self:
        secret = self.internal_token_secret.get_secret_value()
        if self.environment is not Environment.DEVELOPMENT and (
            secret.lower() in _PLACEHOLDERS or len(secret) < MIN_SECRET_LENGTH
        ):
            raise ValueError(
                "STRATA_INTERNAL_TOKEN_SECRET must be a random value of at least "
                f"{MIN_SECRET_LENGTH} characters outside development"
            )
        return self


class KitSettings(BaseSettings):
    """Per-application settings. Subclasses set `env_prefix` and `service_name`."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: ClassVar[str] = "strata"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default SQLite file `<data_dir>/<service>.db`.",
    )
    database_pool_size: int = Field(
        default=32,
        ge=1,
        description="Connections kept open (PostgreSQL): sized for 32 concurrent requests, "
        "so a busy worker does not open and close overflow connections.",
    )
    database_pool_overflow: int | None = Field(
        default=None,
        ge=0,
        description="Extra connections opened beyond the pool under a burst and closed after "
        "use; unset: as many as `database_pool_size`.",
    )
    database_ssl: Literal["disable", "prefer", "require", "verify-ca", "verify-full"] | None = (
        Field(
            default=None,
            description="TLS to PostgreSQL (asyncpg `ssl`). Unset: none to a server on this "
            "host (localhost, 127.0.0.1, ::1, a socket), asyncpg's `prefer` elsewhere; an "
            "`ssl`/`sslmode` in the URL wins.",
        )
    )
    database_pool_pre_ping: bool = Field(
        default=False,
        description="Ping each pooled connection before use (PostgreSQL; three round trips).",
    )
    database_echo: bool = False
    log_level: str = "INFO"
    opentelemetry: bool = Field(
        default=False,
        description="FastAPI's native OpenTelemetry spans and metrics (global providers).",
    )
    metrics: bool = Field(
        default=True,
        description="Serve Prometheus metrics at /metrics on this process's own port.",
    )
    log_json: bool | None = Field(
        default=None, description="JSON log lines; default on in production, off otherwise."
    )
    workers: int = Field(default=1, ge=1, description="uvicorn worker processes.")
    keep_alive_seconds: int = Field(
        default=20,
        ge=1,
        description="How long an idle keep-alive connection stays open; keep it above the "
        "idle timeout of whatever pools connections to this process (the gateway's pool "
        "keeps them 10 s; a load balancer in front of the gateway often 60 s).",
    )
    event_relay: bool = Field(
        default=True, description="Run the outbox relay in this process (services only)."
    )
    event_consumer: bool = Field(
        default=True, description="Run this service's event consumer, if it has one."
    )
    job_runner: bool = Field(default=True, description="Run queued jobs in this process.")
    job_max_attempts: int = Field(
        default=5, ge=1, description="Attempts of a job that raises before it is `dead`."
    )
    job_retry_base_seconds: float = Field(
        default=5.0, gt=0, description="Pause before a failed job's first retry; doubles each time."
    )
    job_retry_max_seconds: float = Field(
        default=300.0, gt=0, description="Longest pause between two attempts of a job."
    )
    upstream_check: bool = Field(
        default=True,
        description="At start-up, check in the background that every process this one "
        "calls answers at its URL setting (logs `upstream.unreachable` naming the setting).",
    )
    gateway_url: str = Field(
        default_factory=lambda: local_url("gateway"),
        description="Where this process reaches other services: always through the gateway "
        "(default: derived from `GATEWAY_PORT`).",
    )
    platform: PlatformSettings = Field(default_factory=lambda: PlatformSettings())

    def required_upstreams(self) -> dict[str, tuple[str, str]]:
        """What this process calls: setting name -> (the service expected there, its URL).
        Checked at start-up (`strata_kit.upstreams`)."""
        prefix = str(self.model_config.get("env_prefix", "")).upper()
        return {f"{prefix}GATEWAY_URL": ("gateway", self.gateway_url)}

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.platform.data_dir / (self.service_name + '.db')}"

    @property
    def json_logs(self) -> bool:
        if self.log_json is not None:
            return self.log_json
        return self.platform.environment is Environment.PRODUCTION
