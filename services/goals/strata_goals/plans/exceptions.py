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


class ActualNotFound(NotFound):
    title = "Actual not found"
    slug = "actual-not-found"


class ActualSuperseded(Conflict):
    """The actual to correct is no longer the one in force, or not as the caller saw it."""

    title = "Actual not in force"
    slug = "actual-not-in-force"
