"""Indicator weights per post: direct entry or AHP, validated against the tenant's bounds."""
