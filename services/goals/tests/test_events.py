"""State changes are recorded in the outbox, in the transaction of the change, with payloads
that parse as their contract models."""

from sqlmodel import select

from strata_contracts.goals.events import (
    ActualRecorded,
    CheckInRecorded,
    CyclePhaseChanged,
    CycleRenamed,
    EmployeeUpserted,
    IndicatorChanged,
    ObjectiveChanged,
    OrgUnitChanged,
    PlanSigned,
    PlanVersionProposed,
    PositionChanged,
    PostWeightsChanged,
)
from strata_goals.models import OutboxEvent

CONTRACTS = {
    "goals.org_unit.changed": OrgUnitChanged,
    "goals.position.changed": PositionChanged,
    "goals.employee.upserted": EmployeeUpserted,
    "goals.objective.changed": ObjectiveChanged,
    "goals.indicator.changed": IndicatorChanged,
    "goals.weights.changed": PostWeightsChanged,
    "goals.cycle.phase_changed": CyclePhaseChanged,
    "goals.cycle.renamed": CycleRenamed,
    "goals.plan.version_proposed": PlanVersionProposed,
    "goals.plan.signed": PlanSigned,
    "goals.check_in.recorded": CheckInRecorded,
    "goals.actual.recorded": ActualRecorded,
}


class TestOutbox:
    async def test_the_worked_example_publishes_every_kind_of_change(
        self, worked_example, db_session
    ):
        events = (await db_session.exec(select(OutboxEvent))).all()
        counts: dict[str, int] = {}
        for event in events:
            CONTRACTS[event.type].model_validate(event.data)
            counts[event.type] = counts.get(event.type, 0) + 1
        assert counts == {
            "goals.org_unit.changed": 3,
            "goals.position.changed": 4,
            "goals.employee.upserted": 5,
            "goals.objective.changed": 4,
            "goals.indicator.changed": 11,
            "goals.weights.changed": 2,
            "goals.cycle.phase_changed": 1,
            "goals.plan.version_proposed": 1,
            "goals.plan.signed": 1,
            "goals.check_in.recorded": 1,
            "goals.actual.recorded": 4,
        }
        assert all(e.published_at is None for e in events)

    async def test_a_refused_change_publishes_nothing(self, api, client, db_session):
        response = await client.post(
            "/api/v1/goals/employees",
            json={"name": "X", "email": "x@example.com", "org_unit_id": "0" * 32},
            headers=api.headers,
        )
        assert response.status_code == 422
        assert (await db_session.exec(select(OutboxEvent))).all() == []
