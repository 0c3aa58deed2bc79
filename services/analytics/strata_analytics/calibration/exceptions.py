from strata_kit.errors import Conflict, NotFound


class SessionNotFound(NotFound):
    title = "Calibration session not found"


class EntryNotFound(NotFound):
    title = "Not in this calibration session"


class SessionFinalised(Conflict):
    title = "Calibration session finalised"
    slug = "calibration-finalised"
