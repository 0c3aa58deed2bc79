import uuid

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from strata_analytics.models import AnalyticsModel


class GroupAttribute(AnalyticsModel, table=True):
    """One sensitive attribute of an employee (e.g. `gender` = `female`), imported by HR.
    Read only by HR and admins, for the adverse-impact check; never exported or published."""

    __tablename__ = "group_attribute"
    __table_args__ = (
        UniqueConstraint("tenant_id", "employee_id", "attribute"),
        Index(None, "tenant_id", "attribute", "value"),
    )

    employee_id: uuid.UUID
    attribute: str = Field(max_length=64)
    value: str = Field(max_length=200)
