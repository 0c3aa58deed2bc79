"""Settings: env prefixes, the default database, and the secret refused outside development."""

import pytest
from kittest_service import KitTestSettings
from pydantic import ValidationError

from strata_kit import migrations

STRONG_SECRET = "kQ3v9ZpX2mR7tW1yB6nC8dF4gH0jL5sA"  # 32 random characters


@pytest.fixture
def environment(monkeypatch):
    """Set the installation's environment and secret (`None` removes the secret)."""

    def set_(name: str, secret: str | None) -> None:
        monkeypatch.setenv("STRATA_ENVIRONMENT", name)
        if secret is None:
            monkeypatch.delenv("STRATA_INTERNAL_TOKEN_SECRET", raising=False)
        else:
            monkeypatch.setenv("STRATA_INTERNAL_TOKEN_SECRET", secret)

    return set_


class TestInternalTokenSecret:
    @pytest.mark.parametrize(
        ("name", "secret"),
        [
            ("production", "changeme"),
            ("production", "secret"),
            ("production", STRONG_SECRET[:-1]),
            ("test", "dev"),
        ],
    )
    def test_a_weak_secret_is_refused_outside_development(self, environment, name, secret):
        environment(name, secret)
        with pytest.raises(ValidationError, match="STRATA_INTERNAL_TOKEN_SECRET"):
            KitTestSettings()

    @pytest.mark.parametrize("name", ["development", "production"])
    def test_a_missing_secret_is_refused(self, environment, name):
        environment(name, None)
        with pytest.raises(ValidationError, match="internal_token_secret"):
            KitTestSettings()

    def test_a_strong_secret_is_accepted_in_production(self, environment):
        environment("production", STRONG_SECRET)
        settings = KitTestSettings()
        assert settings.platform.internal_token_secret.get_secret_value() == STRONG_SECRET
        assert STRONG_SECRET not in repr(settings)

    def test_a_short_secret_is_accepted_in_development(self, environment):
        environment("development", "dev")
        assert KitTestSettings().platform.internal_token_secret.get_secret_value() == "dev"


class TestDatabaseUrl:
    def test_the_default_is_a_sqlite_file_named_after_the_service(self, monkeypatch, tmp_path):
        monkeypatch.setenv("STRATA_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.delenv("KITTEST_DATABASE_URL", raising=False)
        settings = KitTestSettings()
        assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path}/data/kittest.db"

    def test_migrating_the_default_database_creates_its_file(
        self, monkeypatch, tmp_path, service_migrations
    ):
        monkeypatch.setenv("STRATA_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.delenv("KITTEST_DATABASE_URL", raising=False)
        migrations.upgrade(service_migrations, KitTestSettings().resolved_database_url)
        assert (tmp_path / "data" / "kittest.db").is_file()

    def test_the_services_own_variable_wins(self, monkeypatch, tmp_path):
        url = f"sqlite+aiosqlite:///{tmp_path}/elsewhere.db"
        monkeypatch.setenv("KITTEST_DATABASE_URL", url)
        assert KitTestSettings().resolved_database_url == url


class TestEnvironmentPrefix:
    def test_a_bad_value_is_refused(self, monkeypatch):
        monkeypatch.setenv("KITTEST_PORT", "eighty")
        with pytest.raises(ValidationError, match="port"):
            KitTestSettings()

    def test_the_services_prefix_is_read(self, monkeypatch):
        monkeypatch.setenv("KITTEST_PORT", "9123")
        monkeypatch.setenv("KITTEST_LOG_LEVEL", "DEBUG")
        settings = KitTestSettings()
        assert (settings.port, settings.log_level) == (9123, "DEBUG")

    def test_other_services_and_unprefixed_variables_are_ignored(self, monkeypatch):
        monkeypatch.setenv("GOALS_PORT", "9001")
        monkeypatch.setenv("PORT", "9002")
        monkeypatch.delenv("KITTEST_PORT", raising=False)
        assert KitTestSettings().port == 8099

    def test_the_service_name_is_not_an_environment_setting(self, monkeypatch):
        monkeypatch.setenv("KITTEST_SERVICE_NAME", "goals")
        assert KitTestSettings().service_name == "kittest"


class TestLogFormat:
    def test_production_logs_json_by_default(self, environment):
        environment("production", STRONG_SECRET)
        assert KitTestSettings().json_logs is True

    def test_development_logs_text_unless_asked(self, environment, monkeypatch):
        environment("development", "dev")
        assert KitTestSettings().json_logs is False
        monkeypatch.setenv("KITTEST_LOG_JSON", "true")
        assert KitTestSettings().json_logs is True


class TestOpenTelemetry:
    """FastAPI's native telemetry looks up the global OpenTelemetry providers on every
    request; it is on only when `<APP>_OPENTELEMETRY` asks for it."""

    @pytest.fixture
    def lookups(self, monkeypatch) -> list[str]:
        from opentelemetry import trace

        calls: list[str] = []
        real = trace.get_tracer_provider

        def counting() -> trace.TracerProvider:
            calls.append("tracer")
            return real()

        monkeypatch.setattr(trace, "get_tracer_provider", counting)
        return calls

    @pytest.mark.parametrize(("enabled", "expected"), [(False, 0), (True, 3)])
    async def test_providers_are_looked_up_per_request_only_when_enabled(
        self, monkeypatch, lookups, enabled, expected
    ):
        import httpx
        from kittest_service import create_app

        monkeypatch.setenv("KITTEST_OPENTELEMETRY", str(enabled).lower())
        app = create_app(KitTestSettings())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
            for _ in range(3):
                await client.get("/healthz")
        assert len(lookups) == expected
