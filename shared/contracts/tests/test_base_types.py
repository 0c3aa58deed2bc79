"""One name, one meaning: the shared text and number types are declared once
(`strata_contracts._base`), and no contracts module declares its own type of the same name
with other limits (issue 18.2: `Text` was 2,000 characters in reviews, 4,000 in feedback)."""

import importlib
import pkgutil
from typing import get_args

import pytest
from pydantic import BaseModel, ValidationError

import strata_contracts
from strata_contracts import _base
from strata_contracts.feedback.appeals import AppealCreate
from strata_contracts.feedback.interviews import InterviewCancel
from strata_contracts.feedback.notes import NoteCreate
from strata_contracts.reviews.invitations import InvitationDecline

SHARED = [
    name
    for name, value in vars(_base).items()
    if not name.startswith("_") and get_args(value) and name[0].isupper()
]


def _modules() -> list[str]:
    return [
        m.name
        for m in pkgutil.walk_packages(strata_contracts.__path__, "strata_contracts.")
        if m.name != "strata_contracts._base"
    ]


class TestOneNameOneMeaning:
    def test_the_shared_types_are_the_text_and_number_building_blocks(self) -> None:
        assert {"Name", "Text", "LongText", "Note", "Reason", "Email", "Percent"} <= set(SHARED)

    @pytest.mark.parametrize("module", _modules())
    def test_no_module_redeclares_a_shared_name(self, module: str) -> None:
        namespace = vars(importlib.import_module(module))
        for name in SHARED:
            if name in namespace:
                assert namespace[name] is getattr(_base, name), f"{module}.{name}"

    def test_the_request_bases_are_shared_too(self) -> None:
        for name in ("Strict", "Read"):
            for module in _modules():
                value = vars(importlib.import_module(module)).get(name)
                if isinstance(value, type) and issubclass(value, BaseModel):
                    assert value is getattr(_base, name), f"{module}.{name}"


class _Probe(BaseModel):
    text: _base.Text
    long_text: _base.LongText
    note: _base.Note | None = None


class TestTheLimits:
    def test_text_holds_2000_characters_and_long_text_4000(self) -> None:
        _Probe(text="x" * 2000, long_text="x" * 4000)
        with pytest.raises(ValidationError) as raised:
            _Probe(text="x" * 2001, long_text="x" * 4001)
        assert {e["loc"][0] for e in raised.value.errors()} == {"text", "long_text"}

    def test_note_may_be_empty_text_may_not(self) -> None:
        assert _Probe(text="x", long_text="x", note="  ").note == ""
        with pytest.raises(ValidationError):
            _Probe(text="  ", long_text="x")


class TestWhatClientsSeeIsUnchanged:
    """The limits each service's clients saw before the types were shared."""

    def test_a_feedback_note_is_still_2000_characters(self) -> None:
        schema = NoteCreate.model_json_schema()["properties"]["body"]
        assert schema["maxLength"] == 2000

    def test_a_feedback_appeal_reason_is_still_4000_characters(self) -> None:
        reason = AppealCreate.model_json_schema()["properties"]["reason"]
        assert (reason["minLength"], reason["maxLength"]) == (1, 4000)

    def test_a_feedback_cancel_reason_still_takes_one_character(self) -> None:
        reason = InterviewCancel.model_json_schema()["properties"]["reason"]
        assert (reason["minLength"], reason["maxLength"]) == (1, 2000)

    def test_a_reviews_decline_reason_still_needs_three(self) -> None:
        reason = InvitationDecline.model_json_schema()["properties"]["reason"]
        assert (reason["minLength"], reason["maxLength"]) == (3, 2000)
