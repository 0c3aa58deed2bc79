# ruff: noqa: RUF001  (Chinese punctuation is meant)
"""The default competency model: the four competencies the strategic school names
(communication, interpersonal relations, leadership, administrative ability), each rated
on a five-point behavioural scale. Customers rate only what they can observe."""

from typing import Any

from strata_contracts.reviews.templates import (
    CompetencySpec,
    QuestionSpec,
    RatingItemSpec,
    RatingScaleSpec,
    ScalePoint,
    TemplateDefinition,
)
from strata_contracts.reviews.vocabulary import Relationship
from strata_kit.i18n import Language

_INTERNAL = [
    Relationship.SELF,
    Relationship.SUPERVISOR,
    Relationship.PEER,
    Relationship.DIRECT_REPORT,
]

FREQUENCY_SCALE = RatingScaleSpec(
    key="frequency",
    name="How consistently the behaviour is shown",
    points=[
        ScalePoint(value=1, label="Rarely", anchor="Seldom shows the behaviour, even when needed."),
        ScalePoint(
            value=2, label="Sometimes", anchor="Shows it occasionally; others must often step in."
        ),
        ScalePoint(value=3, label="Usually", anchor="Shows it in most situations the job brings."),
        ScalePoint(value=4, label="Often", anchor="Shows it reliably, including under pressure."),
        ScalePoint(
            value=5, label="Consistently", anchor="A role model others learn the behaviour from."
        ),
    ],
)


def _items(
    texts: list[str], relationships: list[Relationship] | None = None
) -> list[RatingItemSpec]:
    return [
        RatingItemSpec(text=t, scale_key="frequency", relationships=relationships) for t in texts
    ]


def default_definition(lang: Language = "en") -> TemplateDefinition:
    """A fresh copy of the default model (customise it and write it as a version), in
    English or in Simplified Chinese (the same keys, scale values and structure)."""
    english = _english()
    if lang != "zh-CN":
        return english
    return _translated(english, ZH)


def _translated(definition: TemplateDefinition, table: dict[str, str]) -> TemplateDefinition:
    def walk(node: Any, key: str | None = None) -> Any:
        if isinstance(node, dict):
            return {k: walk(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, key) for v in node]
        if isinstance(node, str) and key in _TEXT_FIELDS:
            return table.get(node, node)
        return node

    return TemplateDefinition.model_validate(walk(definition.model_dump(mode="json")))


_TEXT_FIELDS = frozenset({"name", "label", "anchor", "description", "text"})

ZH: dict[str, str] = {
    "How consistently the behaviour is shown": "行为表现的稳定程度",
    "Rarely": "很少",
    "Seldom shows the behaviour, even when needed.": "即使在需要时也很少表现出该行为。",
    "Sometimes": "有时",
    "Shows it occasionally; others must often step in.": "偶尔表现出来；常需他人介入。",
    "Usually": "通常",
    "Shows it in most situations the job brings.": "在工作中的大多数情形下都能表现出来。",
    "Often": "经常",
    "Shows it reliably, including under pressure.": "稳定地表现出来，压力之下也是如此。",
    "Consistently": "始终如一",
    "A role model others learn the behaviour from.": "他人学习该行为的榜样。",
    "Communication": "沟通能力",
    "Shares information and ideas clearly, and listens.": "清晰地分享信息和想法，并善于倾听。",
    "Listens actively and checks that they have understood.": "积极倾听，并确认自己已经理解。",
    "Explains ideas clearly, in writing and in person.": "无论书面还是当面，都能清楚地阐述想法。",
    "Shares the information others need, in time.": "及时分享他人需要的信息。",
    "Interpersonal relations": "人际关系",
    "Builds working relationships based on respect and trust.": "建立基于尊重和信任的工作关系。",
    "Treats colleagues and customers with respect.": "尊重同事和客户。",
    "Handles disagreements constructively.": "建设性地处理分歧。",
    "Keeps commitments made to others.": "信守对他人的承诺。",
    "Leadership": "领导能力",
    "Gives direction, develops people and owns results.": "指明方向，培养人才，对结果负责。",
    "Sets clear direction and priorities.": "设定清晰的方向和优先级。",
    "Coaches others and gives useful feedback.": "辅导他人并给予有用的反馈。",
    "Takes responsibility for results, good or bad.": "无论好坏，都对结果负责。",
    "Administrative ability": "行政管理能力",
    "Plans, organises and follows through.": "计划、组织并贯彻执行。",
    "Plans and organises work to meet deadlines.": "计划和组织工作，按期完成。",
    "Uses time and resources efficiently.": "高效利用时间和资源。",
    "Keeps records accurate and follows agreed procedures.": "保持记录准确，遵守既定流程。",
    "What does this person do particularly well?": "此人哪些方面做得特别好？",
    "What should this person start doing, or do differently?": (
        "此人应该开始做什么，或在哪些方面改进？"
    ),
}
"""The default model in Simplified Chinese, text by text."""


def _english() -> TemplateDefinition:
    return TemplateDefinition(
        scales=[FREQUENCY_SCALE.model_copy(deep=True)],
        competencies=[
            CompetencySpec(
                key="communication",
                name="Communication",
                description="Shares information and ideas clearly, and listens.",
                items=_items(
                    [
                        "Listens actively and checks that they have understood.",
                        "Explains ideas clearly, in writing and in person.",
                        "Shares the information others need, in time.",
                    ]
                ),
            ),
            CompetencySpec(
                key="interpersonal_relations",
                name="Interpersonal relations",
                description="Builds working relationships based on respect and trust.",
                items=_items(
                    [
                        "Treats colleagues and customers with respect.",
                        "Handles disagreements constructively.",
                        "Keeps commitments made to others.",
                    ]
                ),
            ),
            CompetencySpec(
                key="leadership",
                name="Leadership",
                description="Gives direction, develops people and owns results.",
                items=_items(
                    [
                        "Sets clear direction and priorities.",
                        "Coaches others and gives useful feedback.",
                        "Takes responsibility for results, good or bad.",
                    ],
                    _INTERNAL,
                ),
            ),
            CompetencySpec(
                key="administrative_ability",
                name="Administrative ability",
                description="Plans, organises and follows through.",
                items=_items(
                    [
                        "Plans and organises work to meet deadlines.",
                        "Uses time and resources efficiently.",
                        "Keeps records accurate and follows agreed procedures.",
                    ],
                    _INTERNAL,
                ),
            ),
        ],
        questions=[
            QuestionSpec(text="What does this person do particularly well?"),
            QuestionSpec(text="What should this person start doing, or do differently?"),
        ],
    )
