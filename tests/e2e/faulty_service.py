"""A service built with the kit's app factory whose one route always fails with an
unhandled exception: what a bug looks like to uvicorn, the gateway and the client. It
stands in for the goals service (`GOALS_` settings, `/api/v1/goals/...`).

    python tests/e2e/faulty_service.py serve
"""

from pathlib import Path
from typing import ClassVar

from fastapi import APIRouter, FastAPI
from pydantic_settings import SettingsConfigDict

from strata_kit.app import create_service_app
from strata_kit.identity import CurrentIdentity
from strata_kit.runner import run_cli
from strata_kit.settings import KitSettings


class FaultySettings(KitSettings):
    model_config = SettingsConfigDict(env_prefix="GOALS_", extra="ignore")
    service_name: ClassVar[str] = "goals"


router = APIRouter(prefix="/api/v1/goals")


@router.get("/boom")
async def boom(identity: CurrentIdentity) -> dict[str, bool]:
    raise RuntimeError("a bug")


@router.get("/fine")
async def fine(identity: CurrentIdentity) -> dict[str, bool]:
    return {"ok": True}


@router.post("/fine", status_code=201)
async def create_fine(identity: CurrentIdentity) -> dict[str, bool]:
    return {"created": True}


def create_app() -> FastAPI:
    return create_service_app(
        FaultySettings(), title="faulty", description="fails on purpose", routers=[router]
    )


if __name__ == "__main__":
    run_cli(
        prog="faulty",
        app_factory="faulty_service:create_app",
        settings_factory=FaultySettings,
        migrations_dir=Path(__file__).parent,
    )
