"""Why a statistic is withheld or undefined."""

from enum import StrEnum


class Reason(StrEnum):
    """A reason code beside every figure that is not published.

    `BELOW_THRESHOLD` and `ITEM_BELOW_THRESHOLD` carry the same values as the reviews
    service's `SuppressionReason`, so the read model can pass them through unchanged.
    """

    BELOW_THRESHOLD = "below_threshold"
    """Anonymity: the ratee's relationship group has fewer than k raters. Never computed on."""
    ITEM_BELOW_THRESHOLD = "item_below_threshold"
    """Anonymity: fewer than k raters rated this item in the group. Never computed on."""
    SMALL_GROUP = "small_group"
    """Adverse impact: the group has fewer members than the minimum count. Never computed on."""
    INSUFFICIENT_DATA = "insufficient_data"
    """Too little data for the statistic (one group, one rating, no pairable values...)."""
    ZERO_VARIANCE = "zero_variance"
    """The statistic is 0/0: every value is the same, so there is no variance to explain."""
