"""Exports for data teams: every analytics table as JSON pages, streamed CSV or NDJSON."""
