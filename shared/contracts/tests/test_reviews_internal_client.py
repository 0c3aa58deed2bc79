"""`ReviewsInternalClient`: the typed call analytics makes to pull a closed campaign's answers."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from strata_contracts import ApiError, ServiceUnavailable
from strata_contracts.identity import IDENTITY_HEADER
from strata_contracts.reviews.client import ReviewsInternalClient
from strata_contracts.reviews.internal import INTERNAL_ANSWERS_PATH, InternalAnswer
from strata_contracts.reviews.vocabulary import ItemKind, Relationship

TENANT, CAMPAIGN = uuid.uuid4(), uuid.uuid4()


def an_answer() -> InternalAnswer:
    return InternalAnswer(
        campaign_id=CAMPAIGN,
        cycle_id=uuid.uuid4(),
        template_id=uuid.uuid4(),
        closed_at=datetime(2026, 6, 30, tzinfo=UTC),
        anonymity_threshold=3,
        ratee_id=uuid.uuid4(),
        relationship=Relationship.PEER,
        rater_key="0" * 32,
        rater_employee_id=None,
        kind=ItemKind.RATING,
        item_id=uuid.uuid4(),
        item_text="Listens",
        value=4,
    )


def client(handler) -> ReviewsInternalClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://reviews")
    return ReviewsInternalClient(http, identity_token="platform-token")


class TestAnswers:
    async def test_a_refused_identity_is_an_api_error(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(401, json={"title": "Unauthorized", "status": 401})

        with pytest.raises(ApiError) as raised:
            await client(handler).answers(TENANT, CAMPAIGN)
        assert raised.value.status == 401

    async def test_a_page_is_asked_with_the_platform_identity_and_parsed(self) -> None:
        seen: list[httpx.Request] = []
        answer = an_answer()

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            body = {"items": [answer.model_dump(mode="json")], "next_cursor": "next"}
            return httpx.Response(200, json=body)

        page = await client(handler).answers(TENANT, CAMPAIGN, limit=500)
        assert page.items == [answer]
        assert page.next_cursor == "next"
        [request] = seen
        assert request.url.path == INTERNAL_ANSWERS_PATH
        assert request.headers[IDENTITY_HEADER] == "platform-token"
        assert dict(request.url.params) == {
            "tenant": str(TENANT),
            "campaign_id": str(CAMPAIGN),
            "limit": "500",
        }

    async def test_the_cursor_is_sent_when_following_pages(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            assert request.url.params["cursor"] == "abc"
            return httpx.Response(200, json={"items": []})

        page = await client(handler).answers(TENANT, CAMPAIGN, cursor="abc")
        assert page.items == []
        assert page.next_cursor is None

    async def test_an_unreachable_service_names_how_it_failed(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectTimeout("timed out", request=request)

        with pytest.raises(ServiceUnavailable) as raised:
            await client(handler).answers(TENANT, CAMPAIGN)
        assert raised.value.status == 504
        assert "ConnectTimeout" in (raised.value.problem.detail or "")
