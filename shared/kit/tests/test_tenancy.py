"""The tenant guard: a session bound to a tenant reads and writes that tenant's rows only."""

import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest
from kittest_service import Part, Widget, create_widget
from sqlalchemy import delete, event, exists, func, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased
from sqlmodel import select

from strata_kit.db import NoTenantError, session_tenant, tenant_criteria

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def other_tenant() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
async def widgets(open_session, tenant_id, other_tenant) -> dict[str, Widget]:
    """`mine-1`, `mine-2` in the caller's tenant, `theirs` in another one."""
    made = {}
    async with open_session(tenant_id) as session:
        for name in ("mine-1", "mine-2"):
            made[name] = await create_widget(session, name=name)
        await session.commit()
    async with open_session(other_tenant) as session:
        made["theirs"] = await create_widget(session, name="theirs")
        await session.commit()
    return made


async def names_in(open_session, tenant) -> list[str]:
    async with open_session(tenant, cross_tenant=True) as session:
        rows = await session.exec(select(Widget).where(Widget.tenant_id == tenant))
        return sorted(w.name for w in rows.all())


class TestTenantReads:
    async def test_a_select_sees_only_the_sessions_tenant(self, open_session, tenant_id, widgets):
        async with open_session(tenant_id) as session:
            rows = (await session.exec(select(Widget))).all()
        assert sorted(w.name for w in rows) == ["mine-1", "mine-2"]

    async def test_another_tenants_id_reads_as_not_found(self, open_session, tenant_id, widgets):
        theirs = widgets["theirs"]
        async with open_session(tenant_id) as session:
            found = (await session.exec(select(Widget).where(Widget.id == theirs.id))).first()
        assert found is None

    async def test_get_by_primary_key_of_another_tenant_is_none(
        self, open_session, tenant_id, widgets
    ):
        theirs = widgets["theirs"]
        async with open_session(tenant_id) as session:
            found = await session.get(Widget, {"tenant_id": theirs.tenant_id, "id": theirs.id})
        assert found is None

    async def test_a_count_counts_only_the_sessions_tenant(self, open_session, tenant_id, widgets):
        async with open_session(tenant_id) as session:
            total = (await session.exec(select(func.count()).select_from(Widget))).one()
        assert total == 2

    async def test_a_column_select_sees_only_the_sessions_tenant(
        self, open_session, tenant_id, widgets
    ):
        async with open_session(tenant_id) as session:
            names = (await session.exec(select(Widget.name))).all()
        assert sorted(names) == ["mine-1", "mine-2"]

    async def test_a_subquery_reads_only_the_sessions_tenant(
        self, open_session, tenant_id, other_tenant, widgets
    ):
        async with open_session(other_tenant) as session:
            theirs = await session.get(
                Widget, {"tenant_id": other_tenant, "id": widgets["theirs"].id}
            )
            theirs.quantity = 99  # the biggest widget of all, but not ours
            await session.commit()
        async with open_session(tenant_id) as session:
            await session.exec(update(Widget).where(Widget.name == "mine-2").values(quantity=5))
            session.add(Part(widget_id=widgets["mine-2"].id, label="part of the biggest"))
            await session.commit()
            biggest = select(Widget.id).order_by(Widget.quantity.desc()).limit(1)
            labels = (
                await session.exec(
                    select(Part.label).where(Part.widget_id == biggest.scalar_subquery())
                )
            ).all()
        assert labels == ["part of the biggest"]

    async def test_a_joined_table_shows_only_the_sessions_tenant(
        self, open_session, tenant_id, other_tenant, widgets
    ):
        async with open_session(other_tenant) as session:
            session.add(Part(widget_id=widgets["theirs"].id, label="their part"))
            await session.commit()
        async with open_session(tenant_id) as session:
            session.add(Part(widget_id=widgets["mine-1"].id, label="my part"))
            await session.commit()
            rows = (
                await session.exec(
                    select(Widget.name, Part.label).join(Part, Part.widget_id == Widget.id)
                )
            ).all()
        assert [tuple(r) for r in rows] == [("mine-1", "my part")]

    async def test_an_api_read_of_another_tenants_row_is_404(
        self, client, identity_headers, widgets
    ):
        response = await client.get(
            f"/api/v1/kittest/widgets/{widgets['theirs'].id}", headers=identity_headers()
        )
        assert response.status_code == 404
        assert "theirs" not in response.text

    async def test_an_api_count_counts_only_the_callers_tenant(
        self, client, identity_headers, widgets
    ):
        response = await client.get("/api/v1/kittest/widgets/count", headers=identity_headers())
        assert response.json() == {"count": 2}


