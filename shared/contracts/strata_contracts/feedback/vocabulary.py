"""The feedback domain's vocabulary: enums used on the wire and in storage."""

from enum import StrEnum


class InterviewKind(StrEnum):
    """A cycle's interview (one per employee per cycle) or an ad hoc one."""

    CYCLE = "cycle"
    AD_HOC = "ad_hoc"


class InterviewStatus(StrEnum):
    """scheduled → held → acknowledged | disputed → closed; scheduled → cancelled."""

    SCHEDULED = "scheduled"
    HELD = "held"
    ACKNOWLEDGED = "acknowledged"
    DISPUTED = "disputed"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ParticipantRole(StrEnum):
    """Why a participant other than the employee and the manager attends."""

    HR = "hr"
    SKIP_LEVEL_MANAGER = "skip_level_manager"
    MENTOR = "mentor"
    OBSERVER = "observer"
    OTHER = "other"


class RootCause(StrEnum):
    """Where a gap between plan and result came from."""

    EXECUTION = "execution"
    """The plan was sound; the work fell short."""
    PLAN_SETTING = "plan_setting"
    """The plan itself was badly set (target, weight or indicator)."""
    RESOURCES = "resources"
    SKILLS = "skills"
    OTHER = "other"


class ActionStatus(StrEnum):
    """open → in_progress → done; open | in_progress → cancelled."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class PlanStatus(StrEnum):
    """Status of an interview's improvement plan, derived from its actions."""

    EMPTY = "empty"
    OPEN = "open"
    COMPLETED = "completed"


class AppealStatus(StrEnum):
    """open → under_review → upheld | amended | rejected.

    - `upheld`: the employee's complaint is found valid; no result changes (the finding and
      the resolution note stand beside the record).
    - `amended`: the complaint is found valid and results change: each change is a change
      request to the service that owns the result, never an edit made here.
    - `rejected`: the complaint is not found valid; the original result stands.
    """

    OPEN = "open"
    UNDER_REVIEW = "under_review"
    UPHELD = "upheld"
    AMENDED = "amended"
    REJECTED = "rejected"


class AppealOutcome(StrEnum):
    """The final states an appeal can be resolved into: `upheld` (the appeal upheld, the
    result unchanged), `amended` (the appeal upheld, the result amended), `rejected` (the
    appeal rejected, the original result stands). See `APPEAL_DECISIONS`."""

    UPHELD = "upheld"
    AMENDED = "amended"
    REJECTED = "rejected"


APPEAL_DECISIONS: dict[str, tuple[str, str]] = {
    "upheld": ("upheld", "unchanged"),
    "amended": ("upheld", "amended"),
    "rejected": ("rejected", "unchanged"),
}
"""Each final appeal status spelled out: (the appeal: `upheld` or `rejected`, the result:
`amended` or `unchanged`). `upheld` is the *appeal* upheld (the employee was right), never the
rating upheld: a rating that stands after an appeal is `rejected` (the appeal rejected, the
result unchanged)."""


class OwningService(StrEnum):
    """The service that owns a result an amended appeal asks to change."""

    GOALS = "goals"
    REVIEWS = "reviews"
    ANALYTICS = "analytics"


class ChangeRequestStatus(StrEnum):
    """pending → applied | rejected, as reported by the owning service."""

    PENDING = "pending"
    APPLIED = "applied"
    REJECTED = "rejected"


class NoteKind(StrEnum):
    """Anytime feedback between colleagues."""

    PRAISE = "praise"
    GUIDANCE = "guidance"


class PrereadPart(StrEnum):
    """The parts of an interview's pre-read packet."""

    PLAN = "plan"
    REVIEWS = "reviews"
    PREVIOUS_IMPROVEMENT_PLAN = "previous_improvement_plan"
    NOTES = "notes"
