"""Rater fairness and reliability of 360 ratings.

Every figure is computed only from ratings the reviews service publishes (groups and items
with at least k raters; the supervisor group always; self never), so no figure here can
reveal a suppressed group. Raters are identified by a pseudonymous key; only a rater whose
every counted rating is a supervisor rating is named by employee id.

Statistics are full-precision float64, unrounded (they feed no pay; data teams compute
further on them); None where undefined, with a reason code where withheld. The rater and
standardised reports page by cursor (`limit`, `cursor` -> `next_cursor`) and come as NDJSON
on `Accept: application/x-ndjson` (docs/statistics.md, "On the wire").
"""

from uuid import UUID

from pydantic import BaseModel, Field


class PopulationRead(BaseModel):
    raters: int
    ratings: int
    mean: float | None
    sd: float | None
    pair_mean: float | None = Field(description="Mean of rater-ratee mean scores.")
    pair_sd: float | None
    midpoint_share: float | None
    halo_sd: float | None


class RaterBiasRead(BaseModel):
    rater_key: str = Field(description="Pseudonymous rater key.")
    supervisor_employee_id: UUID | None = Field(
        description="Set only when every counted rating of this rater is a supervisor's."
    )
    relationships: list[str]
    ratees: int
    ratings: int
    mean: float | None
    leniency_z: float | None = Field(description="(mean - population) / standard error.")
    leniency_d: float | None = Field(description="(mean - population) / population SD.")
    sd: float | None
    spread_ratio: float | None = Field(description="SD / population SD (central tendency).")
    midpoint_share: float | None
    halo_sd: float | None = Field(description="Mean SD across competencies within a ratee.")
    halo_ratio: float | None
    lenient: bool
    severe: bool
    central_tendency: bool
    halo: bool
    shrinkage_weight: float | None = Field(description="ratees / (ratees + k).")
    shrunk_mean: float | None
    shrunk_sd: float | None


class RaterBiasReport(BaseModel):
    cycle_id: UUID | None
    campaign_id: UUID | None
    scale_min: int | None
    scale_max: int | None
    population: PopulationRead | None
    shrinkage_k: float | None = Field(description="Prior strength in ratees (estimated).")
    raters: list[RaterBiasRead] = Field(
        description=(
            "Raters with at least k ratees (k: the highest threshold of their groups), and "
            "supervisors; the population figures are over the same raters."
        )
    )
    withheld_raters: int = Field(
        default=0,
        description=(
            "Raters left out of every rater-level figure: fewer than k ratees would let "
            "their row be tied to a name (docs/statistics.md, rater rows and k)."
        ),
    )
    next_cursor: str | None = Field(
        default=None, description="With `limit`: pass back as `cursor` for the next page."
    )


class StandardisedGroupRead(BaseModel):
    """One ratee's relationship group: raw mean beside the mean of standardised scores."""

    campaign_id: UUID = Field(description="The campaign the group was rated in.")
    ratee_id: UUID
    relationship: str
    status: str = Field(description="`shown` or `withheld`.")
    reason: str | None
    raters: int | None
    ratings: int | None
    raw_mean: float | None
    standardised_mean: float | None = Field(
        description="Mean of the ratings rescaled as an average rater would give them."
    )
    mean_z: float | None


class StandardisedReport(BaseModel):
    campaign_id: UUID | None
    cycle_id: UUID | None = None
    groups: list[StandardisedGroupRead]
    next_cursor: str | None = Field(
        default=None, description="With `limit`: pass back as `cursor` for the next page."
    )


class IccRead(BaseModel):
    """ICC over the ratees of one relationship group (each ratee's raters as a group)."""

    relationship: str
    icc1: float | None
    icc2: float | None
    ratees: int
    excluded_ratees: int = Field(description="Ratees whose group is withheld (never used).")
    raters_needed: int | None = Field(
        description="Spearman-Brown: raters per ratee for the target reliability."
    )
    raters_needed_exact: float | None
    reason: str | None


class GroupReliabilityRead(BaseModel):
    """Agreement within one ratee's relationship group (units are the items)."""

    campaign_id: UUID = Field(description="The campaign the group was rated in.")
    ratee_id: UUID
    relationship: str
    status: str = Field(description="`shown` or `withheld`.")
    reason: str | None
    raters: int | None
    items: int | None
    rwg_j: float | None
    alpha_interval: float | None
    alpha_ordinal: float | None


class ReliabilityReport(BaseModel):
    campaign_id: UUID | None
    cycle_id: UUID | None = None
    anonymity_threshold: int | None = Field(
        description="k applied to anonymous groups: the strictest of the campaigns in scope."
    )
    target: float
    relationships: list[IccRead]
    groups: list[GroupReliabilityRead]
