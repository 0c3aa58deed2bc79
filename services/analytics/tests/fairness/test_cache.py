"""One read per scope, shared by the three fairness reports (issue 14.1), and what the
answers look like on the wire (14.3, 14.4).

- the ratings of a cycle are read once for the three reports, and read again when a rating
  is written in this process or when a pull (seen in `campaign_view`) replaced them, as
  another replica would see it;
- the cache holds to its byte budget, forgets idle entries and builds a scope once for
  concurrent callers;
- the API's figures are the in-process library's to the last bit;
- pages (`limit`, `cursor`) and NDJSON give the same rows as the whole answer.
"""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from strata_analytics.fairness.compute import (
    bias_report,
    build_scope,
    reliability_report,
    standardised_report,
)
from strata_analytics.fairness.repository import FairnessRepository
from strata_analytics.fairness.service import fairness_service
from strata_analytics.projections.models import RatingFact
from strata_analytics.ratings import cache as cache_module
from strata_analytics.ratings.cache import RatingsCache, generation
from strata_contracts.identity import Role

from .reference import reference_service
from .test_columnar import F, add_random_facts, rounded

ENDPOINTS = ("raters", "standardised", "reliability")


@pytest.fixture
def reads(monkeypatch):
    """How many times the ratings were read from the database."""
    calls: list[uuid.UUID | None] = []
    original = FairnessRepository.columns

    async def counted(self, *, campaign_id, cycle_id):
        calls.append(cycle_id or campaign_id)
        return await original(self, campaign_id=campaign_id, cycle_id=cycle_id)

    monkeypatch.setattr(FairnessRepository, "columns", counted)
    return calls


async def _all_three(client, hr, cycle) -> dict[str, dict]:
    out = {}
    for name in ENDPOINTS:
        response = await client.get(f"{F}/{name}?cycle_id={cycle}", headers=hr)
        assert response.status_code == 200, response.text
        out[name] = response.json()
    return out


class TestOneRead:
    async def test_the_three_reports_read_the_cycle_once(
        self, client, db_session, identity_headers, reads
    ):
        cycle, _ = await add_random_facts(db_session, 5)
        hr = identity_headers(Role.HR)
        first = await _all_three(client, hr, cycle)
        again = await _all_three(client, hr, cycle)
        assert reads == [cycle]
        assert again == first

    async def test_another_tenant_gets_its_own_answer(
        self, client, db_session, identity_headers, reads
    ):
        cycle, _ = await add_random_facts(db_session, 5)
        mine = await _all_three(client, identity_headers(Role.HR), cycle)
        other = identity_headers(Role.HR, tenant=uuid.uuid4())
        theirs = (await client.get(f"{F}/raters?cycle_id={cycle}", headers=other)).json()
        assert mine["raters"]["raters"]
        assert theirs["raters"] == []
        assert len(reads) == 2  # not served from the first tenant's entry


