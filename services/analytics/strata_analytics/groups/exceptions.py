from strata_kit.errors import NotFound


class CalibrationSessionNotFound(NotFound):
    title = "Calibration session not found"


class AttributeNotFound(NotFound):
    title = "Attribute not found"
