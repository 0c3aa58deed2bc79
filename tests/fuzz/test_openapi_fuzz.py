"""Schemathesis against the gateway's merged `/openapi.json`, on a real stack.

Every operation of the document, authenticated with an admin key, gets generated requests
(schema-valid data: `positive` mode); each answer must be no 5xx, carry a documented status
and content type, and match the documented schema. The example count is bounded so the
suite stays within CI's budget: `STRATA_FUZZ_EXAMPLES` (default 6 per operation) raises it
for a deeper local run.
"""

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.stack import Stack
from tests.security.world import bearer, merged_spec

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("STRATA_FUZZ_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_stack(fuzz_sqlite_stack: Stack) -> Stack:
    """tests/fuzz/conftest.py's stack: rate limits out of the way, webhooks never sent."""
    return fuzz_sqlite_stack


@pytest.fixture(scope="module")
def admin_headers(fuzz_stack: Stack) -> dict[str, str]:
    tenant = fuzz_stack.create_tenant("Fuzz Ltd")
    return bearer(tenant["admin_key"]["secret"])


@pytest.fixture(scope="module")
def api_schema(fuzz_stack: Stack) -> schemathesis.schemas.BaseSchema:
    loaded = schemathesis.openapi.from_dict(merged_spec(fuzz_stack.url()))
    loaded.config.update(base_url=fuzz_stack.url())
    return loaded


def test_no_server_error_and_every_answer_is_documented(api_schema, admin_headers):
    # Schemathesis's own pytest integration (`from_fixture`) does not run on pytest 9; the
    # strategies it builds are driven with Hypothesis directly, one operation at a time.
    failures: list[str] = []
    operations = 0
    with requests.Session() as session:
        for result in api_schema.get_all_operations():
            operation = result.ok()
            operations += 1

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(
                    session=session, headers=admin_headers, checks=CHECKS, timeout=120
                )

            try:
                check()
            except (Exception, BaseExceptionGroup) as exc:  # every operation is tried
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:1500])
    assert operations > 100
    assert not failures, f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(failures)
