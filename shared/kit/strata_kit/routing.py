"""Which methods a path has, decided by the path the request names (405 with a true `Allow`).

The router tries routes in order and takes the first whose path and method match. So
`PATCH /employees/bulk-upsert` was taken by `PATCH /employees/{employee_id}` and answered
422 ("not a UUID"), although the path is the bulk-upsert operation's, which only takes POST;
and a 405 named the methods of the first route with that path only.

`MethodGuard` (around every app's router) finds the route templates that match the path
and keeps the most specific ones: a literal segment beats a parameter, segment by segment
from the left (`/employees/bulk-upsert` beats `/employees/{employee_id}`, `/api/v1/keys`
beats the gateway's `/api/v1/{service}/{path:path}`). If none of them takes the method, the
answer is 405 with `Allow` listing exactly the methods they take; otherwise the router runs
as before. A path no route matches stays a 404, and a catch-all route (`{rest:path}`) that
takes the method is left to answer for itself (SCIM's answers its own 405s).
"""

import re
from collections import defaultdict
from dataclasses import dataclass

from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.routing import Router, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

_INDEX_DEPTH = 4


@dataclass(frozen=True)
class _Template:
    regex: re.Pattern[str]
    methods: frozenset[str]
    rank: tuple[int, ...]  # per segment: 0 literal, 1 parameter
    catch_all: bool  # a `{name:path}` parameter: the route answers the rest itself

    def matches(self, path: str, segments: int) -> bool:
        # A parameter other than `:path` never spans a "/", so a template matches only
        # paths of its own number of segments: counting first spares most regexes.
        return (self.catch_all or len(self.rank) == segments) and bool(self.regex.match(path))


def _segments(path: str) -> list[str]:
    return path.strip("/").split("/")


def _literal_prefix(path: str) -> tuple[str, ...]:
    out: list[str] = []
    for segment in _segments(path)[:_INDEX_DEPTH]:
        if "{" in segment:
            break
        out.append(segment)
    return tuple(out)


class RouteTable:
    """The route templates of a router, indexed by their leading literal segments."""

    def __init__(self, router: Router) -> None:
        grouped: dict[str, set[str]] = defaultdict(set)
        for context in iter_route_contexts(router.routes):
            path, methods = context.path, context.methods
            if path and methods:
                grouped[path] |= set(methods)
        self.size = len(router.routes)
        self._index: dict[tuple[str, ...], list[_Template]] = defaultdict(list)
        for path, methods in grouped.items():
            regex, _, _ = compile_path(path)
            rank = tuple(1 if "{" in s else 0 for s in _segments(path))
            template = _Template(regex, frozenset(methods), rank, ":path}" in path)
            self._index[_literal_prefix(path)].append(template)

    def allowed(self, path: str, method: str) -> frozenset[str] | None:
        """The methods of the most specific templates matching `path`; None if none does,
        or if a catch-all template matching it takes `method` (it answers for itself, as
        SCIM's does with its own 405)."""
        parts = _segments(path)
        count = len(parts)
        found: list[_Template] = []
        for length in range(min(count, _INDEX_DEPTH) + 1):
            for template in self._index.get(tuple(parts[:length]), ()):
                if template.matches(path, count):
                    found.append(template)
        if not found or any(t.catch_all and method in t.methods for t in found):
            return None
        best = min(t.rank for t in found)
        return frozenset().union(*(t.methods for t in found if t.rank == best))


class MethodGuard:
    """ASGI wrapper around a router: a method the path's own routes do not take is 405."""

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router
        self._table: RouteTable | None = None

    def table(self) -> RouteTable:
        if self._table is None or self._table.size != len(self.router.routes):
            self._table = RouteTable(self.router)
        return self._table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            root: str = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]
            allowed = self.table().allowed(path, scope["method"])
            if allowed is not None and scope["method"] not in allowed:
                raise HTTPException(405, headers={"Allow": ", ".join(sorted(allowed))})
        await self.app(scope, receive, send)
