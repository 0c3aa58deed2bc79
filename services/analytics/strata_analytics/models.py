"""The analytics service's table base: its own registry and metadata (its own database)."""

from sqlalchemy import Numeric
from sqlmodel import SQLModel

from strata_kit.audit import AuditFields
from strata_kit.db import TenantModel, new_registry
from strata_kit.jobs import JobFields
from strata_kit.outbox import OutboxFields
from strata_kit.relay import ConsumerCursorFields

registry = new_registry()
metadata = registry.metadata

SCORE = Numeric(10, 4)
"""A score as a fraction (1 = 100 %), 4 places, as goals computes them."""
WEIGHT = Numeric(7, 3)
"""A weight in percent."""
MONEY = Numeric(16, 2)
"""An amount of money (salary, increase, bonus)."""


class AnalyticsModel(TenantModel, registry=registry):
    """Base of every tenant-owned table of the analytics service."""


class AnalyticsTable(SQLModel, registry=registry):
    """Base of the analytics service's platform-level tables (not owned by a tenant)."""


class ConsumerCursor(ConsumerCursorFields, AnalyticsTable, table=True):
    """Where the analytics consumer stands in the gateway's event feed."""

    __tablename__ = "consumer_cursor"


class AuditRecord(AuditFields, AnalyticsModel, table=True):
    """Who changed which result, when, from what to what, and why."""

    __tablename__ = "audit_record"


class OutboxEvent(OutboxFields, AnalyticsModel, table=True):
    """Events analytics publishes (calibration finalised, results ready …)."""

    __tablename__ = "outbox_event"


class Job(JobFields, AnalyticsModel, table=True):
    """Long work of the analytics service (read-model rebuilds …), with its progress."""

    __tablename__ = "job"
