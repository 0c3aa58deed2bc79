"""The anonymity rule of analytics: the same as the reviews service's
(`strata_reviews.results.anonymity`), applied before any figure is computed.

A rating may enter an analytics figure (a 360 score, a rater's leniency, a reliability
coefficient, a report) only if it lies in a cell the reviews service publishes:

1. Self-ratings enter no figure about others (they are reported apart, to the ratee).
2. The supervisor group is never anonymous: its ratings count whenever there are any.
3. An anonymous group (peers, direct reports, customers) of one ratee in one campaign
   counts only with at least k responding raters; otherwise every rating of it is
   withheld, from every figure, and never folded into another group.
4. Inside a counted anonymous group, an item's ratings count only if at least k raters
   rated it.

Because withheld ratings enter no figure at all, no combination of analytics figures
(differences of rollups, a rater's mean, an overall result minus its plan part) can
recover them: `tests/test_anonymity.py` changes a withheld rater's answers and finds
every analytics answer unchanged. Analytics counts responders from the answers it
receives, which can only undercount reviews' count (a response with no rating at all),
so it never shows a group reviews suppresses.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar
from uuid import UUID

import numpy as np
import numpy.typing as npt

SELF = "self"
SUPERVISOR = "supervisor"


class Withheld(StrEnum):
    NO_RESPONSES = "no_responses"
    BELOW_THRESHOLD = "below_threshold"
    ITEM_BELOW_THRESHOLD = "item_below_threshold"


class Rating(Protocol):
    campaign_id: UUID
    ratee_id: UUID
    relationship: str
    rater_key: str
    item_id: UUID
    value: int
    anonymity_threshold: int


R = TypeVar("R", bound=Rating)


@dataclass(frozen=True)
class GroupVerdict:
    campaign_id: UUID
    ratee_id: UUID
    relationship: str
    responded: int
    shown: bool
    reason: Withheld | None


def verdicts(ratings: Iterable["Rating"]) -> dict[tuple[UUID, UUID, str], GroupVerdict]:
    """Rule 2 and 3 for every (campaign, ratee, group) present, self excluded."""
    raters: dict[tuple[UUID, UUID, str], set[str]] = defaultdict(set)
    threshold: dict[tuple[UUID, UUID, str], int] = {}
    for r in ratings:
        if r.relationship == SELF:
            continue
        key = (r.campaign_id, r.ratee_id, r.relationship)
        raters[key].add(r.rater_key)
        threshold[key] = r.anonymity_threshold
    out = {}
    for key, who in raters.items():
        anonymous = key[2] != SUPERVISOR
        shown = not anonymous or len(who) >= threshold[key]
        out[key] = GroupVerdict(
            *key,
            responded=len(who),
            shown=shown,
            reason=None if shown else Withheld.BELOW_THRESHOLD,
        )
    return out


def publishable(ratings: Sequence[R]) -> list[R]:
    """The ratings that may enter a figure about others (rules 1 to 4)."""
    groups = verdicts(ratings)
    cells: dict[tuple[UUID, UUID, str, UUID], set[str]] = defaultdict(set)
    for r in ratings:
        if r.relationship != SELF:
            cells[(r.campaign_id, r.ratee_id, r.relationship, r.item_id)].add(r.rater_key)
    out = []
    for r in ratings:
        if r.relationship == SELF:
            continue
        if not groups[(r.campaign_id, r.ratee_id, r.relationship)].shown:
            continue
        if r.relationship != SUPERVISOR:
            cell = cells[(r.campaign_id, r.ratee_id, r.relationship, r.item_id)]
            if len(cell) < r.anonymity_threshold:
                continue
        out.append(r)
    return out


@dataclass(frozen=True)
class GroupColumns:
    """`verdicts` in columns: one entry per (campaign, ratee, relationship) group present
    (self excluded), sorted by those codes, and each row's group."""

    row_group: npt.NDArray[np.int64]
    """Per input row: the index of its group, -1 for a self-rating."""
    campaign: npt.NDArray[np.int64]
    ratee: npt.NDArray[np.int64]
    relationship: npt.NDArray[np.int64]
    responded: npt.NDArray[np.int64]
    """Distinct raters of the group."""
    threshold: npt.NDArray[np.int64]
    """The group's k: the threshold of its last row, as `verdicts` takes it."""
    shown: npt.NDArray[np.bool_]


def _codes(values: npt.ArrayLike) -> npt.NDArray[np.signedinteger[Any]]:
    """Integer codes as they are (no copy of an int32 column into int64)."""
    array = np.asarray(values)
    if not np.issubdtype(array.dtype, np.signedinteger):
        array = array.astype(np.int64)
    return array


