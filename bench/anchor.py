"""The anchor for Strata's reads: the smallest honest FastAPI + SQLModel app serving the
same read, one employee by `(tenant_id, id)`, from the same goals database and rows, with
the same pool settings as Strata (`strata_kit.db.create_engine`: 10 + 10 overflow), served
by uvicorn as Strata's applications are. The gap between it and scenario (b) is what
Strata's own request path costs (auth, tenant scoping, middleware, serialisation).

    python -m bench.anchor PORT DATABASE_URL TENANT_ID

It knows no service code: the table is declared here from its columns, so the bench
measures Strata against what a team would write by hand.
"""

import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated

import uvicorn
from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlmodel import Field, SQLModel

from strata_kit.settings import KitSettings

# Strata's `database_pool_size` default, with as many overflow connections: the same pool.
POOL_SIZE: int = KitSettings.model_fields["database_pool_size"].default


class Employee(SQLModel, table=True):
    __tablename__ = "employee"

    tenant_id: uuid.UUID = Field(primary_key=True)
    id: uuid.UUID = Field(primary_key=True)
    created_at: datetime
    updated_at: datetime
    version: int
    external_id: str | None = None
    name: str
    email: str | None = None
    org_unit_id: uuid.UUID
    position_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = None
    status: str
    hire_date: date | None = None


class EmployeeRead(BaseModel):
    id: uuid.UUID
    external_id: str | None
    name: str
    email: str | None
    org_unit_id: uuid.UUID
    position_id: uuid.UUID | None
    manager_id: uuid.UUID | None
    status: str
    hire_date: date | None
    created_at: datetime
    updated_at: datetime


def build(database_url: str, tenant_id: uuid.UUID) -> FastAPI:
    engine = create_async_engine(database_url, pool_size=POOL_SIZE, max_overflow=POOL_SIZE)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    async def session() -> AsyncIterator[AsyncSession]:
        async with sessions() as s:
            yield s

    app = FastAPI(lifespan=lifespan)

    @app.get("/employees/{employee_id}", response_model=EmployeeRead)
    async def read_employee(
        employee_id: uuid.UUID, s: Annotated[AsyncSession, Depends(session)]
    ) -> Employee:
        found = await s.get(Employee, (tenant_id, employee_id))
        if found is None:
            raise HTTPException(404)
        return found

    return app


if __name__ == "__main__":
    port, url, tenant = sys.argv[1:4]
    uvicorn.run(
        build(url, uuid.UUID(tenant)),
        host="127.0.0.1",
        port=int(port),
        log_config=None,
        access_log=False,
        server_header=False,
    )
