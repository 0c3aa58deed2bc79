"""Strata feedback service: Feedback interviews, improvement plans, acknowledgement and
appeals.
"""
