from strata_kit.errors import NotFound


class ApiKeyNotFound(NotFound):
    title = "API key not found"
    slug = "api-key-not-found"


class TenantNotFound(NotFound):
    title = "Tenant not found"
    slug = "tenant-not-found"
