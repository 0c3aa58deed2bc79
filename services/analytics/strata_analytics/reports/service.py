"""The individual 360 report and the rating distribution chart.

Anonymity (the same rules as the reviews service's results, `ratings/anonymity.py`):
every figure by others is computed from publishable ratings only (self apart, the
supervisor always, an anonymous group only with at least k raters, an item in it only
with at least k ratings). A group withheld from figures shows no number at all, not even
its count of responders, and none of its comments; it is never folded into "others". A
withheld rater's answers therefore change nothing in the document, byte for byte
(`tests/reports/test_reports.py`).
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.access import visible_employees
from strata_analytics.projections.models import CommentFact, RatingFact
from strata_analytics.ratings.anonymity import SELF, SUPERVISOR, publishable
from strata_analytics.reports.exceptions import ReportForbidden, ReportNotFound
from strata_analytics.reports.geometry import Bars, Radar, bars, radar
from strata_analytics.reports.i18n import Texts
from strata_analytics.reports.render import render
from strata_analytics.reports.repository import ReportRepository
from strata_analytics.results.service import result_service
from strata_contracts.analytics.results import RatingBand
from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.problem import FieldProblem
from strata_contracts.reviews.campaigns import DEFAULT_ANONYMITY_THRESHOLD
from strata_kit.errors import InvalidInput
from strata_kit.i18n import Language

TWO = Decimal("0.01")
NONE = "\N{EN DASH}"
"""Shown where there is no figure."""
HIGHLIGHTS = 3
"""How many items the report lists as strengths, and as gaps."""
GROUP_ORDER = ("supervisor", "peer", "direct_report", "customer")
GROUP_NAMES = {
    "self": "Self",
    "supervisor": "Supervisor",
    "peer": "Peers",
    "direct_report": "Direct reports",
    "customer": "Customers",
}


def _mean(values: Iterable[int]) -> Decimal | None:
    items = list(values)
    if not items:
        return None
    return (Decimal(sum(items)) / len(items)).quantize(TWO, ROUND_HALF_UP)


def _text(value: Decimal | None) -> str:
    return NONE if value is None else f"{value}"


def _group_key(relationship: str) -> tuple[int, str]:
    order = GROUP_ORDER.index(relationship) if relationship in GROUP_ORDER else len(GROUP_ORDER)
    return order, relationship


@dataclass(frozen=True)
class Group:
    relationship: str
    name: str
    shown: bool
    responded: int | None
    """Only for shown groups: a withheld group's size is not published."""


@dataclass(frozen=True)
class Row:
    label: str
    competency: str
    self_mean: str
    others_mean: str
    others_n: str
    gap: str
    """others minus self, when both exist."""
    groups: list[str]
    others_value: Decimal | None = None


@dataclass(frozen=True)
class CommentBlock:
    question: str
    self_comments: list[str]
    groups: list[tuple[str, list[str] | None]]
    """(group name, comments), comments None when the group is withheld."""


@dataclass
class Report360:
    employee_name: str
    campaign_id: uuid.UUID
    closed_on: str
    threshold: int
    scale: str
    groups: list[Group]
    shown_groups: list[Group]
    competencies: list[Row]
    items: list[Row]
    strengths: list[Row]
    gaps: list[Row]
    comments: list[CommentBlock]
    chart: Radar | None
    notes: list[str] = field(default_factory=list)
    campaign_name: str = ""
    """The campaign's name, or its id when the read model has none."""
    cycle_name: str | None = None


def build_360(
    employee_name: str,
    campaign_id: uuid.UUID,
    closed_on: str,
    threshold: int,
    facts: list[RatingFact],
    comments: list[CommentFact],
    lang: Language = "en",
    *,
    campaign_name: str | None = None,
    cycle_name: str | None = None,
) -> Report360:
    t = Texts(lang)
    shown_facts = publishable(facts)
    own = [f for f in facts if f.relationship == SELF]
    groups = _groups(t, [*facts, *comments], threshold)
    rated = {f.relationship for f in shown_facts}
    shown_groups = [g for g in groups if g.shown and g.relationship in rated]

    def row(label: str, competency: str, selected: list[RatingFact], mine: list[RatingFact]) -> Row:
        return _row(label, competency, selected, mine, shown_groups)

    competencies: dict[uuid.UUID, tuple[str, str]] = {}
    items: dict[uuid.UUID, tuple[str, str, str]] = {}
    for f in facts:
        competencies[f.competency_id] = (f.competency_key, f.competency_name)
        items[f.item_id] = (f.competency_key, f.item_text, f.competency_name)
    competency_order = sorted(competencies, key=lambda c: (competencies[c], str(c)))
    competency_rows = [
        row(
            competencies[c][1],
            competencies[c][1],
            [f for f in shown_facts if f.competency_id == c],
            [f for f in own if f.competency_id == c],
        )
        for c in competency_order
    ]
    item_rows = [
        row(
            items[i][1],
            items[i][2],
            [f for f in shown_facts if f.item_id == i],
            [f for f in own if f.item_id == i],
        )
        for i in sorted(items, key=lambda i: (items[i], str(i)))
    ]
    rated_items = [r for r in item_rows if r.others_value is not None]
    strengths = sorted(rated_items, key=lambda r: (-(r.others_value or 0), r.label))[:HIGHLIGHTS]
    gaps = [
        r
        for r in sorted(rated_items, key=lambda r: (r.others_value or 0, r.label))
        if r not in strengths
    ][:HIGHLIGHTS]

    low = min((f.scale_min for f in facts), default=0)
    high = max((f.scale_max for f in facts), default=0)
    chart = _chart(t, [competencies[c][1] for c in competency_order], competency_rows, low, high)
    notes: list[str] = [] if chart is not None else [t.radar_note]
    comment_blocks = _comment_blocks(comments, groups)
    return Report360(
        employee_name=employee_name,
        campaign_id=campaign_id,
        closed_on=closed_on,
        threshold=threshold,
        scale=t("scale", low=low, high=high) if high > low else NONE,
        groups=groups,
        shown_groups=shown_groups,
        competencies=competency_rows,
        items=item_rows,
        strengths=strengths,
        gaps=gaps,
        comments=comment_blocks,
        chart=chart,
        notes=notes,
        campaign_name=campaign_name or str(campaign_id),
        cycle_name=cycle_name,
    )


