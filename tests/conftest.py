"""Cross-service and end-to-end tests (real processes, real HTTP)."""
