"""The OpenAPI problem-responses helper: what a route declares is what the document shows."""

import pytest
from fastapi import APIRouter, FastAPI

from strata_contracts.problem import PROBLEM_MEDIA_TYPE, Problem
from strata_kit.problems import ProblemResponses


class TestDeclaring:
    def test_the_always_statuses_come_first_then_the_named_ones_once(self) -> None:
        errors = ProblemResponses(always=(401, 403))
        assert list(errors(404, 403, 422)) == [401, 403, 404, 422]
        assert errors(404)[404] == {"model": Problem}

    def test_ordered_sorts_the_statuses(self) -> None:
        errors = ProblemResponses(always=(401, 422), ordered=True)
        assert list(errors(409, 404)) == [401, 404, 409, 422]

    def test_a_service_wording_and_its_fallback(self) -> None:
        errors = ProblemResponses(descriptions={404: "No such thing."}, fallback="Error.")
        assert errors(404, 409) == {
            404: {"model": Problem, "description": "No such thing."},
            409: {"model": Problem, "description": "Error."},
        }

    def test_a_status_without_wording_and_no_fallback_is_refused(self) -> None:
        errors = ProblemResponses(descriptions={404: "No such thing."})
        with pytest.raises(KeyError):
            errors(409)

    def test_a_status_worded_none_takes_the_standard_phrase(self) -> None:
        errors = ProblemResponses(always=(401,), descriptions={401: None, 404: "No such job."})
        assert errors(404) == {
            401: {"model": Problem},
            404: {"model": Problem, "description": "No such job."},
        }

    def test_the_problem_media_type_is_listed_on_request(self) -> None:
        errors = ProblemResponses(problem_media_type=True)
        assert errors(409)[409]["content"] == {PROBLEM_MEDIA_TYPE: {}}
        assert "content" not in ProblemResponses()(409)[409]


class TestTheDocument:
    def test_each_declared_status_is_a_problem_body_in_the_openapi(self) -> None:
        errors = ProblemResponses(
            always=(401,),
            descriptions={401: "No identity.", 404: "Unknown."},
            problem_media_type=True,
        )
        router = APIRouter()

        @router.get("/things/{thing_id}", responses=errors(404))
        async def get_thing(thing_id: int) -> dict[str, int]:
            """One thing."""
            return {"id": thing_id}

        app = FastAPI()
        app.include_router(router)
        answers = app.openapi()["paths"]["/things/{thing_id}"]["get"]["responses"]
        assert answers["404"]["description"] == "Unknown."
        assert answers["401"]["description"] == "No identity."
        assert PROBLEM_MEDIA_TYPE in answers["404"]["content"]
        schema = answers["404"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Problem"}