class TestTenantReadsOfEveryShape:
    """Reads the ORM builds in other shapes than a plain entity select: each one scoped."""

    async def test_an_aliased_entity_sees_only_the_sessions_tenant(
        self, open_session, tenant_id, widgets
    ):
        other = aliased(Widget)
        async with open_session(tenant_id) as session:
            names = (await session.exec(select(other.name))).all()
        assert sorted(names) == ["mine-1", "mine-2"]

    async def test_a_subquery_in_from_reads_only_the_sessions_tenant(
        self, open_session, tenant_id, widgets
    ):
        inner = select(Widget.name).subquery()
        async with open_session(tenant_id) as session:
            total = (await session.exec(select(func.count()).select_from(inner))).one()
        assert total == 2

    async def test_an_exists_reads_only_the_sessions_tenant(self, open_session, tenant_id, widgets):
        async with open_session(tenant_id) as session:
            found = (await session.exec(select(exists().where(Widget.name == "theirs")))).one()
        assert found is False

    async def test_a_count_of_a_column_counts_only_the_sessions_tenant(
        self, open_session, tenant_id, widgets
    ):
        async with open_session(tenant_id) as session:
            total = (await session.exec(select(func.count(Widget.id)))).one()
        assert total == 2


class TestTenantScopeCost:
    """The scope is one option made once per tenant, and the SQL it yields is compiled
    once per statement shape, whichever tenant runs it."""

    def test_the_criterion_of_a_tenant_is_made_once(self, tenant_id, other_tenant):
        assert tenant_criteria(tenant_id) is tenant_criteria(tenant_id)
        assert tenant_criteria(tenant_id) is not tenant_criteria(other_tenant)

    async def test_another_tenant_reuses_the_compiled_read(
        self, app, open_session, tenant_id, other_tenant, widgets
    ):
        hits: list[bool] = []

        def note(conn: Connection, cursor, statement, params, context, executemany) -> None:
            if "widget" in statement and statement.lstrip().upper().startswith("SELECT"):
                hits.append(context.cache_hit is context.dialect.CACHE_HIT)

        engine = app.state.engine.sync_engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            for tenant in (tenant_id, other_tenant):
                async with open_session(tenant) as session:
                    rows = (await session.exec(select(Widget).where(Widget.quantity >= 0))).all()
                    assert {w.tenant_id for w in rows} == {tenant}
        finally:
            event.remove(engine, "before_cursor_execute", note)
        assert hits[-1] is True


class TestTenantWrites:
    async def test_a_row_of_another_tenant_cannot_be_added(
        self, open_session, tenant_id, other_tenant
    ):
        async with open_session(tenant_id) as session:
            session.add(Widget(tenant_id=other_tenant, name="planted"))
            with pytest.raises(PermissionError, match="another tenant"):
                await session.flush()
        assert await names_in(open_session, other_tenant) == []

    async def test_a_row_cannot_be_moved_to_another_tenant(
        self, open_session, tenant_id, other_tenant, widgets
    ):
        async with open_session(tenant_id) as session:
            mine = await session.get(Widget, {"tenant_id": tenant_id, "id": widgets["mine-1"].id})
            mine.tenant_id = other_tenant
            with pytest.raises(PermissionError, match="another tenant"):
                await session.flush()
        assert await names_in(open_session, other_tenant) == ["theirs"]

    async def test_a_row_of_another_tenant_cannot_be_changed(
        self, open_session, tenant_id, other_tenant, widgets
    ):
        theirs = widgets["theirs"]  # loaded by another session, now detached
        async with open_session(tenant_id) as session:
            session.add(theirs)
            theirs.name = "defaced"
            with pytest.raises(PermissionError, match="another tenant"):
                await session.flush()
        assert await names_in(open_session, other_tenant) == ["theirs"]

    async def test_a_row_of_another_tenant_cannot_be_deleted(
        self, open_session, tenant_id, other_tenant, widgets
    ):
        theirs = widgets["theirs"]
        async with open_session(tenant_id) as session:
            session.add(theirs)
            await session.delete(theirs)
            with pytest.raises(PermissionError, match="another tenant"):
                await session.flush()
        assert await names_in(open_session, other_tenant) == ["theirs"]

    async def test_new_rows_are_stamped_with_the_sessions_tenant(self, open_session, tenant_id):
        async with open_session(tenant_id) as session:
            session.add(Widget(name="fresh"))
            await session.commit()
        assert await names_in(open_session, tenant_id) == ["fresh"]

    async def test_an_update_statement_leaves_other_tenants_alone(
        self, open_session, tenant_id, other_tenant, widgets
    ):
        async with open_session(tenant_id) as session:
            await session.exec(update(Widget).values(quantity=9))
            await session.commit()
        async with open_session(None, cross_tenant=True) as session:
            rows = (await session.exec(select(Widget))).all()
        assert {w.name: w.quantity for w in rows} == {"mine-1": 9, "mine-2": 9, "theirs": 0}

    async def test_a_delete_statement_leaves_other_tenants_alone(
        self, open_session, tenant_id, other_tenant, widgets
    ):
        async with open_session(tenant_id) as session:
            await session.exec(delete(Widget))
            await session.commit()
        assert await names_in(open_session, tenant_id) == []
        assert await names_in(open_session, other_tenant) == ["theirs"]