def _groups(t: Texts, answers: Sequence[RatingFact | CommentFact], threshold: int) -> list[Group]:
    """The rater groups in report order, each shown or withheld by the anonymity rule."""
    # A group's responders: everyone who rated or commented in it. Reviews counts every
    # submitted response, so this can only undercount: nothing reviews suppresses shows.
    responders: dict[str, set[str]] = defaultdict(set)
    for answer in answers:
        if answer.relationship != SELF:
            responders[answer.relationship].add(answer.rater_key)
    return [
        Group(
            relationship=rel,
            name=getattr(t, f"group_{rel}", rel) if rel in GROUP_NAMES else rel,
            shown=(shown := rel == SUPERVISOR or len(who) >= threshold),
            responded=len(who) if shown else None,
        )
        for rel, who in sorted(responders.items(), key=lambda kv: _group_key(kv[0]))
    ]


def _row(
    label: str,
    competency: str,
    selected: list[RatingFact],
    mine: list[RatingFact],
    shown_groups: list[Group],
) -> Row:
    others = _mean(f.value for f in selected)
    self_mean = _mean(f.value for f in mine)
    gap = None if others is None or self_mean is None else others - self_mean
    return Row(
        label=label,
        competency=competency,
        self_mean=_text(self_mean),
        others_mean=_text(others),
        others_n=str(len(selected)) if selected else NONE,
        gap=NONE if gap is None else f"{gap:+}",
        groups=[
            _text(_mean(f.value for f in selected if f.relationship == g.relationship))
            for g in shown_groups
        ],
        others_value=others,
    )


def _chart(t: Texts, names: list[str], rows: list[Row], low: int, high: int) -> Radar | None:
    """Self against others per competency; a radar needs three axes and a scale."""
    if len(names) < 3 or high <= low:
        return None
    return radar(
        names,
        [
            (t.self, "self", [_value(r.self_mean) for r in rows]),
            (t.others, "others", [_value(r.others_mean) for r in rows]),
        ],
        low,
        high,
    )


