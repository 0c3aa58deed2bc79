from strata_kit.errors import NotFound


class CalibrationSessionNotFound(NotFound):
    title = "Calibration session not found"
