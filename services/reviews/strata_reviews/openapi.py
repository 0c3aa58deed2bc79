"""Error responses declared on endpoints, so the OpenAPI document lists them."""

from typing import Any

from strata_contracts.problem import Problem

_DESCRIPTIONS = {
    400: "Bad request (problem details).",
    401: "No valid identity (problem details).",
    403: "The caller may not do this (problem details).",
    404: "Unknown here, or another tenant's (problem details).",
    409: "Conflicts with the current state (problem details).",
    410: "No longer usable (problem details).",
    412: "If-Match does not name the current ETag (problem details).",
    422: "Invalid input; `errors` points at each bad field (problem details).",
    428: "If-Match is required here (problem details).",
    502: "The organisation service answered an error (problem details).",
    503: "The organisation service cannot be reached (problem details).",
    504: "The organisation service did not answer in time (problem details).",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for an endpoint: every listed status answers problem details.
    401 and 422 (identity and input parsing) apply to every data endpoint."""
    wanted = sorted({401, 422, *statuses})
    return {s: {"model": Problem, "description": _DESCRIPTIONS[s]} for s in wanted}


UPSTREAM = (502, 503, 504)
