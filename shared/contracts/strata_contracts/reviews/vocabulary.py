"""The reviews domain's shared vocabulary: enums used on the wire and in storage."""

from enum import StrEnum


class Relationship(StrEnum):
    """How a rater relates to the person rated (the ratee)."""

    SELF = "self"
    SUPERVISOR = "supervisor"
    PEER = "peer"
    DIRECT_REPORT = "direct_report"
    CUSTOMER = "customer"
    """An external rater (a customer or partner) without an account."""


ANONYMOUS_RELATIONSHIPS = frozenset(
    {Relationship.PEER, Relationship.DIRECT_REPORT, Relationship.CUSTOMER}
)
"""Groups whose raters are protected by the anonymity threshold k."""

INTERNAL_RELATIONSHIPS = frozenset(
    {Relationship.SELF, Relationship.SUPERVISOR, Relationship.PEER, Relationship.DIRECT_REPORT}
)
"""Groups whose raters are employees answering as themselves."""


class ItemKind(StrEnum):
    RATING = "rating"
    """A statement rated on a scale; belongs to a competency."""
    COMMENT = "comment"
    """An open question answered in words."""


class ScopeKind(StrEnum):
    """Who a campaign reviews."""

    ALL = "all"
    """Every active employee of the tenant."""
    ORG_UNIT = "org_unit"
    """The active employees placed in one org unit."""
    EMPLOYEES = "employees"
    """An explicit list of employees."""


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    """Being set up: ratees, relationships, nominations."""
    OPEN = "open"
    """Invitations issued; raters answer until `closes_at`."""
    CLOSED = "closed"
    """Answers frozen; results readable."""


class NominationStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


class NominationSource(StrEnum):
    SUGGESTED = "suggested"
    """Derived from the reporting lines."""
    RATEE = "ratee"
    MANAGER = "manager"
    HR = "hr"


class NominationDecisionKind(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class InvitationStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    """A draft has been saved."""
    SUBMITTED = "submitted"
    DECLINED = "declined"


UNFINISHED_STATUSES = frozenset({InvitationStatus.PENDING, InvitationStatus.IN_PROGRESS})


class GroupStatus(StrEnum):
    SHOWN = "shown"
    SUPPRESSED = "suppressed"


class SuppressionReason(StrEnum):
    """Why a figure or a group's comments are withheld."""

    NO_RESPONSES = "no_responses"
    """Nobody in the group answered."""
    BELOW_THRESHOLD = "below_threshold"
    """The group has fewer responses than the campaign's anonymity threshold k."""
    ITEM_BELOW_THRESHOLD = "item_below_threshold"
    """The group is shown, but fewer than k of its raters rated this item."""
