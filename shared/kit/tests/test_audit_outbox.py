"""Audit records and outbox events commit with the change they describe, or not at all."""

import uuid
from datetime import UTC, datetime

from kittest_service import AuditRecord, OutboxEvent, Widget, WidgetCreated
from sqlmodel import select

from strata_contracts.identity import Role
from strata_kit.audit import snapshot
from strata_kit.outbox import record_event, to_envelope

WIDGETS = "/api/v1/kittest/widgets"


async def rows(session, table) -> list:
    return list((await session.exec(select(table))).all())


class TestAuditRecord:
    async def test_a_rolled_back_change_leaves_no_audit_record(
        self, client, identity_headers, db_session
    ):
        response = await client.post(
            f"{WIDGETS}/then-fail", json={"name": "bolt"}, headers=identity_headers(Role.HR)
        )
        assert response.status_code == 423
        assert await rows(db_session, AuditRecord) == []

    async def test_a_committed_change_has_its_audit_record(
        self, client, identity_headers, db_session, tenant_id
    ):
        employee = uuid.uuid4()
        response = await client.post(
            WIDGETS,
            json={"name": "bolt", "quantity": 2},
            headers=identity_headers(Role.HR, employee_id=employee, subject="user:ada"),
        )
        widget = response.json()
        [record] = await rows(db_session, AuditRecord)
        assert (record.tenant_id, record.entity_type, record.entity_id, record.action) == (
            tenant_id,
            "widget",
            uuid.UUID(widget["id"]),
            "created",
        )
        assert (record.actor, record.actor_employee_id) == ("user:ada", employee)
        assert record.before is None
        assert record.after["name"] == "bolt"
        assert record.after["quantity"] == 2
        assert "tenant_id" not in record.after


class TestOutboxEvent:
    async def test_a_rolled_back_change_leaves_no_event(self, client, identity_headers, db_session):
        response = await client.post(
            f"{WIDGETS}/pair", params={"first": "nut", "second": "nut"}, headers=identity_headers()
        )
        assert response.status_code == 500
        assert await rows(db_session, OutboxEvent) == []

    async def test_a_committed_change_has_its_event(
        self, client, identity_headers, db_session, tenant_id
    ):
        response = await client.post(WIDGETS, json={"name": "bolt"}, headers=identity_headers())
        widget_id = response.json()["id"]
        [event] = await rows(db_session, OutboxEvent)
        assert (event.tenant_id, event.type, event.subject, event.schema_version) == (
            tenant_id,
            "kittest.widget.created",
            f"widget/{widget_id}",
            1,
        )
        assert event.data == {"widget_id": widget_id, "name": "bolt"}
        assert event.published_at is None

    async def test_the_event_schema_version_survives_updates_of_the_row(
        self, open_session, tenant_id
    ):
        async with open_session(tenant_id) as session:
            event = await record_event(
                session,
                OutboxEvent,
                type="kittest.widget.created",
                subject="widget/1",
                data=WidgetCreated(widget_id=uuid.uuid4(), name="bolt"),
                version=2,
            )
            await session.commit()
            event.attempts += 1  # what a relay does, twice
            await session.commit()
            event.published_at = datetime.now(UTC)
            await session.commit()
        envelope = to_envelope(event, event_id=event.id, tenant_id=tenant_id)
        assert envelope.version == 2
        assert envelope.data["name"] == "bolt"


class TestSnapshot:
    def test_nothing_snapshots_as_none(self):
        assert snapshot(None) is None

    def test_a_snapshot_is_json_safe_and_drops_the_tenant(self):
        widget = Widget(
            tenant_id=uuid.uuid4(),
            id=uuid.UUID(int=7),
            name="bolt",
            quantity=3,
            created_at=datetime(2024, 1, 1, tzinfo=UTC),
            updated_at=datetime(2024, 1, 2, tzinfo=UTC),
        )
        assert snapshot(widget, exclude={"version"}) == {
            "id": "00000000-0000-0000-0000-000000000007",
            "name": "bolt",
            "quantity": 3,
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-02T00:00:00Z",
        }
