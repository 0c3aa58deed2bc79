"""Calibration sessions: review, adjust with a reason, finalise and lock."""
