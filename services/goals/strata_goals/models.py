"""The goals service's table base: its own registry and metadata (its own database)."""

from strata_kit.db import TenantModel, new_registry

registry = new_registry()
metadata = registry.metadata


class GoalsModel(TenantModel, registry=registry):
    """Base of every tenant-owned table of the goals service."""
