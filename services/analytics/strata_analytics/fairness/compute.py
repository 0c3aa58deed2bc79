"""Rater bias, standardised scores and reliability, computed with `strata_analytics.stats`
from publishable ratings only (`ratings.anonymity`): a suppressed group's ratings never
reach a statistic, and the statistics' own k checks apply on top.

The ratings arrive as columns of integer codes (`FairnessRepository.columns`), are filtered
with `publishable_mask` (the vectorised twin of `publishable`) into a `Scope`, and every
figure is computed over all groups at once; Python loops run over raters and groups to build
the answer, never over ratings. A scope is a campaign or a whole cycle; a rater's target,
like a group, is a ratee within one campaign (a ratee is rated once per campaign). The
service keeps a scope in the ratings cache and computes each report from it once.
"""

import math
import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from strata_analytics.fairness.repository import RatingColumns
from strata_analytics.ratings.anonymity import (
    SUPERVISOR,
    GroupColumns,
    Withheld,
    group_columns,
    publishable_mask,
)
from strata_analytics.stats import (
    Icc,
    Population,
    RaterBias,
    RaterNorms,
    Scale,
    group_summary,
    icc,
    krippendorff_alpha_by_group,
    linkable_raters,
    pair_scores,
    population,
    rater_bias,
    rater_norms,
    rater_sums,
    raters_needed,
    rwg,
    standardise,
)
from strata_contracts.analytics.fairness import (
    IccRead,
    PopulationRead,
    RaterBiasReport,
    ReliabilityReport,
    StandardisedReport,
)

FloatArray = npt.NDArray[np.float64]


def num(value: float | np.floating | None) -> float | None:
    """A statistic for the wire: None for NaN or infinity, else the float64 unrounded (data
    teams compute further on these; only the HTML reports round, docs/statistics.md)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def nums(values: npt.ArrayLike) -> list[float | None]:
    """`num` of every element (one list comprehension, no numpy scalar per element)."""
    return [v if math.isfinite(v) else None for v in np.asarray(values, dtype=np.float64).tolist()]


@dataclass(frozen=True)
class Scope:
    """The groups' verdicts of every rating in scope, and the rows a figure may use (the
    ratings themselves are not kept beyond these: labels live on `rows`)."""

    ratings: int
    """How many ratings the scope holds (self-ratings and other scales included)."""
    threshold: int
    """The highest k among them (1 when there are none)."""
    groups: GroupColumns
    rows: RatingColumns
    """Publishable ratings on the scope's most used scale; their labels are the scope's."""
    row_group: npt.NDArray[np.int32]
    """Per row of `rows`: its group (an index into `groups`)."""
    scale: Scale | None
    reports: dict[tuple[object, ...], object] = field(default_factory=dict, compare=False)
    """Reports computed from this scope, kept with it in the cache (same version)."""

    @property
    def nbytes(self) -> int:
        group_arrays = sum(
            int(getattr(self.groups, name).nbytes)
            for name in ("row_group", "campaign", "ratee", "relationship", "responded")
        )
        return self.rows.nbytes + int(self.row_group.nbytes) + group_arrays

    @property
    def target(self) -> npt.NDArray[np.signedinteger[Any]]:
        """Per row: the rater's target, a ratee within one campaign (32-bit when it fits)."""
        width = max(len(self.rows.ratees), 1)
        if (len(self.rows.campaigns) + 1) * width < 1 << 31:
            return self.rows.campaign * np.int32(width) + self.rows.ratee
        return self.rows.campaign * np.int64(width) + self.rows.ratee

    def relationship_code(self, name: str) -> int:
        labels = self.rows.relationships
        return labels.index(name) if name in labels else -1


