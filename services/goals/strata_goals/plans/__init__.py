"""Plans and performance agreements: versions, signatures, check-ins, actuals, scores."""
