"""The operator CLI as the README shows it: run from the repository's directory after
`make migrate`, with nothing sourced, stdout carrying only JSON (piped to `jq`)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

STRATA = Path(sys.executable).with_name("strata")


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone after `make install`: `var/strata.env` with the secret (as the Makefile
    writes it), then the README's `strata migrate` from that directory."""
    root = tmp_path_factory.mktemp("clone")
    (root / "var").mkdir()
    env_file = root / "var" / "strata.env"
    env_file.write_text(f"STRATA_INTERNAL_TOKEN_SECRET={secrets.token_urlsafe(48)}\n")
    env_file.chmod(0o600)
    migrated = strata(root, "migrate")  # as the README writes it: nothing sourced
    assert migrated.returncode == 0, migrated.stderr
    return root


def clean_env() -> dict[str, str]:
    """The environment of a new shell: nothing of Strata's set."""
    prefixes = ("STRATA_", "GATEWAY_", "GOALS_", "REVIEWS_", "FEEDBACK_", "ANALYTICS_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def strata(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [STRATA, *args], cwd=root, env=clean_env(), capture_output=True, text=True, timeout=600
    )


def test_readme_commands_work_as_written_and_print_only_json(checkout):
    created = strata(checkout, "tenant", "create", "Northwind Ltd")
    assert created.returncode == 0, created.stderr
    tenant = json.loads(created.stdout)  # the whole of stdout is the JSON
    assert tenant["tenant"]["name"] == "Northwind Ltd"
    assert tenant["admin_key"]["secret"].startswith("strata_")
    assert "tenant.created" in created.stderr  # the log line, on stderr
    tenant_id = tenant["tenant"]["id"]

    key = strata(
        checkout,
        *("key", "create", "--tenant", tenant_id, "--name", "HRIS sync", "--role", "integration"),
    )
    assert key.returncode == 0, key.stderr
    key_id = json.loads(key.stdout)["id"]

    listed = strata(checkout, "key", "list", "--tenant", tenant_id)
    assert listed.returncode == 0, listed.stderr
    assert key_id in {k["id"] for k in json.loads(listed.stdout)}

    revoked = strata(checkout, "key", "revoke", key_id, "--tenant", tenant_id)
    assert revoked.returncode == 0, revoked.stderr
    assert json.loads(revoked.stdout)["id"] == key_id

    tenants = strata(checkout, "tenant", "list")
    assert tenant_id in {t["id"] for t in json.loads(tenants.stdout)}


def test_the_output_pipes_into_jq(checkout):
    done = subprocess.run(  # noqa: S602 - the README's own pipe
        f"{STRATA} tenant create x | jq -e .tenant.id",
        shell=True,
        cwd=checkout,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode == 127:
        pytest.skip("jq is not installed")
    assert done.returncode == 0, done.stderr


def test_another_env_file_is_named_with_strata_env_file(checkout, tmp_path):
    elsewhere = tmp_path / "ops.env"
    elsewhere.write_text((checkout / "var" / "strata.env").read_text())
    env = {
        **clean_env(),
        "STRATA_ENV_FILE": str(elsewhere),
        "STRATA_DATA_DIR": str(checkout / "var" / "data"),
    }
    done = subprocess.run(
        [STRATA, "tenant", "list"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)


def test_without_an_env_file_it_says_what_is_missing_and_where_it_looked(tmp_path):
    done = strata(tmp_path, "tenant", "list")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "STRATA_INTERNAL_TOKEN_SECRET" in done.stderr
    assert "var/strata.env" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_tenant_created_with_a_language_has_it_and_a_bad_one_is_refused(checkout):
    created = strata(checkout, "tenant", "create", "Huaxia Ltd", "--language", "zh-CN")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["tenant"]["default_language"] == "zh-CN"
    plain = strata(checkout, "tenant", "create", "Plain Ltd")
    assert json.loads(plain.stdout)["tenant"]["default_language"] == "en"
    listed = {
        t["name"]: t["default_language"]
        for t in json.loads(strata(checkout, "tenant", "list").stdout)
    }
    assert listed["Huaxia Ltd"] == "zh-CN"
    refused = strata(checkout, "tenant", "create", "Bad Ltd", "--language", "fr")
    assert refused.returncode == 2
    assert "--language" in refused.stderr
    names = {t["name"] for t in json.loads(strata(checkout, "tenant", "list").stdout)}
    assert "Bad Ltd" not in names
