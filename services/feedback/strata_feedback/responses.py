"""Error responses declared on routes, so the OpenAPI shows each one as problem details."""

from strata_kit.problems import ProblemResponses

_DESCRIPTIONS = {
    403: "The caller's role or relation to the record does not allow this.",
    404: "No such resource that the caller can see (another tenant's ids included).",
    409: "Not allowed in the resource's current state (the body names state and action).",
    412: "If-Match does not match the current ETag.",
    422: "Invalid input; `errors` points at each bad field.",
    503: "A service this call needs could not be reached.",
    504: "A service this call needs did not answer in time.",
}


problems = ProblemResponses(always=(403, 422), descriptions=_DESCRIPTIONS, problem_media_type=True)
"""`responses=` for a route: each status as an RFC 9457 problem-details body."""
