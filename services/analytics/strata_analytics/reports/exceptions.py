from strata_kit.errors import Forbidden, NotFound


class ReportNotFound(NotFound):
    title = "Report not found"


class ReportForbidden(Forbidden):
    title = "Not your report"
