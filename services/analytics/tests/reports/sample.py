"""A fixed 360 and a fixed distribution, rendered without a database: the same input gives
the same bytes, so English output can be compared with a stored copy."""

import uuid
from datetime import UTC, datetime

from strata_analytics.projections.models import CommentFact, RatingFact
from strata_analytics.reports.geometry import bars
from strata_analytics.reports.i18n import Texts
from strata_analytics.reports.render import render
from strata_analytics.reports.service import Distribution, build_360
from strata_kit.i18n import Language

NS = uuid.UUID("6f1c2d3e-0000-4000-8000-000000000000")
CAMPAIGN = uuid.uuid5(NS, "campaign")
CYCLE = uuid.uuid5(NS, "cycle")
COMPETENCIES = [
    ("leadership", "Leadership"),
    ("communication", "Communication"),
    ("customer_focus", "Customer focus"),
    ("teamwork", "Teamwork and collaboration"),
    ("execution", "Execution"),
]
RATERS = [("self", "me"), ("supervisor", "boss"), *[("peer", f"p{i}") for i in range(3)]]
RATERS += [("customer", "c1")]


def facts() -> tuple[list[RatingFact], list[CommentFact]]:
    ratings, comments = [], []
    for c, (key, name) in enumerate(COMPETENCIES):
        competency = uuid.uuid5(NS, key)
        item = uuid.uuid5(NS, f"{key}/item")
        for r, (relationship, rater) in enumerate(RATERS):
            ratings.append(
                RatingFact(
                    id=uuid.uuid5(NS, f"{key}/{rater}"),
                    created_at=datetime(2026, 6, 30, tzinfo=UTC),
                    updated_at=datetime(2026, 6, 30, tzinfo=UTC),
                    tenant_id=NS,
                    campaign_id=CAMPAIGN,
                    cycle_id=CYCLE,
                    ratee_id=uuid.uuid5(NS, "ratee"),
                    relationship=relationship,
                    rater_key=rater,
                    competency_id=competency,
                    competency_key=key,
                    competency_name=name,
                    item_id=item,
                    item_text=f"Shows {name.lower()} every day",
                    value=1 + (c + r) % 5,
                    scale_min=1,
                    scale_max=5,
                    anonymity_threshold=3,
                )
            )
    for relationship, rater, text in [
        ("self", "me", "I plan ahead."),
        ("peer", "p0", "Clear <b>notes</b>."),
        ("peer", "p1", "Helps others."),
        ("peer", "p2", "Listens."),
        ("customer", "c1", "Slow to answer."),
    ]:
        comments.append(
            CommentFact(
                id=uuid.uuid5(NS, f"comment/{rater}"),
                created_at=datetime(2026, 6, 30, tzinfo=UTC),
                updated_at=datetime(2026, 6, 30, tzinfo=UTC),
                tenant_id=NS,
                campaign_id=CAMPAIGN,
                ratee_id=uuid.uuid5(NS, "ratee"),
                relationship=relationship,
                rater_key=rater,
                item_id=uuid.uuid5(NS, "question"),
                item_text="What should they keep doing?",
                comment=text,
            )
        )
    return ratings, comments


def report_360_html(lang: Language = "en") -> str:
    ratings, comments = facts()
    report = build_360("Lena Kovač", CAMPAIGN, "2026-06-30", 3, ratings, comments, lang)
    return render("individual_360.html.j2", lang, report=report)


def distribution_html(lang: Language = "en") -> str:
    t = Texts(lang)
    chart = bars(
        [("A", "Outstanding"), ("B", "Strong"), ("C", "Solid"), ("D", "Improving")],
        [
            (t.raw, "raw", [1.0, 3.0, 4.0, 2.0]),
            (t.calibrated, "calibrated", [1.0, 2.0, 5.0, 2.0]),
            (t.guideline, "guideline", [1.0, 2.5, 5.0, 1.5]),
        ],
    )
    report = Distribution(
        title=t.cycle_results,
        cycle_id=CYCLE,
        calibration_session_id=None,
        people=10,
        rows=[
            ("A", "Outstanding", "1", "1", "1.0"),
            ("B", "Strong", "3", "2", "2.5"),
            ("C", "Solid", "4", "5", "5.0"),
            ("D", "Improving", "2", "2", "1.5"),
        ],
        chart=chart,
        has_calibrated=True,
        has_guideline=True,
    )
    return render("distribution.html.j2", lang, report=report)
