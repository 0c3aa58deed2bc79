"""Bulk loads (org units, employees, actuals) as background jobs with per-row results."""
