"""The goals domain's shared vocabulary: enums used on the wire and in storage."""

from enum import StrEnum


class Perspective(StrEnum):
    """Balanced Scorecard perspective of an objective or indicator."""

    FINANCIAL = "financial"
    CUSTOMER = "customer"
    INTERNAL_PROCESS = "internal_process"
    LEARNING_GROWTH = "learning_growth"


class Level(StrEnum):
    """Level of the three-level KPI cascade."""

    ENTERPRISE = "enterprise"
    DEPARTMENT = "department"
    POST = "post"


class IndicatorKind(StrEnum):
    QUANTITATIVE = "quantitative"
    QUALITATIVE = "qualitative"


class Direction(StrEnum):
    """Which actuals are better, for a quantitative indicator."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    TARGET_BAND = "target_band"


class ScoringMethod(StrEnum):
    """How an actual becomes an achievement score; stored per indicator."""

    RATIO = "ratio"
    """actual / target (or target / actual when lower is better), capped."""
    INTERPOLATION = "interpolation"
    """Piecewise linear through threshold, target and stretch."""
    BANDS = "bands"
    """Score looked up from value bands."""
    RUBRIC = "rubric"
    """Qualitative: the anchored level chosen maps to a score."""


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    ANNUAL = "annual"


class Cadence(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    ANNUAL = "annual"
    CUSTOM = "custom"


class CyclePhase(StrEnum):
    """Phases of a performance cycle, in order."""

    PLANNING = "planning"
    COACHING = "coaching"
    ASSESSMENT = "assessment"
    FEEDBACK = "feedback"
    CLOSED = "closed"


class EmployeeStatus(StrEnum):
    ACTIVE = "active"
    ON_LEAVE = "on_leave"
    TERMINATED = "terminated"
