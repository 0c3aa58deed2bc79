from strata_kit.errors import AppError, Conflict, NotFound


class InvitationNotFound(NotFound):
    title = "Invitation not found"
    slug = "invitation-not-found"


class InvitationFinished(Conflict):
    """Submitted or declined: the invitation is read-only."""

    title = "Invitation already finished"
    slug = "invitation-finished"


class NotExternal(Conflict):
    title = "Not an external invitation"
    slug = "invitation-not-external"


class LinkInvalid(NotFound):
    title = "Unknown invitation link"
    slug = "invitation-link-invalid"


class LinkGone(AppError):
    """The link was used, revoked by a newer one, or has expired."""

    status = 410
    title = "Invitation link no longer valid"
    slug = "invitation-link-gone"
