"""Typed async client of the feedback service's API (through the gateway)."""

from strata_contracts.client import StrataApi


class FeedbackClient(StrataApi):
    prefix = "/api/v1/feedback"
