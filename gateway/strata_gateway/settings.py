from typing import Annotated, ClassVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from strata_kit.settings import KitSettings
from strata_kit.topology import local_url

SERVICES = ("goals", "reviews", "feedback", "analytics")


class GatewaySettings(KitSettings):
    """Settings of the gateway (environment prefix `GATEWAY_`)."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: ClassVar[str] = "gateway"
    port: int = 8000

    goals_url: str = Field(
        default_factory=lambda: local_url("goals"),
        description="Base URL of the goals service (default: derived from `GOALS_PORT`).",
    )
    reviews_url: str = Field(
        default_factory=lambda: local_url("reviews"),
        description="Base URL of the reviews service (default: derived from `REVIEWS_PORT`).",
    )
    feedback_url: str = Field(
        default_factory=lambda: local_url("feedback"),
        description="Base URL of the feedback service (default: derived from `FEEDBACK_PORT`).",
    )
    analytics_url: str = Field(
        default_factory=lambda: local_url("analytics"),
        description="Base URL of the analytics service (default: derived from `ANALYTICS_PORT`).",
    )
    connect_timeout_seconds: float = Field(default=2.0, gt=0)
    read_timeout_seconds: float = Field(
        default=15.0, gt=0, description="An upstream slower than this answers 504."
    )
    upstream_pool_size: int = Field(default=100, ge=1)

    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Larger bodies get 413.")
    rate_limit_per_minute: int = Field(default=1200, ge=1, description="Sustained rate per key.")
    rate_limit_burst: int = Field(default=200, ge=1, description="Requests allowed at once.")
    rate_limit_redis_url: SecretStr | None = Field(
        default=None,
        description="Redis holding the rate-limit buckets, shared by every gateway replica "
        "(`redis://[:password@]host:6379/0`); unset: buckets in this process.",
    )
    rate_limit_redis_timeout_seconds: float = Field(
        default=0.5,
        gt=0,
        description="A Redis slower than this counts as down: the limit falls back to this "
        "process's own bucket until Redis answers again.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated origins allowed by CORS."
    )
    api_key_cache_seconds: float = Field(
        default=5.0, ge=0, description="How long a verified key is trusted without a lookup."
    )
    idempotency_ttl_seconds: int = Field(
        default=86_400, ge=60, description="How long an Idempotency-Key is remembered."
    )
    webhook_retry_schedule: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [
            5.0,
            30.0,
            120.0,
            600.0,
            1800.0,
            3600.0,
            7200.0,
            14400.0,
            28800.0,
            43200.0,
        ],
        description="Seconds between webhook attempts (comma-separated); then it is failed.",
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_allow_private_urls: bool = Field(
        default=False, description="Allow webhook URLs on loopback/private addresses."
    )
    webhook_dispatch: bool = Field(default=True, description="Run the webhook dispatcher here.")
    public_prefixes: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["/api/v1/reviews/external/"],
        description="Paths served without a key (external raters' token links).",
    )

    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_key: SecretStr | None = Field(
        default=None, description="HMAC secret or PEM public key verifying portal JWTs."
    )
    jwt_algorithms: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["RS256"])
    jwt_tenant_claim: str = "tenant_id"
    jwt_roles_claim: str = "roles"
    jwt_employee_claim: str = "employee_id"

    @field_validator(
        "cors_origins", "public_prefixes", "jwt_algorithms", "webhook_retry_schedule", mode="before"
    )
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def required_upstreams(self) -> dict[str, tuple[str, str]]:
        return {
            f"GATEWAY_{name.upper()}_URL": (name, url) for name, url in self.upstreams().items()
        }

    def upstreams(self) -> dict[str, str]:
        return {
            "goals": self.goals_url,
            "reviews": self.reviews_url,
            "feedback": self.feedback_url,
            "analytics": self.analytics_url,
        }
