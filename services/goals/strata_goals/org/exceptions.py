"""Errors of the organisation domain."""

from strata_kit.errors import NotFound


class OrgUnitNotFound(NotFound):
    title = "Org unit not found"
    slug = "org-unit-not-found"


class PositionNotFound(NotFound):
    title = "Position not found"
    slug = "position-not-found"


class EmployeeNotFound(NotFound):
    title = "Employee not found"
    slug = "employee-not-found"
