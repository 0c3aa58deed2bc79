"""Liveness and readiness bodies, identical on every process."""

from typing import Literal

from pydantic import BaseModel


class Health(BaseModel):
    """`/healthz` and `/readyz` answer."""

    status: Literal["ok", "unavailable"]
    service: str
    checks: dict[str, Literal["ok", "failed"]] = {}
