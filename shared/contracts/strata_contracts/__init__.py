"""Strata's wire contracts: every payload that crosses a process boundary, and typed async clients.

Depends on pydantic and httpx only, so integrators can install it as Strata's Python client.
"""

from strata_contracts.client import ApiError, ServiceClient, ServiceUnavailable
from strata_contracts.events import EventEnvelope
from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem, Problem

__all__ = [
    "ApiError",
    "EventEnvelope",
    "FieldProblem",
    "IdentityClaims",
    "Page",
    "Problem",
    "Role",
    "ServiceClient",
    "ServiceUnavailable",
]
