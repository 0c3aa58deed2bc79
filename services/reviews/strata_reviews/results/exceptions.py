from strata_kit.errors import Conflict


class ResultsNotReady(Conflict):
    """Results exist once the campaign is closed (answers frozen)."""

    title = "Results not ready"
    slug = "results-not-ready"
