from strata_kit.errors import Conflict, NotFound


class CompensationNotFound(NotFound):
    title = "No compensation held for this employee"


class RecommendationNotFound(NotFound):
    title = "Recommendation not found"


class RunNotFound(NotFound):
    title = "Recommendation run not found"


class ProgrammeNotFound(NotFound):
    title = "Training programme not found"


class AlreadyDecided(Conflict):
    title = "Recommendation already decided"
    slug = "recommendation-decided"


class NoRequirements(Conflict):
    title = "No competency requirements set"
    slug = "no-competency-requirements"


class RecommendationStale(Conflict):
    title = "Recommendation stale"
    slug = "recommendation-stale"
