"""Anonymised 360 results: the rules, and why they defeat differencing.

Decision (ADR-style)
--------------------
Context. A ratee, their manager, HR and integrations all read a ratee's results. The
raters in the peer, direct-report and customer groups were promised anonymity: no
reader may learn what any one of them answered, neither from one view nor by
comparing two (e.g. "all raters" minus "peers" leaves "direct reports"; if direct
reports were withheld because only two answered, that difference would reveal them).

Rules.
1. Results exist only once the campaign is closed; answers are frozen from then on, so
   nothing can be learned by watching figures change after each submission.
2. Self is reported apart and enters no other figure.
3. The supervisor group is not anonymous (the ratee knows their manager); it is shown
   whenever it has answers, and names the supervisor only if the campaign says so. A
   campaign has at most one supervisor rater, so no rater can subtract themselves out.
4. An anonymous group is *shown* only with at least k submitted responses; otherwise it
   is *suppressed* with reason `no_responses` or `below_threshold`, scores and comments
   alike, and it is never folded into another group ("others").
5. Inside a shown anonymous group, an item's figures are shown only with at least k
   ratings (optional items can be skipped); otherwise that cell is suppressed with
   `item_below_threshold`.
6. The unit of publication is the *cell*: one group's ratings of one item. Every figure
   (a group's competency score, `all_raters` of an item or a competency) is computed
   from shown cells only, by adding their counts, sums and distributions.
7. Comments are shown only for shown groups, without rater ids, sorted by text.
8. Every reader gets the same document: there is no second view to compare with.
9. Below k, nothing at all: a suppressed anonymous group shows no response count either
   (`invited` and `responded` are null), in the results and in every completion view a
   ratee's manager reads (`counts_disclosed`); only its reason code is given.
10. A relationship may carry its own threshold, only ever above the campaign's k; the
    group's k is the higher of the two (`group_thresholds`).

Consequence. Every published number is a sum over shown cells, and every shown cell of
an anonymous group pools at least k raters. Subtracting any two published figures
yields, at best, another sum of shown cells; a suppressed cell contributes to no
figure, so no difference of views can recover it, and no figure isolates one rater of
a shown group. `tests/results/test_anonymity.py` proves it by differencing the views
and by changing a suppressed rater's answers and finding every results document
unchanged.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from strata_contracts.reviews.results import (
    CommentGroup,
    CompetencyResult,
    GroupStats,
    GroupSummary,
    ItemResult,
    NamedRater,
    QuestionResult,
    ScoreCount,
    Stats,
)
from strata_contracts.reviews.templates import (
    CompetencyRead,
    ItemRead,
    ScaleRead,
    TemplateVersionRead,
)
from strata_contracts.reviews.vocabulary import (
    ANONYMOUS_RELATIONSHIPS,
    GroupStatus,
    InvitationStatus,
    Relationship,
    SuppressionReason,
)

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class RaterResponse:
    """One invitation of the ratee: who (for the supervisor only), which group, and the
    answers if it was submitted."""

    relationship: Relationship
    status: InvitationStatus
    rater_employee_id: UUID | None
    ratings: dict[UUID, int] = field(default_factory=dict)
    comments: dict[UUID, str] = field(default_factory=dict)


@dataclass
class Tally:
    """Counts, sum and distribution of a set of ratings; tallies add up."""

    values: Sequence[int]
    count: int = 0
    total: int = 0
    histogram: dict[int, int] = field(default_factory=dict)

    def add(self, ratings: Iterable[int]) -> "Tally":
        for rating in ratings:
            self.count += 1
            self.total += rating
            self.histogram[rating] = self.histogram.get(rating, 0) + 1
        return self

    def merge(self, other: "Tally") -> "Tally":
        self.count += other.count
        self.total += other.total
        for value, n in other.histogram.items():
            self.histogram[value] = self.histogram.get(value, 0) + n
        return self

    def stats(self) -> Stats | None:
        if self.count == 0:
            return None
        mean = (Decimal(self.total) / Decimal(self.count)).quantize(TWO_PLACES, ROUND_HALF_UP)
        return Stats(
            count=self.count,
            mean=mean,
            distribution=[ScoreCount(value=v, count=self.histogram.get(v, 0)) for v in self.values],
        )


@dataclass(frozen=True)
class GroupVerdict:
    status: GroupStatus
    reason: SuppressionReason | None


def group_thresholds(
    k: int, own: Mapping[Relationship, int | None] | None = None
) -> dict[Relationship, int]:
    """Rule 10: each anonymous relationship's k, the campaign's `k` or the relationship's
    own threshold when higher (never lower)."""
    own = own or {}
    return {r: max(k, own.get(r) or k) for r in ANONYMOUS_RELATIONSHIPS}


def counts_disclosed(relationship: Relationship, submitted: int, k: int) -> bool:
    """Rule 9: may a group's response counts (and anything timing them) be shown? Self and
    the supervisor are not anonymous; an anonymous group only with at least k responses."""
    return relationship not in ANONYMOUS_RELATIONSHIPS or submitted >= k


def group_verdict(relationship: Relationship, responded: int, k: int) -> GroupVerdict:
    """Rules 3 and 4: may this group's answers be shown at all?"""
    if responded == 0:
        return GroupVerdict(GroupStatus.SUPPRESSED, SuppressionReason.NO_RESPONSES)
    if relationship is not Relationship.SUPERVISOR and responded < k:
        return GroupVerdict(GroupStatus.SUPPRESSED, SuppressionReason.BELOW_THRESHOLD)
    return GroupVerdict(GroupStatus.SHOWN, None)


