"""Errors of the strategy domain."""

from strata_kit.errors import NotFound


class ObjectiveNotFound(NotFound):
    title = "Objective not found"
    slug = "objective-not-found"


class IndicatorNotFound(NotFound):
    title = "Indicator not found"
    slug = "indicator-not-found"


class TemplateNotFound(NotFound):
    title = "Indicator template not found"
    slug = "indicator-template-not-found"
