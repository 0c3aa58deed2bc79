"""The Balanced Scorecard: perspective weights, balance rules and reports, attainment."""