def _dense_codes(key: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Sorted distinct keys and each row's position among them (O(n) for compact keys)."""
    if key.size and int(key.max()) < 4 * key.size + 1024 and int(key.min()) >= 0:
        present = np.bincount(key) > 0
        lookup = np.cumsum(present, dtype=np.int64) - 1
        return np.flatnonzero(present).astype(np.int64), lookup[key]
    labels, inverse = np.unique(key, return_inverse=True)
    return labels.astype(np.int64), inverse.reshape(-1).astype(np.int64)


def _distinct_per_group(
    group: npt.NDArray[np.int64], member: npt.NDArray[np.signedinteger[Any]], size: int
) -> npt.NDArray[np.int64]:
    """How many distinct `member` codes each group has (one sort of the pair keys)."""
    if group.size == 0:
        return np.zeros(size, dtype=np.int64)
    width = np.int64(int(member.max()) + 1)
    pairs = group * width
    pairs += member
    pairs.sort()
    first = np.empty(pairs.size, dtype=bool)
    first[0] = True
    np.not_equal(pairs[1:], pairs[:-1], out=first[1:])
    return np.bincount(pairs[first] // width, minlength=size).astype(np.int64)


def group_columns(
    *,
    campaign: npt.ArrayLike,
    ratee: npt.ArrayLike,
    relationship: npt.ArrayLike,
    relationships: Sequence[str],
    rater: npt.ArrayLike,
    threshold: npt.ArrayLike,
) -> GroupColumns:
    """Rules 2 and 3 over aligned arrays of non-negative integer codes (`relationship` codes
    index `relationships`); the same verdicts as `verdicts` on the same rows in the same
    order, without a Python loop over rows."""
    # Codes stay in the caller's integer type (int32 for a cached scope); only the group
    # key is 64-bit, built in place: a few arrays of the scope's size, not one per column.
    c, t, rel, who = (_codes(a) for a in (campaign, ratee, relationship, rater))
    k = _codes(threshold)
    labels = list(relationships)
    self_code = labels.index(SELF) if SELF in labels else -1
    supervisor_code = labels.index(SUPERVISOR) if SUPERVISOR in labels else -1
    counted_rows = np.flatnonzero(rel != self_code)
    # No self-rating: every row, without an index array (nor a copy per column).
    counted = slice(None) if counted_rows.size == c.size else counted_rows
    del counted_rows
    width_t = np.int64(int(t.max()) + 1 if t.size else 1)
    width_r = np.int64(max(len(labels), 1))
    key = c[counted].astype(np.int64)
    key *= width_t
    key += t[counted]
    key *= width_r
    key += rel[counted]
    keys, code = _dense_codes(key)
    del key
    size = keys.size
    row_group = np.full(c.size, -1, dtype=np.int64)
    row_group[counted] = code
    responded = _distinct_per_group(code, who[counted], size)
    last = np.full(size, -1, dtype=np.int64)
    rows = np.arange(c.size, dtype=np.int64)[counted]
    np.maximum.at(last, code, rows)
    del rows, code
    group_k = k[last].astype(np.int64) if size else np.zeros(0, dtype=np.int64)
    group_rel = keys % width_r
    shown = (group_rel == supervisor_code) | (responded >= group_k)
    return GroupColumns(
        row_group=row_group,
        campaign=keys // width_r // width_t,
        ratee=keys // width_r % width_t,
        relationship=group_rel,
        responded=responded,
        threshold=group_k,
        shown=shown,
    )


def publishable_mask(
    *,
    campaign: npt.ArrayLike,
    ratee: npt.ArrayLike,
    relationship: npt.ArrayLike,
    relationships: Sequence[str],
    rater: npt.ArrayLike,
    item: npt.ArrayLike,
    threshold: npt.ArrayLike,
    groups: GroupColumns | None = None,
) -> npt.NDArray[np.bool_]:
    """`publishable` over aligned arrays of integer codes: True for exactly the rows
    `publishable` keeps (rules 1 to 4), for a million rows in well under a second.
    `groups` may pass `group_columns` of the same rows, computed once."""
    if groups is None:
        groups = group_columns(
            campaign=campaign,
            ratee=ratee,
            relationship=relationship,
            relationships=relationships,
            rater=rater,
            threshold=threshold,
        )
    rel, who, what, k = (_codes(a) for a in (relationship, rater, item, threshold))
    labels = list(relationships)
    supervisor_code = labels.index(SUPERVISOR) if SUPERVISOR in labels else -1
    counted = groups.row_group >= 0
    keep = counted.copy()
    keep[counted] = groups.shown[groups.row_group[counted]]
    # Rule 4: within a shown anonymous group, an item counts with at least k raters (the
    # row's own k, as `publishable` compares).
    anonymous = np.flatnonzero(keep & (rel != supervisor_code))
    if anonymous.size:
        width_i = np.int64(int(what.max()) + 1)
        cell_key = groups.row_group[anonymous]
        cell_key *= width_i
        cell_key += what[anonymous]
        cells, cell = _dense_codes(cell_key)
        del cell_key
        raters = _distinct_per_group(cell, who[anonymous], cells.size)
        keep[anonymous] = raters[cell] >= k[anonymous]
    return keep
