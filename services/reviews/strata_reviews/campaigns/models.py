"""Campaign tables: the campaign, its relationship rules and the people it reviews."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from strata_contracts.reviews.vocabulary import CampaignStatus, Relationship, ScopeKind
from strata_kit.db import UtcDateTime
from strata_reviews.models import ReviewsModel, enum_type, tenant_fk


class Campaign(ReviewsModel, table=True):
    __tablename__ = "campaign"
    __table_args__ = (
        tenant_fk(["template_id"], "template", ["id"]),
        tenant_fk(["template_version_id"], "template_version", ["id"]),
        sa.Index(None, "tenant_id", "cycle_id"),
    )

    name: str = Field(max_length=200)
    cycle_id: uuid.UUID
    template_id: uuid.UUID
    template_version_id: uuid.UUID
    template_version: int
    status: CampaignStatus = Field(default=CampaignStatus.DRAFT, sa_type=enum_type(CampaignStatus))
    scope_kind: ScopeKind = Field(sa_type=enum_type(ScopeKind))
    scope_org_unit_id: uuid.UUID | None = None
    anonymity_threshold: int
    name_supervisor: bool = False
    opens_at: datetime = Field(sa_type=UtcDateTime)
    due_at: datetime = Field(sa_type=UtcDateTime)
    closes_at: datetime = Field(sa_type=UtcDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class CampaignRelationship(ReviewsModel, table=True):
    __tablename__ = "campaign_relationship"
    __table_args__ = (
        tenant_fk(["campaign_id"], "campaign", ["id"]),
        sa.UniqueConstraint("tenant_id", "campaign_id", "relationship"),
    )

    campaign_id: uuid.UUID
    relationship: Relationship = Field(sa_type=enum_type(Relationship))
    min_raters: int
    max_raters: int
    position: int
    anonymity_threshold: int | None = None
    """The group's own k, only ever above the campaign's; None: the campaign's."""


class CampaignRatee(ReviewsModel, table=True):
    """A ratee, with the placement the organisation had when they were added: access
    by reporting line and completion per department use this snapshot."""

    __tablename__ = "campaign_ratee"
    __table_args__ = (
        tenant_fk(["campaign_id"], "campaign", ["id"]),
        sa.UniqueConstraint("tenant_id", "campaign_id", "employee_id"),
        sa.Index(None, "tenant_id", "employee_id"),
        sa.Index(None, "tenant_id", "manager_id"),
    )

    campaign_id: uuid.UUID
    employee_id: uuid.UUID
    name: str = Field(max_length=200)
    org_unit_id: uuid.UUID
    manager_id: uuid.UUID | None = None
