"""Optimistic concurrency over HTTP: `ETag` on reads, `If-Match` on writes.

A tenant-owned row's ETag is its version counter (`"<version>"`). Endpoints that return one
resource call `set_etag(response, row)`; endpoints that change or delete one call
`check_if_match(request, row)` before changing it: a stale `If-Match` answers 412, a missing
one 428 when `STRATA_REQUIRE_IF_MATCH` is on. The version compare-and-swap on UPDATE closes
the race between that check and the write (see `TenantModel`).
"""

from fastapi import Request, Response

from strata_kit.db import TenantModel
from strata_kit.errors import PreconditionFailed, PreconditionRequired


def etag(row: TenantModel) -> str:
    return f'"{row.version}"'


def set_etag(response: Response, row: TenantModel) -> None:
    response.headers["ETag"] = etag(row)


def check_if_match(request: Request, row: TenantModel) -> None:
    """Refuse the write unless `If-Match` names the row's current ETag (or `*`)."""
    header = request.headers.get("if-match")
    if header is None:
        if request.app.state.settings.platform.require_if_match:
            raise PreconditionRequired(
                "Send If-Match with the ETag you read, so concurrent edits are not lost."
            )
        return
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" in candidates or etag(row) in candidates:
        return
    raise PreconditionFailed(
        f"The resource changed since you read it: current ETag is {etag(row)}.",
        current_etag=etag(row),
    )
