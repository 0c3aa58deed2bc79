"""Error responses declared on endpoints, so the OpenAPI document lists them."""

from strata_kit.problems import ProblemResponses

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


problems = ProblemResponses(always=(401, 422), descriptions=_DESCRIPTIONS, ordered=True)
"""`responses=` for an endpoint: every listed status answers problem details.
401 and 422 (identity and input parsing) apply to every data endpoint."""

UPSTREAM = (502, 503, 504)
