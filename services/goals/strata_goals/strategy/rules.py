"""The pure rules and wire shapes of the strategy cascade: what each level may serve, and
how objectives, indicators and templates read on the wire and in the audit trail."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from strata_contracts.goals.strategy import (
    CascadeNode,
    CoverageItem,
    IndicatorLinkRead,
    IndicatorRead,
    IndicatorTemplateRead,
    ObjectiveRead,
)
from strata_contracts.goals.vocabulary import Level
from strata_goals.calc.scoring import quantise_score
from strata_goals.parameters import (
    parameters_read,
)
from strata_goals.strategy.models import Indicator, IndicatorLink, IndicatorTemplate, Objective
from strata_kit.errors import InvalidInput, field

OBJECTIVE_CHANGED = "goals.objective.changed"
INDICATOR_CHANGED = "goals.indicator.changed"

# What each level of the cascade may serve.
PARENT_LEVELS: dict[Level, set[Level | Literal["objective"]]] = {
    Level.ENTERPRISE: {"objective"},
    Level.DEPARTMENT: {"objective", Level.ENTERPRISE},
    Level.POST: {Level.DEPARTMENT},
}


def objective_read(objective: Objective) -> ObjectiveRead:
    return ObjectiveRead.model_validate(objective)


def indicator_read(indicator: Indicator, links: Sequence[IndicatorLink] = ()) -> IndicatorRead:
    return IndicatorRead(
        **parameters_read(indicator).model_dump(),
        id=indicator.id,
        code=indicator.code,
        name=indicator.name,
        description=indicator.description,
        level=indicator.level,
        perspective=indicator.perspective,
        org_unit_id=indicator.org_unit_id,
        position_id=indicator.position_id,
        weight=indicator.weight,
        template_id=indicator.template_id,
        active=indicator.active,
        links=[IndicatorLinkRead.model_validate(link) for link in links],
        created_at=indicator.created_at,
        updated_at=indicator.updated_at,
    )


def template_read(template: IndicatorTemplate) -> IndicatorTemplateRead:
    return IndicatorTemplateRead(
        **parameters_read(template).model_dump(),
        id=template.id,
        code=template.code,
        name=template.name,
        description=template.description,
        perspective=template.perspective,
        default_weight=template.default_weight,
        active=template.active,
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


def coverage_item(indicator: Indicator) -> CoverageItem:
    return CoverageItem(
        kind="indicator",
        id=indicator.id,
        code=indicator.code,
        name=indicator.name,
        level=indicator.level,
    )


def rolled_up(children: Sequence[CascadeNode]) -> Decimal | None:
    """Contribution-weighted mean of the children that have an attainment."""
    pairs = [
        (c.attainment, c.contribution_weight)
        for c in children
        if c.attainment is not None and c.contribution_weight is not None
    ]
    total = sum((weight for _, weight in pairs), Decimal(0))
    if total == 0:
        return None
    return quantise_score(sum((a * w for a, w in pairs), Decimal(0)) / total)


def allowed_text(allowed: set[Level | Literal["objective"]]) -> str:
    names = sorted("an objective" if a == "objective" else f"a {a} indicator" for a in allowed)
    return " or ".join(names)


def link_snapshot(link: IndicatorLink) -> dict[str, Any]:
    return {
        "parent_objective_id": str(link.parent_objective_id) if link.parent_objective_id else None,
        "parent_indicator_id": str(link.parent_indicator_id) if link.parent_indicator_id else None,
        "contribution_weight": str(link.contribution_weight),
    }


def dates_in_order(starts_on: Any, ends_on: Any) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise InvalidInput(
            "The objective ends before it starts.",
            errors=[field("ends_on", "before starts_on")],
        )
