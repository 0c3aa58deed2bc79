"""Performance cycles: cadence, phases and their gates, freezing and audited reopening."""
