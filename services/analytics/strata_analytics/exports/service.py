"""The exportable tables and how a row leaves: one flat dict of JSON-safe values.

Individual ratings are not exportable: a rating row, even pseudonymous, is finer than
anything the reviews service publishes. Everything here is already a published figure.
"""

import io
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.calibration.models import CalibrationEntry, CalibrationSession
from strata_analytics.projections.models import EmployeeView, PlanItemView, PlanView
from strata_analytics.results.models import OverallResult
from strata_kit.db import bind_tenant
from strata_kit.pagination import PageParams, encode_cursor, paginate
from strata_kit.spreadsheet import csv_writer

BATCH = 1000


def _value(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class ExportTable:
    model: type[SQLModel]
    columns: tuple[str, ...]

    def row(self, obj: Any) -> dict[str, Any]:
        return {name: _value(getattr(obj, name)) for name in self.columns}


@dataclass(frozen=True)
class HighWaterMark:
    """The (updated_at, id) of the last row an export holds."""

    updated_at: datetime
    id: uuid.UUID

    @property
    def cursor(self) -> str:
        return encode_cursor([self.updated_at, self.id])


COMMON = ("id", "created_at", "updated_at")
TABLES: dict[str, ExportTable] = {
    "results": ExportTable(
        OverallResult,
        (
            *COMMON,
            "employee_id",
            "cycle_id",
            "plan_id",
            "plan_score",
            "plan_provisional",
            "campaign_id",
            "competency_mean",
            "competency_score",
            "kpi_weight",
            "competency_weight",
            "overall",
            "band",
            "calibrated_overall",
            "calibrated_band",
            "calibration_session_id",
            "locked",
        ),
    ),
    "plans": ExportTable(
        PlanView,
        (
            *COMMON,
            "employee_id",
            "cycle_id",
            "signed_version",
            "signed_at",
            "score",
            "scored_weight",
            "total_weight",
        ),
    ),
    "plan-items": ExportTable(
        PlanItemView,
        (
            *COMMON,
            "plan_id",
            "key",
            "indicator_id",
            "name",
            "perspective",
            "weight",
            "score",
            "measured_on",
        ),
    ),
    "employees": ExportTable(
        EmployeeView,
        (*COMMON, "external_id", "name", "org_unit_id", "position_id", "manager_id", "status"),
    ),
    "calibration-sessions": ExportTable(
        CalibrationSession,
        (*COMMON, "name", "cycle_id", "org_unit_id", "status", "finalised_at", "finalised_by"),
    ),
    "calibration-entries": ExportTable(
        CalibrationEntry,
        (
            *COMMON,
            "session_id",
            "employee_id",
            "cycle_id",
            "raw_overall",
            "raw_band",
            "calibrated_overall",
            "calibrated_band",
            "reason",
            "adjusted_by",
            "adjusted_at",
        ),
    ),
}


class ExportService:
    async def page(
        self,
        session: AsyncSession,
        table: ExportTable,
        params: PageParams,
        upto: HighWaterMark | None = None,
    ) -> Any:
        model: Any = table.model
        statement = select(model)
        if upto is not None:  # nothing past the export's high-water mark
            statement = statement.where(
                or_(
                    col(model.updated_at) < upto.updated_at,
                    and_(col(model.updated_at) == upto.updated_at, col(model.id) <= upto.id),
                )
            )
        return await paginate(
            session,
            statement,
            sort=col(model.updated_at),
            id_column=col(model.id),
            params=params,
            to_item=lambda obj: obj,
            updated_column=col(model.updated_at),
        )

    async def rows(
        self,
        maker: async_sessionmaker[AsyncSession],
        tenant: uuid.UUID,
        table: ExportTable,
        updated_since: datetime | None,
        *,
        after: str | None = None,
        upto: HighWaterMark | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every row in (updated_at, id) order, read in batches in a session of its own
        (a stream outlives the request's session)."""
        async for obj in self.objects(maker, tenant, table, updated_since, after=after, upto=upto):
            yield table.row(obj)

    async def objects(
        self,
        maker: async_sessionmaker[AsyncSession],
        tenant: uuid.UUID,
        table: ExportTable,
        updated_since: datetime | None,
        *,
        after: str | None = None,
        upto: HighWaterMark | None = None,
    ) -> AsyncIterator[Any]:
        """The rows as model objects: after the cursor `after` (a previous export's
        high-water mark), up to and including `upto`."""
        cursor = after
        while True:
            async with maker() as session:
                bind_tenant(session, tenant)
                params = PageParams(limit=BATCH, cursor=cursor, updated_since=updated_since)
                page = await self.page(session, table, params, upto)
            for obj in page.items:
                yield obj
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def high_water_mark(
        self, session: AsyncSession, table: ExportTable, params: PageParams
    ) -> HighWaterMark | None:
        """The last row (in export order) an export with these parameters holds now, or
        None when it holds none. Its cursor, passed back as `cursor`, starts the next pull
        right after it."""
        model: Any = table.model
        statement = select(model)
        if params.updated_since is not None:
            statement = statement.where(col(model.updated_at) >= params.updated_since)
        statement = statement.order_by(col(model.updated_at).desc(), col(model.id).desc())
        if params.cursor:  # validates the cursor as paginate would
            first = await self.page(session, table, params.model_copy(update={"limit": 1}))
            if not first.items:
                return None
        last = (await session.exec(statement.limit(1))).first()
        if last is None:
            return None
        return HighWaterMark(last.updated_at, last.id)

    async def csv_lines(
        self, rows: AsyncIterator[dict[str, Any]], columns: tuple[str, ...]
    ) -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv_writer(buffer, columns)  # formulas neutralised (CSV injection)
        writer.writeheader()
        async for row in rows:
            writer.writerow(row)
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    async def ndjson_lines(self, rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
        async for row in rows:
            yield json.dumps(row, separators=(",", ":")) + "\n"


export_service = ExportService()
