"""Templates: competency models, items, rating scales with anchors, comment questions.

A template is versioned. A version is immutable once written; editing a template means
writing a new version, and a campaign keeps the version it was set up with.
"""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from strata_contracts._base import LongText, Name, Read, Strict, Text
from strata_contracts.reviews.vocabulary import ItemKind, Relationship

Key = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,63}$"),
]
"""A machine key: a lower-case letter, then up to 63 lower-case letters, digits or `_`."""


class ScalePoint(Strict):
    """One point of a rating scale, with the behaviour that earns it."""

    value: int = Field(ge=0, le=100)
    label: Name
    anchor: Text = Field(description="Behavioural anchor: what this level looks like.")


class RatingScaleSpec(Strict):
    key: Key = Field(description="Unique in the version; items refer to the scale by it.")
    name: Name
    points: list[ScalePoint] = Field(
        min_length=2, max_length=11, description="Ascending, distinct values."
    )


class RatingItemSpec(Strict):
    """A statement raters rate on a scale."""

    text: Text
    scale_key: Key
    required: bool = True
    relationships: list[Relationship] | None = Field(
        default=None, description="Who answers this item; absent: every relationship."
    )


class CompetencySpec(Strict):
    key: Key = Field(description="Unique in the version, e.g. `communication`.")
    name: Name
    description: LongText | None = None
    items: list[RatingItemSpec] = Field(
        min_length=1, max_length=50, description="Items of one competency share one scale."
    )


class QuestionSpec(Strict):
    """An open question answered in words (comments)."""

    text: Text
    required: bool = False
    relationships: list[Relationship] | None = Field(
        default=None, description="Who answers this question; absent: every relationship."
    )


class TemplateDefinition(Strict):
    """The content of one template version."""

    scales: list[RatingScaleSpec] = Field(min_length=1, max_length=10)
    competencies: list[CompetencySpec] = Field(min_length=1, max_length=30)
    questions: list[QuestionSpec] = Field(default_factory=list, max_length=20)


class TemplateCreate(Strict):
    """A new template; without `definition` it starts from the default competency model
    (communication, interpersonal relations, leadership, administrative ability)."""

    name: Name
    description: LongText | None = None
    definition: TemplateDefinition | None = None


class TemplateUpdate(Strict):
    """Rename or redescribe a template (its content changes by writing a version)."""

    name: Name | None = None
    description: LongText | None = None


class TemplateVersionCreate(Strict):
    definition: TemplateDefinition
    note: Text | None = Field(default=None, description="What changed, for the record.")


class TemplateRead(Read):
    name: str
    description: str | None
    latest_version: int
    latest_version_id: UUID


class ScaleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    key: str
    name: str
    points: list[ScalePoint]


class ItemRead(BaseModel):
    """A rating item (with `competency_id` and `scale_id`) or a comment question."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    kind: ItemKind
    competency_id: UUID | None
    scale_id: UUID | None
    text: str
    required: bool
    relationships: list[Relationship]
    position: int


class CompetencyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    key: str
    name: str
    description: str | None
    position: int
    items: list[ItemRead]


class TemplateVersionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    template_id: UUID
    version: int
    note: str | None
    created_at: datetime


class TemplateVersionRead(BaseModel):
    id: UUID
    template_id: UUID
    version: int
    note: str | None
    created_at: datetime
    scales: list[ScaleRead]
    competencies: list[CompetencyRead]
    questions: list[ItemRead]
