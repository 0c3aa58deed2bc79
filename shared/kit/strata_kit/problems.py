"""The error answers a route declares in its OpenAPI `responses=`, written once.

Every error leaves a service as RFC 9457 problem details (`strata_kit.errors`); this module
only documents them. A service makes one `ProblemResponses` with its wording and the
statuses every route can answer, and each route names the rest::

    errors = ProblemResponses(always=(401, 403), descriptions={404: "No such object."})

    @router.get("/things/{id}", responses=errors(404))
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from strata_contracts.problem import PROBLEM_MEDIA_TYPE, Problem

Responses = dict[int | str, dict[str, Any]]


@dataclass(frozen=True)
class ProblemResponses:
    """`responses=` for a route: each status answers a `Problem` body.

    - `always`: the statuses every route of the service declares (listed first).
    - `descriptions`: the service's wording per status; a status it does not word takes
      `fallback`, or, with no fallback, FastAPI's standard phrase ("Not Found"). A status
      with neither, when `descriptions` is given and `fallback` is None, is a mistake in
      the route and raises `KeyError` at import. A status worded `None` takes the standard
      phrase on purpose.
    - `problem_media_type`: also list `application/problem+json` as the body's media type.
    - `ordered`: the statuses in ascending order rather than as named.
    """

    always: tuple[int, ...] = ()
    descriptions: Mapping[int, str | None] | None = None
    fallback: str | None = None
    problem_media_type: bool = False
    ordered: bool = False

    def __call__(self, *statuses: int) -> Responses:
        wanted = list(dict.fromkeys((*self.always, *statuses)))
        if self.ordered:
            wanted.sort()
        return {status: self.response(status) for status in wanted}

    def response(self, status: int) -> dict[str, Any]:
        """One status's entry."""
        entry: dict[str, Any] = {"model": Problem}
        if self.descriptions is not None:
            if self.fallback is None:
                text = self.descriptions[status]
            else:
                text = self.descriptions.get(status, self.fallback)
            if text is not None:
                entry["description"] = text
        if self.problem_media_type:
            entry["content"] = {PROBLEM_MEDIA_TYPE: {}}
        return entry
