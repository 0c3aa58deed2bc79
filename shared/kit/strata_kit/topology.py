"""Where each process of a local installation listens, and so where the others reach it.

The one place internal URLs are derived from the ports: `<APP>_PORT` (and `<APP>_HOST`
when it names one address) give `http://<host>:<port>`. Every URL setting that points at
another process of the installation (`GATEWAY_GOALS_URL`, `<APP>_GATEWAY_URL`,
`ANALYTICS_REVIEWS_URL`, ...) defaults to this, so moving a port moves every URL that
points at it; an explicit URL setting (compose, Kubernetes) still wins.
"""

import os
from collections.abc import Mapping

DEFAULT_PORTS: Mapping[str, int] = {
    "gateway": 8000,
    "goals": 8001,
    "reviews": 8002,
    "feedback": 8003,
    "analytics": 8004,
}
_ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 (compared, never bound)


def local_port(app: str, environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    value = env.get(f"{app.upper()}_PORT", "").strip()
    return int(value) if value.isdigit() else DEFAULT_PORTS[app]


def local_url(app: str, environ: Mapping[str, str] | None = None) -> str:
    """`http://<host>:<port>` of `app` as configured in the environment."""
    env = os.environ if environ is None else environ
    host = env.get(f"{app.upper()}_HOST", "").strip()
    if host in _ANY_ADDRESS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{local_port(app, env)}"
