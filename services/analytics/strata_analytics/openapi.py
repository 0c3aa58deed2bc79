"""Error responses declared on analytics routes, so the OpenAPI document lists them: every
route answers 401 and 403 as problem details, and names the rest (`errors(404, 422)`)."""

from strata_kit.problems import ProblemResponses

errors = ProblemResponses(always=(401, 403))
