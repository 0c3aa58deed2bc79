"""Typed async client of the reviews service's API (through the gateway)."""

from strata_contracts.client import StrataApi


class ReviewsClient(StrataApi):
    prefix = "/api/v1/reviews"