class TestInvalidation:
    async def test_a_new_rating_is_in_the_next_answer(
        self, client, db_session, identity_headers, reads
    ):
        cycle, _ = await add_random_facts(db_session, 6, k=3)
        hr = identity_headers(Role.HR)
        before = await _all_three(client, hr, cycle)
        template = (
            await db_session.exec(
                select(RatingFact).where(
                    col(RatingFact.cycle_id) == cycle, col(RatingFact.relationship) == "supervisor"
                )
            )
        ).first()
        assert template is not None
        moved = generation()
        db_session.add(
            RatingFact(
                **template.model_dump(exclude={"id", "created_at", "updated_at", "version"})
                | {"id": uuid.uuid4(), "value": 5 if template.value < 3 else 1}
            )
        )
        await db_session.commit()
        assert generation() != moved
        after = await _all_three(client, hr, cycle)
        assert len(reads) == 2
        assert after != before
        expected = await reference_service.bias(db_session, None, cycle)
        assert rounded(after["raters"]) == expected.model_dump(mode="json")

    async def test_a_pull_written_by_another_replica_is_seen(
        self, client, db_session, identity_headers, reads
    ):
        """Plain SQL (no ORM event of this process), as a pull on another replica writes:
        the campaign's stamp in `campaign_view` changes, so the ratings are read again."""
        cycle, campaigns = await add_random_facts(db_session, 7, k=3)
        hr = identity_headers(Role.HR)
        before = await _all_three(client, hr, cycle)
        moved = generation()
        connection = await db_session.connection()  # below the ORM: no event of this process
        await connection.execute(
            text("UPDATE rating_fact SET value = 6 - value WHERE campaign_id = :c"),
            {
                "c": campaigns[0]
                if db_session.bind.dialect.name == "postgresql"
                else campaigns[0].hex
            },
        )
        await connection.execute(
            text("UPDATE campaign_view SET ratings_pulled_at = :at WHERE id = :c"),
            {
                "at": datetime.now(UTC) + timedelta(minutes=1),
                "c": campaigns[0]
                if db_session.bind.dialect.name == "postgresql"
                else campaigns[0].hex,
            },
        )
        await db_session.commit()
        assert generation() == moved  # only campaign_view tells
        after = await _all_three(client, hr, cycle)
        assert len(reads) == 2
        assert after["raters"] != before["raters"]
        expected = await reference_service.bias(db_session, None, cycle)
        assert rounded(after["raters"]) == expected.model_dump(mode="json")

    async def test_no_budget_reads_every_time(
        self, client, db_session, identity_headers, reads, monkeypatch
    ):
        monkeypatch.setattr(fairness_service, "cache", RatingsCache(0, 60))
        cycle, _ = await add_random_facts(db_session, 8)
        hr = identity_headers(Role.HR)
        first = await _all_three(client, hr, cycle)
        assert await _all_three(client, hr, cycle) == first
        assert len(reads) == 6


class TestTheCache:
    async def test_least_recently_used_goes_first_within_the_budget(self):
        cache = RatingsCache(budget_bytes=100, idle_seconds=60)

        async def build(value: str):
            return value

        for key in ("a", "b"):
            await cache.get_or_build(key, 1, lambda key=key: build(key), lambda _: 40)
        await cache.get_or_build("a", 1, lambda: build("again"), lambda _: 40)  # a: used
        await cache.get_or_build("c", 1, lambda: build("c"), lambda _: 40)
        assert cache.peek("a", 1) == "a"
        assert cache.peek("c", 1) == "c"
        assert cache.peek("b", 1) is None
        assert cache.stats.bytes == 80 <= cache.budget_bytes

    async def test_a_new_version_is_built_and_an_entry_over_budget_is_not_kept(self):
        cache = RatingsCache(budget_bytes=100, idle_seconds=60)

        async def build(value: int):
            return value

        assert await cache.get_or_build("k", 1, lambda: build(1), lambda _: 10) == 1
        assert await cache.get_or_build("k", 2, lambda: build(2), lambda _: 10) == 2
        assert await cache.get_or_build("big", 1, lambda: build(3), lambda _: 101) == 3
        assert cache.peek("big", 1) is None
        assert cache.stats.bytes == 10

    async def test_idle_entries_are_forgotten(self):
        now = [0.0]
        cache = RatingsCache(budget_bytes=100, idle_seconds=10, clock=lambda: now[0])

        async def build():
            return "v"

        await cache.get_or_build("k", 1, build, lambda _: 10)
        now[0] = 11.0
        cache.forget_idle()
        assert len(cache) == 0
        assert cache.stats.bytes == 0

    async def test_concurrent_callers_build_once(self):
        cache = RatingsCache(budget_bytes=100, idle_seconds=60)
        built = []

        async def build():
            built.append(1)
            await asyncio.sleep(0.01)
            return "v"

        got = await asyncio.gather(
            *(cache.get_or_build("k", 1, build, lambda _: 1) for _ in range(5))
        )
        assert got == ["v"] * 5
        assert built == [1]

    async def test_the_sweep_runs_without_requests(self, monkeypatch):
        cache = RatingsCache(budget_bytes=100, idle_seconds=0.01)

        async def build():
            return "v"

        await cache.get_or_build("k", 1, build, lambda _: 10)
        task = asyncio.create_task(cache_module.sweep(cache, 0.01))
        await asyncio.sleep(0.1)
        task.cancel()
        assert len(cache) == 0


