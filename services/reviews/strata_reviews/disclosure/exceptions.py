from strata_kit.errors import Forbidden, NotFound


class GrantNotFound(NotFound):
    title = "Grant not found"
    slug = "reveal-grant-not-found"


class NoRevealGrant(Forbidden):
    title = "No disclosure grant"
    slug = "reveal-grant-missing"
