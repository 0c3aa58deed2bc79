"""`make bench`: Strata's performance report (see docs/performance.md)."""
