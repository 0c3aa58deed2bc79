"""Typed async client of the analytics service's API (through the gateway)."""

from strata_contracts.client import StrataApi


class AnalyticsClient(StrataApi):
    prefix = "/api/v1/analytics"
