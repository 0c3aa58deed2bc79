"""What every router of the goals service shares: the path prefix, role gates, and the
error responses declared in the OpenAPI document."""

from typing import Annotated

from fastapi import Header

from strata_contracts.identity import Role
from strata_kit.identity import require_roles
from strata_kit.problems import ProblemResponses

PREFIX = "/api/v1/goals"

HR = require_roles(Role.HR, Role.ADMIN)
"""HR and admin: the whole tenant, configuration and exceptions."""
ORG_WRITE = require_roles(Role.HR, Role.ADMIN, Role.INTEGRATION)
"""Who may change the organisation: HR, admin, and the HRIS integration."""
RESULTS = require_roles(Role.HR, Role.ADMIN, Role.INTEGRATION)
"""Who may see results across the tenant (they show individual scores)."""

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag you read: the write is refused (412) if the resource changed since.",
    ),
]
"""Declares `If-Match` in the OpenAPI document; `strata_kit.concurrency.check_if_match`
reads it from the request."""

_DESCRIPTIONS = {
    400: "Bad request.",
    401: "No valid identity.",
    403: "The caller's role or reporting line does not allow this.",
    404: "No such object in the caller's tenant.",
    409: "The object's state does not allow this now.",
    412: "The object changed since it was read.",
    422: "Invalid input; `errors` names each bad field.",
}


errors = ProblemResponses(descriptions=_DESCRIPTIONS, fallback="Error.", problem_media_type=True)
"""OpenAPI `responses` for the problem-details answers a route can give."""