@dataclass(frozen=True)
class Anonymised:
    groups: list[GroupSummary]
    competencies: list[CompetencyResult]
    questions: list[QuestionResult]


def anonymise(
    version: TemplateVersionRead,
    relationships: Sequence[Relationship],
    responses: Sequence[RaterResponse],
    *,
    k: int,
    name_supervisor: bool,
    thresholds: Mapping[Relationship, int] | None = None,
) -> Anonymised:
    """The results document of one ratee (rules above); `thresholds` are the anonymous
    groups' own k (`group_thresholds`), `k` for any not given."""
    ratee = _ratee(version, relationships, responses, k, thresholds)
    competencies = [_competency(ratee, competency) for competency in version.competencies]
    questions = [_question(ratee, question) for question in version.questions]
    summaries = [_summary(ratee, group, name_supervisor) for group in ratee.groups]
    return Anonymised(groups=summaries, competencies=competencies, questions=questions)


@dataclass(frozen=True)
class _Ratee:
    """One ratee's responses sorted for publication: the groups other than self, each
    group's submitted responses, self's own, each group's k and verdict (rules 2-4, 10)."""

    responses: Sequence[RaterResponse]
    groups: list[Relationship]
    by_group: dict[Relationship, list[RaterResponse]]
    own: list[RaterResponse]
    ks: dict[Relationship, int]
    verdicts: dict[Relationship, GroupVerdict]
    scales: dict[UUID, ScaleRead]


def _ratee(
    version: TemplateVersionRead,
    relationships: Sequence[Relationship],
    responses: Sequence[RaterResponse],
    k: int,
    thresholds: Mapping[Relationship, int] | None,
) -> _Ratee:
    groups: list[Relationship] = [r for r in relationships if r is not Relationship.SELF]
    submitted = [r for r in responses if r.status is InvitationStatus.SUBMITTED]
    by_group = {g: [r for r in submitted if r.relationship is g] for g in groups}
    own = [r for r in submitted if r.relationship is Relationship.SELF]
    ks = {g: max(k, (thresholds or {}).get(g, k)) for g in groups}
    verdicts = {g: group_verdict(g, len(by_group[g]), ks[g]) for g in groups}
    scales = {s.id: s for s in version.scales}
    return _Ratee(responses, groups, by_group, own, ks, verdicts, scales)


def _cell(ratee: _Ratee, group: Relationship, item: ItemRead) -> tuple[GroupStats, Tally | None]:
    """Rule 5: one group's figures for one item, and its tally when shown."""
    values = _values(ratee.scales, item)
    verdict = ratee.verdicts[group]
    if verdict.status is GroupStatus.SUPPRESSED:
        return GroupStats(relationship=group, status=verdict.status, reason=verdict.reason), None
    tally = Tally(values).add(
        r.ratings[item.id] for r in ratee.by_group[group] if item.id in r.ratings
    )
    anonymous = group is not Relationship.SUPERVISOR
    if tally.count == 0 or (anonymous and tally.count < ratee.ks[group]):
        reason = (
            SuppressionReason.ITEM_BELOW_THRESHOLD if anonymous else SuppressionReason.NO_RESPONSES
        )
        return GroupStats(relationship=group, status=GroupStatus.SUPPRESSED, reason=reason), None
    return GroupStats(relationship=group, status=GroupStatus.SHOWN, stats=tally.stats()), tally


