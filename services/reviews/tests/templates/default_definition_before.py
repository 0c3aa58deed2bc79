"""A copy of strata_reviews/templates/defaults.py before the Chinese translation (issue 19),
kept so a test shows the English default model is unchanged."""

from strata_contracts.reviews.templates import (
    CompetencySpec,
    QuestionSpec,
    RatingItemSpec,
    RatingScaleSpec,
    ScalePoint,
    TemplateDefinition,
)
from strata_contracts.reviews.vocabulary import Relationship

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


def default_definition() -> TemplateDefinition:
    """A fresh copy of the default model (customise it and write it as a version)."""
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
