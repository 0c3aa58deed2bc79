"""Contracts of the goals service (organisation, strategy, KPIs, weights, cycles, plans)."""
