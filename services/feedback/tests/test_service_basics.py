"""What every service guarantees (written once in the kit), checked on feedback."""

from strata_kit.testing_basics import ServiceBasics


class TestServiceBasics(ServiceBasics):
    service = "feedback"