def build_scope(everything: RatingColumns) -> Scope:
    groups = group_columns(
        campaign=everything.campaign,
        ratee=everything.ratee,
        relationship=everything.relationship,
        relationships=everything.relationships,
        rater=everything.rater,
        threshold=everything.threshold,
    )
    keep = publishable_mask(
        campaign=everything.campaign,
        ratee=everything.ratee,
        relationship=everything.relationship,
        relationships=everything.relationships,
        rater=everything.rater,
        item=everything.item,
        threshold=everything.threshold,
        groups=groups,
    )
    index = np.flatnonzero(keep)
    scale: Scale | None = None
    if index.size:
        # The statistics compare like with like: the most used scale (ties: the first seen).
        low, high = everything.scale_min[index], everything.scale_max[index]
        span = np.int64(int(high.max()) - int(high.min()) + 1)
        key = (low - low.min()) * span + (high - high.min())
        if int(key.max()) <= 1 << 20:
            count = np.bincount(key)
            tied = np.flatnonzero(count == count.max())
        else:  # scales far apart: sort instead of counting in a huge array
            keys, counted = np.unique(key, return_counts=True)
            tied = keys[counted == counted.max()]
        firsts = [int(np.argmax(key == candidate)) for candidate in tied.tolist()]
        chosen = min(firsts)
        scale_low, scale_high = int(low[chosen]), int(high[chosen])
        if scale_high > scale_low:
            scale = Scale(scale_low, scale_high)
            index = index[key == key[chosen]]
        else:
            index = index[:0]
    rows = everything.take(index)
    if scale is not None:  # one scale left: a constant, kept as a view of one value
        rows = replace(
            rows,
            scale_min=np.broadcast_to(np.int32(scale.low), (rows.size,)),
            scale_max=np.broadcast_to(np.int32(scale.high), (rows.size,)),
        )
    return Scope(
        ratings=everything.size,
        threshold=int(everything.threshold.max()) if everything.size else 1,
        groups=_compact(groups),
        rows=rows,
        row_group=groups.row_group[index].astype(np.int32),
        scale=scale,
    )


def _compact(groups: GroupColumns) -> GroupColumns:
    """The verdicts without the per-rating `row_group` (kept per publishable row on the
    scope instead: one array of the scope's size, not two)."""
    return replace(groups, row_group=np.zeros(0, dtype=np.int64))


def _group_reasons(groups: GroupColumns) -> list[str]:
    """Why a group has no figure when the statistics did not reach it: below k, or every
    item of it below k (or off the scope's scale)."""
    below = Withheld.BELOW_THRESHOLD.value
    items = Withheld.ITEM_BELOW_THRESHOLD.value
    return [items if shown else below for shown in groups.shown.tolist()]


def bias_report(
    scope: Scope, campaign_id: uuid.UUID | None, cycle_id: uuid.UUID | None
) -> RaterBiasReport:
    """Rater bias of the publishable ratings (raters with fewer than k ratees withheld)."""
    rows, scale = scope.rows, scope.scale
    empty = RaterBiasReport(
        cycle_id=cycle_id,
        campaign_id=campaign_id,
        scale_min=None,
        scale_max=None,
        population=None,
        shrinkage_k=None,
        raters=[],
    )
    if not rows.size or scale is None:
        return empty
    # Raters with fewer than k ratees would be singled out by their row: they enter no
    # rater-level figure (not even the population, which minus the rows shown would
    # give them back), and are only counted.
    target = scope.target
    linkable = linkable_raters(
        rows.rater,
        target,
        rows.threshold,
        rows.relationship != scope.relationship_code(SUPERVISOR),
    )
    withheld = int(np.unique(rows.rater[linkable]).size)
    if linkable.any():
        rows = rows.take(np.flatnonzero(~linkable))
        target = target[~linkable]
    empty = empty.model_copy(update={"withheld_raters": withheld})
    if not rows.size:
        return empty
    sums = rater_sums(
        rows.rater,
        target,
        rows.value.astype(np.float64),
        dimension=rows.competency,
        scale=scale,
    )
    del target, linkable
    bias = rater_bias(sums)
    norms = rater_norms(sums)
    pop = population(sums)
    raters = _rater_rows(rows, bias, norms, scope.relationship_code(SUPERVISOR))
    # Codes follow the sorted rater keys, so the raters come out sorted by key. Rows are
    # plain dicts validated in one pass (tens of thousands of them for a cycle).
    return RaterBiasReport.model_validate(
        dict(empty)
        | {
            "scale_min": int(scale.low),
            "scale_max": int(scale.high),
            "population": _population(pop),
            "shrinkage_k": num(norms.k),
            "raters": raters,
        }
    )


