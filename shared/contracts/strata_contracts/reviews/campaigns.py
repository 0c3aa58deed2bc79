"""Campaigns: one 360 round tied to a performance cycle."""

from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from strata_contracts._base import Name, Read, Strict
from strata_contracts.reviews.vocabulary import CampaignStatus, Relationship, ScopeKind

DEFAULT_ANONYMITY_THRESHOLD = 3
MIN_ANONYMITY_THRESHOLD = 3
"""The smallest k allowed for anonymous groups: with two, each rater learns the other's answers."""
MAX_LIST_SCOPE = 5000


class RelationshipRule(Strict):
    """Which relationship takes part, and how many raters of it each ratee needs.

    `min_raters` is checked when the campaign opens (approved nominations); `max_raters`
    whenever a nomination is added. `self` takes no nominations: every ratee gets a
    self-assessment invitation when the rule is present.
    """

    relationship: Relationship
    min_raters: int = Field(default=0, ge=0, le=50)
    max_raters: int = Field(default=10, ge=1, le=50)
    anonymity_threshold: int | None = Field(
        default=None,
        ge=MIN_ANONYMITY_THRESHOLD,
        le=50,
        description=(
            "This group's own k, for an anonymous relationship (peer, direct_report, "
            "customer) only, and only upwards: at least the campaign's `anonymity_threshold` "
            "(422 otherwise). Absent: the campaign's k."
        ),
    )


class CampaignScope(Strict):
    """Who is reviewed: everyone, one org unit, or a list of employees."""

    kind: ScopeKind
    org_unit_id: UUID | None = Field(default=None, description="For `org_unit` only.")
    employee_ids: list[UUID] | None = Field(
        default=None, max_length=MAX_LIST_SCOPE, description="For `employees` only."
    )


class CampaignCreate(Strict):
    name: Name
    cycle_id: UUID = Field(description="The performance cycle (goals service) it belongs to.")
    template_id: UUID
    template_version: int | None = Field(
        default=None, ge=1, description="Version to use; absent: the template's latest."
    )
    scope: CampaignScope
    relationships: list[RelationshipRule] | None = Field(
        default=None,
        max_length=5,
        description=(
            "Absent: self, supervisor (1), peers (3 to 5), direct reports (0 to 10), "
            "customers (0 to 5)."
        ),
    )
    anonymity_threshold: int = Field(
        default=DEFAULT_ANONYMITY_THRESHOLD,
        ge=MIN_ANONYMITY_THRESHOLD,
        le=50,
        description=(
            "k: an anonymous group is shown only with at least k responses; at least 3 (in a "
            "shown group of two, each rater could compute the other's answers)."
        ),
    )
    name_supervisor: bool = Field(
        default=False, description="Show the supervisor's identity in results."
    )
    opens_at: AwareDatetime
    due_at: AwareDatetime | None = Field(
        default=None,
        description="Soft deadline for reminders and overdue lists; default `closes_at`.",
    )
    closes_at: AwareDatetime = Field(description="After this instant no answer is accepted.")


class CampaignUpdate(Strict):
    """Change a campaign. While draft: anything. While open: `name`, `due_at`, and
    `closes_at` (only later). Closed campaigns are frozen."""

    name: Name | None = None
    template_version: int | None = Field(default=None, ge=1)
    relationships: list[RelationshipRule] | None = Field(default=None, max_length=5)
    anonymity_threshold: int | None = Field(default=None, ge=MIN_ANONYMITY_THRESHOLD, le=50)
    name_supervisor: bool | None = None
    opens_at: AwareDatetime | None = None
    due_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None


class CampaignRead(Read):
    name: str
    cycle_id: UUID
    template_id: UUID
    template_version_id: UUID
    template_version: int
    status: CampaignStatus
    scope_kind: ScopeKind
    scope_org_unit_id: UUID | None
    relationships: list[RelationshipRule]
    anonymity_threshold: int
    name_supervisor: bool
    opens_at: datetime
    due_at: datetime
    closes_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None


class RateesAdd(Strict):
    employee_ids: list[UUID] = Field(min_length=1, max_length=MAX_LIST_SCOPE)


class CampaignRateeRead(BaseModel):
    """A person reviewed in a campaign, with their placement when they were added."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    campaign_id: UUID
    employee_id: UUID
    name: str
    org_unit_id: UUID
    manager_id: UUID | None
    created_at: datetime
