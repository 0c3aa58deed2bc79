"""The repository base: get, get_many, add and page, each seeing the caller's tenant only."""

import uuid

import pytest
from kittest_service import Widget, create_widget
from pydantic import BaseModel

from strata_kit.pagination import PageParams
from strata_kit.repository import Repository


class WidgetRepository(Repository[Widget]):
    model = Widget


class WidgetItem(BaseModel):
    name: str


@pytest.fixture
async def widgets(open_session, tenant_id) -> dict[str, Widget]:
    """`mine-1`, `mine-2`, `mine-3` in the caller's tenant, `theirs` in another one."""
    made = {}
    async with open_session(tenant_id) as session:
        for name in ("mine-1", "mine-2", "mine-3"):
            made[name] = await create_widget(session, name=name)
        await session.commit()
    async with open_session(uuid.uuid4()) as session:
        made["theirs"] = await create_widget(session, name="theirs")
        await session.commit()
    return made


class TestAnotherTenant:
    async def test_its_row_reads_as_not_found(self, open_session, tenant_id, widgets) -> None:
        async with open_session(tenant_id) as session:
            repo = WidgetRepository(session)
            assert await repo.get(widgets["theirs"].id) is None
            assert await repo.get_many([widgets["theirs"].id]) == {}

    async def test_its_rows_are_not_listed(self, open_session, tenant_id, widgets) -> None:
        async with open_session(tenant_id) as session:
            page = await WidgetRepository(session).page(
                PageParams(limit=10, cursor=None, updated_since=None),
                lambda w: WidgetItem(name=w.name),
            )
        assert sorted(i.name for i in page.items) == ["mine-1", "mine-2", "mine-3"]


class TestReading:
    async def test_get_and_get_many(self, open_session, tenant_id, widgets) -> None:
        mine = widgets["mine-2"]
        async with open_session(tenant_id) as session:
            repo = WidgetRepository.from_session(session)
            found = await repo.get(mine.id, for_update=True)
            assert found is not None
            assert found.name == "mine-2"
            many = await repo.get_many([mine.id, widgets["mine-1"].id, uuid.uuid4()])
        assert {w.name for w in many.values()} == {"mine-1", "mine-2"}

    async def test_pages_follow_the_cursor_to_the_end(
        self, open_session, tenant_id, widgets
    ) -> None:
        seen: list[str] = []
        cursor = None
        async with open_session(tenant_id) as session:
            repo = WidgetRepository(session)
            while True:
                page = await repo.page(
                    PageParams(limit=2, cursor=cursor, updated_since=None),
                    lambda w: WidgetItem(name=w.name),
                )
                seen += [i.name for i in page.items]
                cursor = page.next_cursor
                if cursor is None:
                    break
        assert sorted(seen) == ["mine-1", "mine-2", "mine-3"]
        assert len(seen) == 3


class TestAdding:
    async def test_an_added_row_is_the_callers(self, open_session, tenant_id) -> None:
        async with open_session(tenant_id) as session:
            repo = WidgetRepository(session)
            row = Widget(name="new")
            repo.add(row)
            await repo.flush()
            assert row.tenant_id == tenant_id
            assert await repo.get(row.id) is row