def _rater_rows(
    rows: RatingColumns, bias: RaterBias, norms: RaterNorms, supervisor: int
) -> list[dict[str, object]]:
    """One plain dict per rater (validated with the report in one pass)."""
    # Which relationships each rater rated in (a raters x relationships table).
    width = max(len(rows.relationships), 1)
    rated_as = (
        np.bincount(rows.rater * width + rows.relationship, minlength=len(rows.raters) * width)
        .reshape(-1, width)
        .astype(bool)
    )
    codes = bias.rater.tolist()
    columns = {
        name: nums(getattr(bias, name))
        for name in (
            "mean",
            "leniency_z",
            "leniency_d",
            "sd",
            "spread_ratio",
            "midpoint_share",
            "halo_sd",
            "halo_ratio",
        )
    }
    weight, shrunk_mean, shrunk_sd = (
        nums(norms.weight),
        nums(norms.shrunk_mean),
        nums(norms.shrunk_sd),
    )
    ratees, ratings = bias.ratees.tolist(), bias.ratings.tolist()
    flags = [bias.lenient.tolist(), bias.severe.tolist(), bias.central_tendency.tolist()]
    halo = bias.halo.tolist()
    raters = []
    for i, code in enumerate(codes):
        roles = np.flatnonzero(rated_as[code]).tolist()
        raters.append(
            dict(
                rater_key=rows.raters[code],
                supervisor_employee_id=(
                    rows.supervisor_employee.get(code) if roles == [supervisor] else None
                ),
                relationships=[rows.relationships[r] for r in roles],
                ratees=ratees[i],
                ratings=ratings[i],
                mean=columns["mean"][i],
                leniency_z=columns["leniency_z"][i],
                leniency_d=columns["leniency_d"][i],
                sd=columns["sd"][i],
                spread_ratio=columns["spread_ratio"][i],
                midpoint_share=columns["midpoint_share"][i],
                halo_sd=columns["halo_sd"][i],
                halo_ratio=columns["halo_ratio"][i],
                lenient=flags[0][i],
                severe=flags[1][i],
                central_tendency=flags[2][i],
                halo=halo[i],
                shrinkage_weight=weight[i],
                shrunk_mean=shrunk_mean[i],
                shrunk_sd=shrunk_sd[i],
            )
        )
    return raters


def _population(pop: Population) -> PopulationRead:
    return PopulationRead(
        raters=pop.raters,
        ratings=pop.ratings,
        mean=num(pop.mean),
        sd=num(pop.sd),
        pair_mean=num(pop.pair_mean),
        pair_sd=num(pop.pair_sd),
        midpoint_share=num(pop.midpoint_share),
        halo_sd=num(pop.halo_sd),
    )


