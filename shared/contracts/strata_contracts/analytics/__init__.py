"""Contracts of the analytics service."""
