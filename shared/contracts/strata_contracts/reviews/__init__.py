"""Contracts of the reviews service."""
