"""Contracts of the feedback service."""
