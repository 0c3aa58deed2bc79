"""Errors of the SCIM domain, each with the status and `scimType` of RFC 7644 §3.12.

They subclass scim2-models' exceptions, which carry both and render as SCIM's error message
(`urn:ietf:params:scim:api:messages:2.0:Error`). The SCIM router turns these, and the kit's
`AppError`s raised by the organisation service below it, into that message (see
`endpoints.ScimRoute`); nothing here reaches the kit's problem-details handler.
"""

from scim2_models import (
    InvalidFilterException,
    InvalidSyntaxException,
    InvalidValueException,
    MutabilityException,
    NotFoundException,
    NotImplementedException,
    PreconditionFailedException,
    SCIMException,
    UniquenessException,
)

__all__ = [
    "BodyNotJson",
    "EnterpriseUnitMissing",
    "GroupDeletionNotSupported",
    "GroupNameTaken",
    "GroupNotFound",
    "InvalidFilter",
    "InvalidQuery",
    "InvalidUserValue",
    "MethodNotAllowed",
    "MutabilityException",
    "UnknownEndpoint",
    "UserNameTaken",
    "UserNotFound",
    "VersionMismatch",
]


class InvalidFilter(InvalidFilterException):
    """A `filter` that does not parse, or names an attribute or operator we cannot apply."""


class InvalidQuery(InvalidValueException):
    """A bad `startIndex`, `count`, `sortBy`, `sortOrder` or `attributes` parameter."""


class InvalidUserValue(InvalidValueException):
    """A value Strata cannot store (not an e-mail address, an unknown manager, ...)."""


class BodyNotJson(InvalidSyntaxException):
    """The request body is not a JSON object."""


class UserNotFound(NotFoundException):
    """No user (employee) with this id in the caller's tenant."""


class GroupNotFound(NotFoundException):
    """No group (org unit) with this id in the caller's tenant."""


class UnknownEndpoint(NotFoundException):
    """A path under /scim/v2 that names no SCIM endpoint."""


class MethodNotAllowed(SCIMException):
    """A SCIM endpoint that does not answer this method."""

    status = 405
    _default_detail = "This SCIM endpoint does not answer this method."

    def __init__(self, *, detail: str | None = None, allow: str = "") -> None:
        super().__init__(detail=detail)
        self.allow = allow
        """The methods the endpoint answers (the 405's `Allow` header)."""


class UserNameTaken(UniquenessException):
    """Another employee of the tenant already has this userName (e-mail address)."""


class GroupNameTaken(UniquenessException):
    """Another org unit of the tenant already has this displayName."""


class VersionMismatch(PreconditionFailedException):
    """`If-Match` names a version the resource no longer has."""


class EnterpriseUnitMissing(InvalidValueException):
    """The tenant has no enterprise (root) org unit yet, so nobody can be placed."""


class GroupDeletionNotSupported(NotImplementedException):
    """Org units are never deleted: KPIs, plans and placement history hang on them."""
