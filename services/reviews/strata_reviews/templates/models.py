"""Template tables. A version and everything under it is written once, never updated."""

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from strata_contracts.reviews.vocabulary import ItemKind
from strata_reviews.models import ReviewsModel, enum_type, tenant_fk


class Template(ReviewsModel, table=True):
    __tablename__ = "template"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    name: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=sa.Text)
    latest_version: int = Field(default=1)
    latest_version_id: uuid.UUID | None = None


class TemplateVersion(ReviewsModel, table=True):
    __tablename__ = "template_version"
    __table_args__ = (
        tenant_fk(["template_id"], "template", ["id"]),
        sa.UniqueConstraint("tenant_id", "template_id", "number"),
    )

    template_id: uuid.UUID
    number: int = Field(description="1, 2, ...: the template's version number.")
    note: str | None = Field(default=None, max_length=2000)


class RatingScale(ReviewsModel, table=True):
    __tablename__ = "rating_scale"
    __table_args__ = (
        tenant_fk(["template_version_id"], "template_version", ["id"]),
        sa.UniqueConstraint("tenant_id", "template_version_id", "key"),
    )

    template_version_id: uuid.UUID
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    points: list[dict[str, Any]] = Field(sa_type=sa.JSON)
    position: int


class Competency(ReviewsModel, table=True):
    __tablename__ = "competency"
    __table_args__ = (
        tenant_fk(["template_version_id"], "template_version", ["id"]),
        sa.UniqueConstraint("tenant_id", "template_version_id", "key"),
    )

    template_version_id: uuid.UUID
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=sa.Text)
    position: int


class Item(ReviewsModel, table=True):
    """A rating item (in a competency, on a scale) or an open question (neither)."""

    __tablename__ = "item"
    __table_args__ = (
        tenant_fk(["template_version_id"], "template_version", ["id"]),
        tenant_fk(["competency_id"], "competency", ["id"]),
        tenant_fk(["scale_id"], "rating_scale", ["id"]),
        sa.Index(None, "tenant_id", "template_version_id"),
    )

    template_version_id: uuid.UUID
    competency_id: uuid.UUID | None = None
    scale_id: uuid.UUID | None = None
    kind: ItemKind = Field(sa_type=enum_type(ItemKind))
    text: str = Field(max_length=2000)
    required: bool
    relationships: list[str] = Field(sa_type=sa.JSON)
    position: int
