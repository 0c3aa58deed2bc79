"""Log lines: JSON when asked, secrets redacted."""

import pytest

from strata_kit.logging import get_logger

log = get_logger("kittest.logging")


class TestRedaction:
    @pytest.mark.parametrize("key", ["authorization", "token", "api_key", "secret", "password"])
    def test_a_secret_key_is_redacted(self, json_logs, key):
        logs = json_logs()
        log.info("login.attempt", user="ada", **{key: "s3cr3t-value"})
        [line] = logs.events("login.attempt")
        assert line[key] == "[redacted]"
        assert line["user"] == "ada"
        assert "s3cr3t-value" not in logs.raw

    @pytest.mark.parametrize(
        "key", ["Authorization", "identity_token", "client_secret", "db_password", "API_KEY"]
    )
    def test_a_key_naming_a_secret_in_another_form_is_redacted(self, json_logs, key):
        logs = json_logs()
        log.info("upstream.call", **{key: "s3cr3t-value"})
        [line] = logs.events("upstream.call")
        assert line[key] == "[redacted]"
        assert "s3cr3t-value" not in logs.raw

    def test_secrets_inside_a_logged_mapping_are_redacted(self, json_logs):
        logs = json_logs()
        log.info(
            "upstream.call",
            headers={
                "Authorization": "Bearer s3cr3t-value",
                "X-Strata-Identity": "s3cr3t-value",
                "Accept": "application/json",
            },
        )
        [line] = logs.events("upstream.call")
        assert line["headers"] == {
            "Authorization": "[redacted]",
            "X-Strata-Identity": "[redacted]",
            "Accept": "application/json",
        }
        assert "s3cr3t-value" not in logs.raw

    def test_ordinary_fields_are_kept(self, json_logs):
        logs = json_logs()
        log.info("plan.signed", plan_id="p-1", token_count=3)
        [line] = logs.events("plan.signed")
        assert (line["plan_id"], line["token_count"]) == ("p-1", 3)
        assert (line["service"], line["level"], line["logger"]) == (
            "kittest",
            "info",
            "kittest.logging",
        )


class TestCaptureInTests:
    """A logger that already wrote a line still reaches `capture_logs` in the test
    environment, so a test capturing logs does not depend on what ran before it."""

    async def test_a_logger_used_before_the_capture_is_captured(self, app_factory, settings):
        from structlog.testing import capture_logs

        app_factory(settings)  # configures logging
        log = get_logger("strata.test.capture")
        log.warning("before.capture")  # the first line: a cached logger would freeze here
        app_factory(settings)  # another app in the same process configures it again
        with capture_logs() as captured:
            log.warning("inside.capture")
        assert [e["event"] for e in captured] == ["inside.capture"]