class TestBitEqual:
    async def test_the_api_serves_the_library_s_floats(self, client, db_session, identity_headers):
        cycle, _ = await add_random_facts(db_session, 9)
        hr = identity_headers(Role.HR)
        served = await _all_three(client, hr, cycle)
        columns = await FairnessRepository(db_session).columns(campaign_id=None, cycle_id=cycle)
        scope = build_scope(columns)
        library = {
            "raters": bias_report(scope, None, cycle),
            "standardised": standardised_report(scope, None, cycle),
            "reliability": reliability_report(scope, None, cycle, 0.7),
        }
        for name, report in library.items():
            assert served[name] == report.model_dump(mode="json"), name
        floats = [v for r in served["raters"]["raters"] for v in r.values() if type(v) is float]
        assert any(len(repr(v)) > 8 for v in floats)  # more than 4 places on the wire


class TestPages:
    @pytest.mark.parametrize(
        ("endpoint", "field"), [("raters", "raters"), ("standardised", "groups")]
    )
    async def test_pages_are_the_whole_answer_in_order(
        self, client, db_session, identity_headers, endpoint, field
    ):
        cycle, _ = await add_random_facts(db_session, 10)
        hr = identity_headers(Role.HR)
        whole = (await client.get(f"{F}/{endpoint}?cycle_id={cycle}", headers=hr)).json()
        assert whole["next_cursor"] is None
        assert len(whole[field]) > 5
        rows, cursor, pages = [], None, 0
        while True:
            query = f"{F}/{endpoint}?cycle_id={cycle}&limit=4" + (
                f"&cursor={cursor}" if cursor else ""
            )
            page = (await client.get(query, headers=hr)).json()
            assert len(page[field]) <= 4
            assert {k: v for k, v in page.items() if k not in (field, "next_cursor")} == {
                k: v for k, v in whole.items() if k not in (field, "next_cursor")
            }
            rows += page[field]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert rows == whole[field]
        assert pages == -(-len(whole[field]) // 4)

    async def test_ndjson_is_the_head_then_one_row_per_line(
        self, client, db_session, identity_headers
    ):
        cycle, _ = await add_random_facts(db_session, 11)
        hr = identity_headers(Role.HR)
        whole = (await client.get(f"{F}/standardised?cycle_id={cycle}", headers=hr)).json()
        response = await client.get(
            f"{F}/standardised?cycle_id={cycle}&limit=5",
            headers=hr | {"Accept": "application/x-ndjson"},
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        head, *lines = [json.loads(line) for line in response.text.splitlines()]
        assert "groups" not in head
        assert head["next_cursor"]
        assert lines == whole["groups"][:5]
        rest = await client.get(
            f"{F}/standardised?cycle_id={cycle}&cursor={head['next_cursor']}",
            headers=hr | {"Accept": "application/x-ndjson"},
        )
        assert [json.loads(x) for x in rest.text.splitlines()[1:]] == whole["groups"][5:]

    @pytest.mark.parametrize(
        ("query", "pointer"),
        [
            ("limit=0", "limit"),
            ("limit=10001", "limit"),
            ("cursor=not-a-cursor", "cursor"),
            ("cursor=WzEsMl0", "cursor"),  # [1,2]: a cursor, but not of these rows
        ],
    )
    async def test_a_bad_page_is_refused_naming_the_field(
        self, client, db_session, identity_headers, query, pointer
    ):
        cycle, _ = await add_random_facts(db_session, 12)
        response = await client.get(
            f"{F}/raters?cycle_id={cycle}&{query}", headers=identity_headers(Role.HR)
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert pointer in json.dumps(response.json())