def _competency(ratee: _Ratee, competency: CompetencyRead) -> CompetencyResult:
    """Rule 6: a competency's items cell by cell; its group and all-raters figures add up
    the shown cells only."""
    scale_id = competency.items[0].scale_id
    assert scale_id is not None
    values = [p.value for p in ratee.scales[scale_id].points]
    competency_groups: dict[Relationship, Tally] = {}
    competency_cells: dict[Relationship, bool] = {}
    competency_all = Tally(values)
    competency_self = Tally(values)
    items: list[ItemResult] = []
    for item in competency.items:
        item_groups: list[GroupStats] = []
        item_all = Tally(values)
        for group in ratee.groups:
            if group not in item.relationships:
                continue
            stats, tally = _cell(ratee, group, item)
            item_groups.append(stats)
            competency_cells.setdefault(group, False)
            if tally is not None:
                item_all.merge(tally)
                competency_groups.setdefault(group, Tally(values)).merge(tally)
                competency_cells[group] = True
        self_tally = Tally(values).add(
            r.ratings[item.id] for r in ratee.own if item.id in r.ratings
        )
        competency_self.merge(self_tally)
        competency_all.merge(item_all)
        items.append(
            ItemResult(
                item_id=item.id,
                text=item.text,
                self_assessment=self_tally.stats(),
                all_raters=item_all.stats(),
                groups=item_groups,
            )
        )
    return CompetencyResult(
        competency_id=competency.id,
        key=competency.key,
        name=competency.name,
        scale_id=scale_id,
        self_assessment=competency_self.stats(),
        all_raters=competency_all.stats(),
        groups=[
            _competency_group(ratee.verdicts[group], group, competency_groups.get(group))
            for group in ratee.groups
            if group in competency_cells  # else the group answers no item of this competency
        ],
        items=items,
    )


def _competency_group(
    verdict: GroupVerdict, group: Relationship, shown: Tally | None
) -> GroupStats:
    """A group's competency score: suppressed with the group, from its shown cells, or
    suppressed when none of its cells is shown."""
    if verdict.status is GroupStatus.SUPPRESSED:
        return GroupStats(relationship=group, status=verdict.status, reason=verdict.reason)
    if shown is not None:
        return GroupStats(relationship=group, status=GroupStatus.SHOWN, stats=shown.stats())
    return GroupStats(
        relationship=group,
        status=GroupStatus.SUPPRESSED,
        reason=SuppressionReason.ITEM_BELOW_THRESHOLD,
    )


def _question(ratee: _Ratee, question: ItemRead) -> QuestionResult:
    """Rule 7: a question's comments, for shown groups only, sorted, without rater ids."""
    comment_groups = []
    for group in ratee.groups:
        if group not in question.relationships:
            continue
        verdict = ratee.verdicts[group]
        comments = (
            sorted(
                r.comments[question.id] for r in ratee.by_group[group] if question.id in r.comments
            )
            if verdict.status is GroupStatus.SHOWN
            else []
        )
        comment_groups.append(
            CommentGroup(
                relationship=group,
                status=verdict.status,
                reason=verdict.reason,
                comments=comments,
            )
        )
    return QuestionResult(
        item_id=question.id,
        text=question.text,
        self_assessment=sorted(
            r.comments[question.id] for r in ratee.own if question.id in r.comments
        ),
        groups=comment_groups,
    )


def _summary(ratee: _Ratee, group: Relationship, name_supervisor: bool) -> GroupSummary:
    """Rules 3 and 9: a group's status and, when disclosed, its counts; the supervisor is
    named only when the campaign says so and the group is shown."""
    verdict = ratee.verdicts[group]
    by_group = ratee.by_group[group]
    named = (
        [NamedRater(employee_id=r.rater_employee_id) for r in by_group if r.rater_employee_id]
        if group is Relationship.SUPERVISOR
        and name_supervisor
        and verdict.status is GroupStatus.SHOWN
        else []
    )
    disclosed = counts_disclosed(group, len(by_group), ratee.ks[group])
    return GroupSummary(
        relationship=group,
        invited=sum(r.relationship is group for r in ratee.responses) if disclosed else None,
        responded=len(by_group) if disclosed else None,
        status=verdict.status,
        reason=verdict.reason,
        named_raters=named,
    )


def _values(scales: dict[UUID, ScaleRead], item: ItemRead) -> list[int]:
    assert item.scale_id is not None
    return [p.value for p in scales[item.scale_id].points]