def _comment_blocks(comments: list[CommentFact], groups: list[Group]) -> list[CommentBlock]:
    """Comments per question: self's always, a group's only when the group is shown."""
    blocks: dict[tuple[str, uuid.UUID], list[CommentFact]] = defaultdict(list)
    for c in comments:
        blocks[(c.item_text, c.item_id)].append(c)
    comment_blocks = []
    for (question, _), notes_ in sorted(blocks.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        present = {c.relationship for c in notes_ if c.relationship != SELF}
        comment_blocks.append(
            CommentBlock(
                question=question,
                self_comments=sorted(c.comment for c in notes_ if c.relationship == SELF),
                groups=[
                    (
                        g.name,
                        sorted(c.comment for c in notes_ if c.relationship == g.relationship)
                        if g.shown
                        else None,
                    )
                    for g in groups
                    if g.relationship in present
                ],
            )
        )
    return comment_blocks


def _value(text: str) -> float | None:
    return None if text == NONE else float(text)


@dataclass
class Distribution:
    title: str
    cycle_id: uuid.UUID
    calibration_session_id: uuid.UUID | None
    people: int
    rows: list[tuple[str, str, str, str, str]]
    """(band, label, raw, calibrated, guideline expected)."""
    chart: Bars
    has_calibrated: bool
    has_guideline: bool
    cycle_name: str | None = None
    """None when the read model has no name for the cycle (the id is shown)."""
    session_name: str | None = None


def _band_counts(
    t: Texts,
    bands: Sequence[RatingBand],
    raw: Sequence[str | None],
    final: Sequence[str | None],
    guideline: dict[str, Decimal],
    has_calibrated: bool,
) -> tuple[list[tuple[str, str, str, str, str]], list[tuple[str, str, list[float | None]]]]:
    """The table's rows (band, label, raw, calibrated, guideline) and the chart's series."""
    people = sum(1 for b in raw if b is not None)
    rows = []
    raw_counts: list[float | None] = []
    final_counts: list[float | None] = []
    expected: list[float | None] = []
    for band in bands:
        r = sum(1 for b in raw if b == band.code)
        c = sum(1 for b in final if b == band.code)
        share = guideline.get(band.code)
        e = None if share is None else float(share) * people / 100
        raw_counts.append(float(r))
        final_counts.append(float(c))
        expected.append(e)
        rows.append(
            (
                band.code,
                band.label,
                str(r),
                str(c) if has_calibrated else NONE,
                NONE if e is None else f"{e:.1f}",
            )
        )
    series: list[tuple[str, str, list[float | None]]] = [(t.raw, "raw", raw_counts)]
    if has_calibrated:
        series.append((t.calibrated, "calibrated", final_counts))
    if guideline:
        series.append((t.guideline, "guideline", expected))
    return rows, series


class ReportService:
    async def individual_360(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        employee_id: uuid.UUID,
        campaign_id: uuid.UUID,
        lang: Language = "en",
    ) -> str:
        if not identity.has_any(Role.ADMIN, Role.HR):
            # The employee and their line manager(s) only: an integration key's tenant-wide
            # reach does not extend to a person's 360 report.
            personal = identity.model_copy(
                update={"roles": identity.roles & {Role.MANAGER, Role.EMPLOYEE}}
            )
            visible = await visible_employees(session, personal)
            if visible is None or employee_id not in visible:
                raise ReportForbidden(
                    "Only the employee, their manager, HR and admins see this report."
                )
        repo = ReportRepository(session)
        campaign = await repo.campaign(campaign_id)
        facts = await repo.ratings(campaign_id, employee_id) if campaign else []
        comments = await repo.comments(campaign_id, employee_id) if campaign else []
        if campaign is None or not (facts or comments):
            raise ReportNotFound(f"No 360 answers for employee {employee_id} in {campaign_id}.")
        person = await repo.employee(employee_id)
        cycle = await repo.cycle(campaign.cycle_id)
        threshold = campaign.anonymity_threshold or max(
            (f.anonymity_threshold for f in facts), default=DEFAULT_ANONYMITY_THRESHOLD
        )
        report = build_360(
            person.name if person else str(employee_id),
            campaign_id,
            campaign.closed_at.date().isoformat(),
            threshold,
            facts,
            comments,
            lang,
            campaign_name=campaign.name,
            cycle_name=cycle.name if cycle else None,
        )
        return render("individual_360.html.j2", lang, report=report)

    async def distribution(
        self,
        session: AsyncSession,
        tenant: uuid.UUID,
        cycle_id: uuid.UUID | None,
        calibration_session_id: uuid.UUID | None,
        lang: Language = "en",
    ) -> str:
        t = Texts(lang)
        if (cycle_id is None) == (calibration_session_id is None):
            raise InvalidInput(
                "Name a cycle or a calibration session.",
                errors=[
                    FieldProblem(
                        pointer="/query/cycle_id",
                        detail="give a cycle_id or a calibration_session_id, not both",
                    )
                ],
            )
        repo = ReportRepository(session)
        policy = await result_service.policy_for(session, tenant, None)
        bands = sorted(policy.bands, key=lambda b: b.min_score)
        if calibration_session_id is not None:
            calibration = await repo.calibration_session(calibration_session_id)
            if calibration is None:
                raise ReportNotFound(f"No calibration session {calibration_session_id}.")
            entries = await repo.calibration_entries(calibration.id)
            raw = [e.raw_band for e in entries]
            final = [e.calibrated_band or e.raw_band for e in entries]
            cycle = calibration.cycle_id
            title = calibration.name
            has_calibrated = True
        else:
            assert cycle_id is not None
            cycle = cycle_id
            results = await repo.cycle_results(cycle)
            calibration = await repo.latest_calibration(cycle)
            raw = [r.band for r in results]
            final = [r.calibrated_band or r.band for r in results]
            title = t.cycle_results
            has_calibrated = calibration is not None
        people = sum(1 for b in raw if b is not None)
        guideline = (
            {g["band"]: Decimal(str(g["share"])) for g in calibration.guideline}
            if calibration is not None
            else {}
        )
        rows, series = _band_counts(t, bands, raw, final, guideline, has_calibrated)
        chart = bars([(b.code, b.label) for b in bands], series)
        cycle_view = await repo.cycle(cycle)
        return render(
            "distribution.html.j2",
            lang,
            report=Distribution(
                title=title,
                cycle_id=cycle,
                calibration_session_id=calibration_session_id,
                people=people,
                rows=rows,
                chart=chart,
                has_calibrated=has_calibrated,
                has_guideline=bool(guideline),
                cycle_name=cycle_view.name if cycle_view else None,
                session_name=title if calibration_session_id is not None else None,
            ),
        )


report_service = ReportService()