class TestSessionWithoutTenant:
    async def test_an_unbound_session_sees_nothing(self, app, widgets):
        async with app.state.sessionmaker() as session:
            assert (await session.exec(select(Widget))).all() == []

    async def test_an_unbound_session_cannot_write(self, app, tenant_id):
        async with app.state.sessionmaker() as session:
            session.add(Widget(name="orphan"))
            with pytest.raises(PermissionError, match="tenant-bound session"):
                await session.flush()

    async def test_a_cross_tenant_session_sees_every_tenant(self, open_session, widgets):
        async with open_session(None, cross_tenant=True) as session:
            rows = (await session.exec(select(Widget))).all()
        assert sorted(w.name for w in rows) == ["mine-1", "mine-2", "theirs"]


class TestSessionTenant:
    """The one accessor for the session's tenant fails closed."""

    async def test_a_session_bound_to_no_tenant_raises(self, open_session):
        async with open_session(None) as session:
            with pytest.raises(NoTenantError, match="tenant-bound session"):
                session_tenant(session)

    async def test_a_cross_tenant_session_has_no_tenant_to_give(self, open_session):
        async with open_session(None, cross_tenant=True) as session:
            with pytest.raises(PermissionError):
                session_tenant(session)

    async def test_a_session_that_was_never_bound_raises(self, app):
        async with app.state.sessionmaker() as session:
            with pytest.raises(NoTenantError):
                session_tenant(session)

    async def test_a_bound_session_gives_its_tenant(self, open_session, tenant_id):
        async with open_session(tenant_id) as session:
            assert session_tenant(session) == tenant_id

    def test_it_holds_under_python_optimisations(self, tmp_path):
        """`python -O` strips asserts: the check must not be one."""
        script = (
            "import uuid\n"
            "from sqlmodel import Session\n"
            "from strata_kit.db import NoTenantError, session_tenant\n"
            "try:\n"
            "    session_tenant(Session())\n"
            "except NoTenantError:\n"
            "    print('refused')\n"
        )
        done = subprocess.run(
            [sys.executable, "-O", "-c", script], capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "refused"


class TestUpdatedAt:
    async def test_an_unchanged_row_keeps_its_updated_at(self, open_session, tenant_id):
        async with open_session(tenant_id) as session:
            widget = await create_widget(session, name="bolt", updated_at=LONG_AGO)
            await session.commit()
            widget.name = "bolt"  # the same value: no change
            await session.commit()
        async with open_session(tenant_id) as session:
            stored = (await session.exec(select(Widget))).one()
        assert stored.updated_at == LONG_AGO

    async def test_changing_a_row_moves_updated_at(self, open_session, tenant_id):
        async with open_session(tenant_id) as session:
            widget = await create_widget(
                session, name="bolt", created_at=LONG_AGO, updated_at=LONG_AGO
            )
            await session.commit()
            widget.quantity = 5
            await session.commit()
        async with open_session(tenant_id) as session:
            stored = (await session.exec(select(Widget))).one()
        assert stored.created_at == LONG_AGO
        assert stored.updated_at > LONG_AGO

    async def test_an_update_statement_moves_updated_at(self, open_session, tenant_id):
        async with open_session(tenant_id) as session:
            await create_widget(session, name="bolt", updated_at=LONG_AGO)
            await session.commit()
            await session.exec(update(Widget).values(quantity=5))
            await session.commit()
        async with open_session(tenant_id) as session:
            stored = (await session.exec(select(Widget))).one()
        assert stored.quantity == 5
        assert stored.updated_at > LONG_AGO
