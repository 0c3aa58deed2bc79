from strata_kit.errors import NotFound


class ResultNotFound(NotFound):
    title = "Result not found"
