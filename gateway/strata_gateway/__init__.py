"""Strata gateway: the single public entry. Authenticates API keys and bearer JWTs, resolves
the tenant, forwards a signed internal identity token to the services, enforces rate and body
limits, and serves the merged OpenAPI document and interactive docs."""