def standardised_report(
    scope: Scope, campaign_id: uuid.UUID | None, cycle_id: uuid.UUID | None
) -> StandardisedReport:
    """Per group: raw mean beside the mean of the rater-standardised scores."""
    rows, scale, groups = scope.rows, scope.scale, scope.groups
    size = groups.shown.size
    reached = np.zeros(size, dtype=bool)
    reason = np.full(size, None, dtype=object)
    raters = np.zeros(size, dtype=np.int64)
    ratings = np.zeros(size, dtype=np.int64)
    raw_mean, standardised_mean, mean_z = (np.full(size, np.nan) for _ in range(3))
    if rows.size and scale is not None:
        value = rows.value.astype(np.float64)
        # Norms need neither halo nor midpoint sums: no dimension, no scale.
        sums = rater_sums(rows.rater, scope.target, value)
        standard = standardise(rater_norms(sums), rows.rater, value)
        k = int(rows.threshold.max())
        is_supervisor = rows.relationship == scope.relationship_code(SUPERVISOR)
        # The supervisor group is one rater and never anonymous: summarise it with k=1.
        for relationship_k, subset in ((1, is_supervisor), (k, ~is_supervisor)):
            if not subset.any():
                continue
            group, rater = scope.row_group[subset], rows.rater[subset]
            raw = group_summary(group, rater, value[subset], anonymity_threshold=relationship_k)
            adjusted = group_summary(
                group, rater, standard.adjusted[subset], anonymity_threshold=relationship_k
            )
            zs = group_summary(group, rater, standard.z[subset], anonymity_threshold=relationship_k)
            at = raw.group
            reached[at] = True
            reason[at] = raw.reason
            raters[at], ratings[at] = raw.raters, raw.ratings
            raw_mean[at], standardised_mean[at], mean_z[at] = raw.mean, adjusted.mean, zs.mean
    withheld = ~reached | (reason != None)  # noqa: E711 (elementwise)
    fallback = _group_reasons(groups)
    reasons = [
        None if not hidden else (str(why) if why is not None else fallback[i])
        for i, (hidden, why) in enumerate(zip(withheld.tolist(), reason.tolist(), strict=True))
    ]
    out = []
    labels = scope.rows
    means = (nums(raw_mean), nums(standardised_mean), nums(mean_z))
    for i, (campaign, ratee, relationship, hidden, n_raters, n_ratings) in enumerate(
        zip(
            groups.campaign.tolist(),
            groups.ratee.tolist(),
            groups.relationship.tolist(),
            withheld.tolist(),
            raters.tolist(),
            ratings.tolist(),
            strict=True,
        )
    ):
        out.append(
            dict(
                campaign_id=labels.campaigns[campaign],
                ratee_id=labels.ratees[ratee],
                relationship=labels.relationships[relationship],
                status="withheld" if hidden else "shown",
                reason=reasons[i],
                raters=None if hidden else n_raters,
                ratings=None if hidden else n_ratings,
                raw_mean=means[0][i],
                standardised_mean=means[1][i],
                mean_z=means[2][i],
            )
        )
    return StandardisedReport.model_validate(
        {"campaign_id": campaign_id, "cycle_id": cycle_id, "groups": out}
    )


def reliability_report(
    scope: Scope, campaign_id: uuid.UUID | None, cycle_id: uuid.UUID | None, target: float
) -> ReliabilityReport:
    """ICC per relationship, r_wg(J) and alpha per group."""
    rows, scale, groups = scope.rows, scope.scale, scope.groups
    labels = scope.rows
    k = scope.threshold
    size = groups.shown.size
    reached = np.zeros(size, dtype=bool)
    reason = np.full(size, None, dtype=object)
    raters = np.zeros(size, dtype=np.int64)
    items = np.zeros(size, dtype=np.int64)
    rwg_j, alpha_interval, alpha_ordinal = (np.full(size, np.nan) for _ in range(3))
    relationships: list[IccRead] = []
    if rows.size and scale is not None:
        supervisor = scope.relationship_code(SUPERVISOR)
        value = rows.value.astype(np.float64)
        for relationship in np.unique(rows.relationship).tolist():
            subset = rows.relationship == relationship
            group_k = 1 if relationship == supervisor else k
            group, rater = scope.row_group[subset], rows.rater[subset]
            scores = value[subset]
            # Each rater's mean of a ratee is one score; ratees are the groups.
            pairs = pair_scores(rater, group, scores)
            result = icc(pairs.ratee, pairs.score, anonymity_threshold=group_k)
            relationships.append(_icc_read(rows.relationships[relationship], result, target))
            item = rows.item[subset]
            agreement = rwg(
                group, rater, scores, scale=scale, anonymity_threshold=group_k, item=item
            )
            at = agreement.group
            reached[at] = True
            reason[at] = agreement.reason
            raters[at], items[at], rwg_j[at] = agreement.raters, agreement.items, agreement.rwg
            levels: tuple[tuple[Literal["interval", "ordinal"], FloatArray], ...] = (
                ("interval", alpha_interval),
                ("ordinal", alpha_ordinal),
            )
            for level, out in levels:
                alpha = krippendorff_alpha_by_group(
                    group, item, scores, level=level, anonymity_threshold=group_k
                )
                out[alpha.group] = alpha.alpha
    stats = (nums(rwg_j), nums(alpha_interval), nums(alpha_ordinal))
    out_groups = _reliability_rows(labels, groups, reached, reason, (raters, items), stats)
    return ReliabilityReport.model_validate(
        {
            "campaign_id": campaign_id,
            "cycle_id": cycle_id,
            "anonymity_threshold": k if scope.ratings else None,
            "target": target,
            "relationships": relationships,
            "groups": out_groups,
        }
    )


