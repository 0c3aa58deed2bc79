from strata_kit.errors import Conflict, NotFound


class ResultNotFound(NotFound):
    title = "Result not found"


class ResultLocked(Conflict):
    title = "Result locked"
    slug = "result-locked"
