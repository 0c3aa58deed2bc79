"""Strata analytics service: Overall results, rater fairness, reliability, calibration, results
applied, exports and reports.
"""