def _icc_read(relationship: str, result: Icc, target: float) -> IccRead:
    needed = (
        raters_needed(result.icc1, target) if result.icc1 is not None and result.icc1 <= 1 else None
    )
    return IccRead(
        relationship=relationship,
        icc1=num(result.icc1),
        icc2=num(result.icc2),
        ratees=result.groups,
        excluded_ratees=result.excluded_groups,
        raters_needed=needed.raters if needed else None,
        raters_needed_exact=num(needed.exact) if needed else None,
        reason=str(result.reason) if result.reason else None,
    )


def _reliability_rows(
    labels: RatingColumns,
    groups: GroupColumns,
    reached: npt.NDArray[np.bool_],
    reason: npt.NDArray[np.object_],
    counts: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
    stats: tuple[list[float | None], list[float | None], list[float | None]],
) -> list[dict[str, object]]:
    """One plain dict per group: its agreement figures, or why it is withheld."""
    fallback = _group_reasons(groups)
    out_groups = []
    for i, (campaign, ratee, relationship, shown, why, n_raters, n_items) in enumerate(
        zip(
            groups.campaign.tolist(),
            groups.ratee.tolist(),
            groups.relationship.tolist(),
            reached.tolist(),
            reason.tolist(),
            counts[0].tolist(),
            counts[1].tolist(),
            strict=True,
        )
    ):
        out_groups.append(
            dict(
                campaign_id=labels.campaigns[campaign],
                ratee_id=labels.ratees[ratee],
                relationship=labels.relationships[relationship],
                status="shown" if shown else "withheld",
                reason=(str(why) if why is not None else None) if shown else fallback[i],
                raters=n_raters if shown else None,
                items=n_items if shown else None,
                rwg_j=stats[0][i] if shown else None,
                alpha_interval=stats[1][i] if shown else None,
                alpha_ordinal=stats[2][i] if shown else None,
            )
        )
    return out_groups


def warm_up() -> None:
    """Run every report once over a few synthetic ratings, so a replica's first real request
    does not also pay for numpy's and pydantic's first calls (a few tenths of a second on a
    busy machine). Nothing is kept."""
    n = 48  # 2 campaigns x 2 ratees x 4 raters x 3 items
    index = np.arange(n, dtype=np.int32)
    rater = (index // 3) % 4
    columns = RatingColumns(
        campaign=index // 24,
        ratee=(index // 12) % 2,
        relationship=(rater == 0).astype(np.int32),  # 0: peer, 1: supervisor
        rater=rater,
        competency=index % 3 // 2,
        item=index % 3,
        value=(index * 7 % 5 + 1).astype(np.int32),
        scale_min=np.ones(n, dtype=np.int32),
        scale_max=np.full(n, 5, dtype=np.int32),
        threshold=np.full(n, 3, dtype=np.int32),
        campaigns=[uuid.UUID(int=1), uuid.UUID(int=2)],
        ratees=[uuid.UUID(int=3), uuid.UUID(int=4)],
        relationships=["peer", SUPERVISOR],
        raters=["a", "b", "c", "d"],
        supervisor_employee={0: uuid.UUID(int=5)},
    )
    scope = build_scope(columns)
    for report in (
        bias_report(scope, None, None),
        standardised_report(scope, None, None),
        reliability_report(scope, None, None, 0.7),
    ):
        report.model_dump_json()
