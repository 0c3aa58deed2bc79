"""The audit trail: every change to what decides an evaluation, queryable by HR."""
