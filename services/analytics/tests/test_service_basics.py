"""What every service guarantees (written once in the kit), checked on analytics."""

from strata_kit.testing_basics import ServiceBasics


class TestServiceBasics(ServiceBasics):
    service = "analytics"
