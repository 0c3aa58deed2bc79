from strata_kit.errors import Conflict


class AlreadySubmitted(Conflict):
    """A response is submitted once; after that it is read-only."""

    title = "Response already submitted"
    slug = "response-already-submitted"


class InvitationDeclined(Conflict):
    title = "Invitation declined"
    slug = "invitation-declined"
