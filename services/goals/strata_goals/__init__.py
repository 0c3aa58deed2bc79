"""Strata goals service: Organisation, strategy cascade, KPIs, balanced scorecard, weights,
cycles, performance agreements and check-ins.
"""
