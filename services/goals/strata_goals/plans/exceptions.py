"""Errors of the plans domain."""

from strata_kit.errors import Conflict, NotFound


class PlanNotFound(NotFound):
    title = "Plan not found"
    slug = "plan-not-found"


class AgreementNotFound(NotFound):
    title = "No performance agreement"
    slug = "agreement-not-found"


class PlanExists(Conflict):
    title = "Plan exists"
    slug = "plan-exists"


class StaleVersion(Conflict):
    """The caller acted on a version that is no longer the current one."""

    title = "Stale plan version"
    slug = "stale-plan-version"


class AlreadySigned(Conflict):
    title = "Already signed"
    slug = "already-signed"


class PlanNotScorable(Conflict):
    """The plan's weights are invalid, so no weighted total exists (yet)."""

    title = "Plan cannot be scored"
    slug = "plan-not-scorable"
