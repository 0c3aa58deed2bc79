"""Typed async client of the goals service's API (through the gateway)."""

from strata_contracts.client import StrataApi


class GoalsClient(StrataApi):
    prefix = "/api/v1/goals"
