"""Keep external raters' link tokens out of the logs.

The token is the whole credential of an external rater and it travels in the path, which
the request log records. Once the app has answered, this middleware replaces the token in
the request's path with `[redacted]`, so the request-context middleware (outside it)
logs the redacted path, and so does the handler of unexpected errors.
"""

from starlette.types import ASGIApp, Receive, Scope, Send

from strata_reviews.invitations.service import EXTERNAL_PREFIX

REDACTED = "[redacted]"
_PREFIX = EXTERNAL_PREFIX + "/"


def redact_path(path: str) -> str:
    """`/…/external/invitations/<token>/rest` → `/…/external/invitations/[redacted]/rest`."""
    if not path.startswith(_PREFIX):
        return path
    rest = path[len(_PREFIX) :]
    _token, slash, tail = rest.partition("/")
    return f"{_PREFIX}{REDACTED}{slash}{tail}"


class RedactLinkTokens:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(_PREFIX):
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            scope["path"] = redact_path(scope["path"])
            scope["raw_path"] = scope["path"].encode()
