"""Employee group attributes (e.g. gender, age band, location) and the adverse-impact check
of rating distributions across their groups.

The attributes are sensitive: only HR and admins may import, read or use them. They are
never exported and never published in events. The check suppresses every group with fewer
members than the anonymity threshold (and, when a single group would be suppressed, the next
smallest too), and publishes no total, so no suppressed group's counts can be recovered by
subtracting the shown groups from the whole.
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

MAX_IMPORT_ROWS = 10_000
MAX_ATTRIBUTES_PER_ROW = 20
ATTRIBUTE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class GroupAttributeRow(BaseModel):
    """One employee's attributes. The row replaces all of that employee's attributes: an
    attribute left out is removed."""

    model_config = ConfigDict(extra="forbid")

    employee_id: UUID
    attributes: dict[str, str] = Field(
        max_length=MAX_ATTRIBUTES_PER_ROW,
        description="Attribute name (lower case, `a-z0-9_`, ≤ 64) to its value (1-200 characters).",
        examples=[{"gender": "female", "age_band": "30-39", "location": "Plant A"}],
    )


class GroupAttributeImport(BaseModel):
    """A bulk import: all rows are stored, or none."""

    model_config = ConfigDict(extra="forbid")

    rows: list[GroupAttributeRow] = Field(min_length=1, max_length=MAX_IMPORT_ROWS)


class GroupAttributeImported(BaseModel):
    employees: int = Field(description="Employees whose attributes the import set.")
    created: int
    updated: int
    removed: int
    unchanged: int


class GroupAttributeRead(BaseModel):
    employee_id: UUID
    attribute: str
    value: str
    updated_at: datetime


class BandCount(BaseModel):
    band: str
    count: int


class GroupImpact(BaseModel):
    """One group's selection into the favourable bands; counts only when it is shown."""

    group: str
    status: Literal["shown", "suppressed"]
    reason: Literal["small_group", "complementary"] | None = Field(
        default=None,
        description="`small_group`: fewer members than the threshold. `complementary`: "
        "large enough, but withheld so that a single small group cannot be derived from "
        "the others.",
    )
    total: int | None = None
    favourable: int | None = None
    rate: float | None = Field(default=None, description="favourable / total.")
    impact_ratio: float | None = Field(
        default=None, description="rate / the highest rate among shown groups."
    )
    adverse: bool | None = Field(default=None, description="impact_ratio below four-fifths (0.8).")
    distribution: list[BandCount] | None = None


class ChiSquareTest(BaseModel):
    """Pearson's test of independence of group and band over shown groups."""

    statistic: float
    df: int
    p_value: float
    min_expected: float
    small_expected: bool = Field(
        description="Some expected count is below 5: read the p-value as guidance."
    )


class AdverseImpactView(BaseModel):
    """The check over one set of results (raw or calibrated)."""

    results: Literal["raw", "calibrated"]
    groups: list[GroupImpact]
    reference_group: str | None = Field(
        description="The shown group with the highest favourable rate."
    )
    chi_square: ChiSquareTest | None
    reason: Literal["insufficient_data"] | None = Field(
        default=None,
        description="Why ratios or the test are missing (fewer than two shown groups or "
        "bands, or no favourable outcome).",
    )


class AdverseImpactReport(BaseModel):
    attribute: str
    cycle_id: UUID
    calibration_session_id: UUID | None = Field(
        description="The calibration session the calibrated block reflects: the one asked "
        "for, or, queried by `cycle_id`, the cycle's session. Null without a calibration, or "
        "when several sessions (e.g. one per org unit) cover the cycle: see "
        "`calibration_session_ids`."
    )
    calibration_session_ids: list[UUID] = Field(
        default_factory=list,
        description="Every calibration session the calibrated block reflects, oldest first.",
    )
    bands: list[str] = Field(description="The policy's bands, lowest first.")
    favourable_bands: list[str]
    min_group_size: int = Field(
        description="Groups with fewer members are suppressed: the highest anonymity "
        "threshold (k) of the cycle's campaigns, at least the reviews default."
    )
    raw: AdverseImpactView
    calibrated: AdverseImpactView | None = Field(
        description="Present when a calibration session covers these results: calibrated "
        "bands where adjusted, raw bands otherwise."
    )
