"""What a rater's answers are checked against: the items of their form, each with its
scale's values. Pure rules over rows read once per request (one query, whatever the
number of items), so validating a response costs no statement per answer."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from strata_contracts.problem import FieldProblem
from strata_contracts.reviews.responses import AnswerWrite
from strata_contracts.reviews.vocabulary import ItemKind
from strata_kit.errors import InvalidInput, field


@dataclass(frozen=True, slots=True)
class ItemRule:
    """One item of a rater's form: a rating item (with its scale's values) or a question."""

    id: UUID
    kind: ItemKind
    required: bool
    text: str
    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FormRules:
    """The items one relationship answers, in form order (competencies, then questions)."""

    items: Sequence[ItemRule]

    def by_id(self) -> dict[UUID, ItemRule]:
        return {item.id: item for item in self.items}


def _answer_problems(where: str, answer: AnswerWrite, item: ItemRule) -> list[FieldProblem]:
    if item.kind is ItemKind.RATING:
        problems = []
        if answer.comment is not None:
            problems.append(
                field(f"{where}/comment", "rating items take no comment", "not_allowed")
            )
        if answer.rating is None:
            problems.append(
                field(f"{where}/rating", "give a rating, or leave the item out", "missing")
            )
        elif answer.rating not in item.values:
            allowed = ", ".join(str(v) for v in item.values)
            problems.append(
                field(f"{where}/rating", f"not on the item's scale ({allowed})", "out_of_scale")
            )
        return problems
    problems = []
    if answer.rating is not None:
        problems.append(field(f"{where}/rating", "questions take a comment", "not_allowed"))
    if answer.comment is None:
        problems.append(
            field(f"{where}/comment", "give a comment, or leave the question out", "missing")
        )
    return problems


def validate_answers(answers: Sequence[AnswerWrite], rules: FormRules) -> None:
    """Each answer must be for an item of this rater's form, once, with a rating on the
    item's scale (rating items) or a comment (questions)."""
    items = rules.by_id()
    errors: list[FieldProblem] = []
    seen: set[UUID] = set()
    for n, answer in enumerate(answers):
        where = f"answers/{n}"
        item = items.get(answer.item_id)
        if item is None:
            errors.append(field(f"{where}/item_id", "not an item of this form", "unknown_item"))
            continue
        if answer.item_id in seen:
            errors.append(field(f"{where}/item_id", "answered twice", "duplicate"))
        seen.add(answer.item_id)
        errors.extend(_answer_problems(where, answer, item))
    if errors:
        raise InvalidInput("Some answers are not valid.", errors=errors)


def missing_required(answered: set[UUID], rules: FormRules) -> list[FieldProblem]:
    return [
        field("answers", f"item {item.id} is required: {item.text}", "required")
        for item in rules.items
        if item.required and item.id not in answered
    ]
