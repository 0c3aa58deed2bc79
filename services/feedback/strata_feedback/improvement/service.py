"""Business rules of improvement plans: actions agreed in an interview, their progress,
and noticing (once) when one is overdue."""

from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import or_
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.feedback import events
from strata_contracts.feedback.improvement import (
    ImprovementActionCreate,
    ImprovementActionRead,
    ImprovementActionUpdate,
    ImprovementPlanRead,
    OverdueSweepResult,
    ProgressCreate,
    ProgressRead,
)
from strata_contracts.feedback.vocabulary import ActionStatus, PlanStatus
from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_feedback.access import Viewer
from strata_feedback.improvement.exceptions import ActionEditForbidden, ActionNotFound
from strata_feedback.improvement.models import ImprovementAction, ImprovementProgress
from strata_feedback.improvement.repository import OPEN_STATUSES, ImprovementRepository
from strata_feedback.interviews.models import Interview
from strata_feedback.interviews.service import MACHINE as INTERVIEW_MACHINE
from strata_feedback.interviews.service import InterviewAction, interview_service
from strata_feedback.trail import audit, emit
from strata_feedback.transitions import StateMachine
from strata_kit.audit import snapshot
from strata_kit.db import utcnow
from strata_kit.errors import InvalidInput, field
from strata_kit.logging import get_logger
from strata_kit.pagination import PageParams, paginate

log = get_logger(__name__)


class ActionMove(StrEnum):
    NOTE = "note"
    START = "start"
    COMPLETE = "complete"
    CANCEL = "cancel"
    EDIT = "edit"


S, M = ActionStatus, ActionMove
MACHINE: StateMachine[ActionStatus, ActionMove] = StateMachine(
    "improvement action",
    ActionStatus,
    {
        (S.OPEN, M.NOTE): S.OPEN,
        (S.OPEN, M.EDIT): S.OPEN,
        (S.OPEN, M.START): S.IN_PROGRESS,
        (S.OPEN, M.COMPLETE): S.DONE,
        (S.OPEN, M.CANCEL): S.CANCELLED,
        (S.IN_PROGRESS, M.NOTE): S.IN_PROGRESS,
        (S.IN_PROGRESS, M.EDIT): S.IN_PROGRESS,
        (S.IN_PROGRESS, M.COMPLETE): S.DONE,
        (S.IN_PROGRESS, M.CANCEL): S.CANCELLED,
    },
)
"""Every allowed move of an improvement action; done and cancelled are final."""

_MOVE_TO = {S.IN_PROGRESS: M.START, S.DONE: M.COMPLETE, S.CANCELLED: M.CANCEL}


def today() -> date:
    return utcnow().date()


def _snap(action: ImprovementAction) -> dict[str, Any]:
    return snapshot(action, exclude={"created_at", "updated_at"}) or {}


def to_read(action: ImprovementAction, as_of: date | None = None) -> ImprovementActionRead:
    as_of = as_of or today()
    overdue = action.status in OPEN_STATUSES and action.due_on < as_of
    return ImprovementActionRead.model_validate({**action.model_dump(), "overdue": overdue})


def plan_status(actions: list[ImprovementAction]) -> PlanStatus:
    if not actions:
        return PlanStatus.EMPTY
    if any(a.status in OPEN_STATUSES for a in actions):
        return PlanStatus.OPEN
    return PlanStatus.COMPLETED


class ImprovementService:
    # --- reads ---------------------------------------------------------------------

    async def _sees(self, viewer: Viewer, action: ImprovementAction) -> bool:
        return viewer.is_person(action.owner_id) or await viewer.sees_employee(
            action.employee_id, action.manager_id
        )

    async def get(
        self, session: AsyncSession, viewer: Viewer, action_id: UUID
    ) -> ImprovementAction:
        action = await ImprovementRepository(session).get(action_id)
        if action is None or not await self._sees(viewer, action):
            raise ActionNotFound(action_id)
        return action

    async def progress(
        self, session: AsyncSession, viewer: Viewer, action_id: UUID
    ) -> list[ProgressRead]:
        action = await self.get(session, viewer, action_id)
        rows = await ImprovementRepository(session).progress(action.id)
        return [ProgressRead.model_validate(r) for r in rows]

    async def plan_of(self, session: AsyncSession, interview: Interview) -> ImprovementPlanRead:
        """An interview's improvement plan (the caller's right to the interview is checked)."""
        actions = list(await ImprovementRepository(session).for_interview(interview.id))
        as_of = today()
        reads = [to_read(a, as_of) for a in actions]
        return ImprovementPlanRead(
            interview_id=interview.id,
            employee_id=interview.employee_id,
            cycle_id=interview.cycle_id,
            status=plan_status(actions),
            open_actions=sum(1 for a in actions if a.status in OPEN_STATUSES),
            overdue_actions=sum(1 for r in reads if r.overdue),
            actions=reads,
        )

    async def plan(
        self, session: AsyncSession, viewer: Viewer, interview_id: UUID
    ) -> ImprovementPlanRead:
        interview = await interview_service.get(session, viewer, interview_id)
        return await self.plan_of(session, interview)

    async def page(
        self,
        session: AsyncSession,
        viewer: Viewer,
        params: PageParams,
        *,
        employee_id: UUID | None = None,
        interview_id: UUID | None = None,
        owner_id: UUID | None = None,
        status: ActionStatus | None = None,
        open_only: bool = False,
        overdue: bool = False,
    ) -> Page[ImprovementActionRead]:
        visible = await viewer.filter(
            col(ImprovementAction.employee_id), col(ImprovementAction.manager_id)
        )
        if visible is not None and viewer.employee_id is not None:
            visible = or_(visible, col(ImprovementAction.owner_id) == viewer.employee_id)
        as_of = today()
        stmt = ImprovementRepository(session).list_statement(
            visible=visible,
            employee_id=employee_id,
            interview_id=interview_id,
            owner_id=owner_id,
            status=status,
            open_only=open_only,
            overdue_as_of=as_of if overdue else None,
        )
        return await paginate(
            session,
            stmt,
            sort=col(ImprovementAction.created_at),
            id_column=col(ImprovementAction.id),
            params=params,
            to_item=lambda a: to_read(a, as_of),
            updated_column=col(ImprovementAction.updated_at),
        )

    # --- writes --------------------------------------------------------------------

    async def add_action(
        self,
        session: AsyncSession,
        viewer: Viewer,
        interview_id: UUID,
        data: ImprovementActionCreate,
    ) -> ImprovementAction:
        """Add an action to the plan while the interview is scheduled or held."""
        interview = await interview_service.for_write(session, viewer, interview_id, None)
        interview_service.require_manager_side(viewer, interview)
        INTERVIEW_MACHINE.next(interview.status, InterviewAction.PLAN)
        if data.due_on < interview.scheduled_at.date():
            raise InvalidInput(
                "An action cannot fall due before the interview.",
                errors=[field("due_on", "before the interview's date")],
            )
        action = ImprovementAction(
            tenant_id=viewer.identity.tenant_id,
            interview_id=interview.id,
            employee_id=interview.employee_id,
            manager_id=interview.manager_id,
            cycle_id=interview.cycle_id,
            owner_id=data.owner_id or interview.employee_id,
            title=data.title,
            description=data.description,
            due_on=data.due_on,
            success_measure=data.success_measure,
            training_need_id=data.training_need_id,
        )
        repo = ImprovementRepository(session)
        repo.add(action)
        await repo.flush()
        await audit(
            session,
            viewer.identity,
            entity_type="improvement_action",
            entity_id=action.id,
            action="created",
            after=_snap(action),
        )
        return action

    async def _for_write(
        self, session: AsyncSession, viewer: Viewer, action_id: UUID
    ) -> ImprovementAction:
        action = await ImprovementRepository(session).get(action_id, for_update=True)
        if action is None or not await self._sees(viewer, action):
            raise ActionNotFound(action_id)
        return action

    @staticmethod
    def _manager_side(viewer: Viewer, action: ImprovementAction) -> bool:
        return viewer.writes_tenant or viewer.is_person(action.manager_id)

    async def update_action(
        self,
        session: AsyncSession,
        viewer: Viewer,
        action_id: UUID,
        data: ImprovementActionUpdate,
    ) -> ImprovementAction:
        """The manager of record or HR changes an open action."""
        action = await self._for_write(session, viewer, action_id)
        if not self._manager_side(viewer, action):
            raise ActionEditForbidden("Only the manager of record or HR changes an action.")
        MACHINE.next(action.status, M.EDIT)
        given = data.model_fields_set
        if not given:
            raise InvalidInput("Nothing to change.", errors=[field("", "no field given")])
        for name in ("title", "success_measure", "due_on", "owner_id"):
            if name in given and getattr(data, name) is None:
                raise InvalidInput(f"{name} cannot be removed.", errors=[field(name, "null")])
        before = _snap(action)
        old_due = action.due_on
        for name in sorted(given):
            setattr(action, name, getattr(data, name))
        if action.due_on != old_due:
            action.overdue_notified_at = None  # a new due date earns a new notice
        await ImprovementRepository(session).flush()
        await audit(
            session,
            viewer.identity,
            entity_type="improvement_action",
            entity_id=action.id,
            action="updated",
            before=before,
            after=_snap(action),
        )
        return action

    async def add_progress(
        self, session: AsyncSession, viewer: Viewer, action_id: UUID, data: ProgressCreate
    ) -> ImprovementAction:
        """A progress note by the owner, the employee, the manager or HR; it may move the status
        (only the manager side cancels)."""
        action = await self._for_write(session, viewer, action_id)
        involved = self._manager_side(viewer, action) or any(
            viewer.is_person(p) for p in (action.owner_id, action.employee_id)
        )
        if not involved:
            raise ActionEditForbidden(
                "Only the owner, the employee, the manager of record or HR report progress."
            )
        target = data.status
        move = M.NOTE if target is None or target == action.status else _MOVE_TO.get(target)
        if move is None:
            raise InvalidInput(
                f"An action cannot be moved back to {target}.",
                errors=[field("status", "use in_progress, done or cancelled")],
            )
        if move is M.CANCEL and not self._manager_side(viewer, action):
            raise ActionEditForbidden("Only the manager of record or HR cancels an action.")
        before = _snap(action)
        status_before = action.status
        action.status = MACHINE.next(action.status, move)
        if action.status is S.DONE:
            action.completed_at = utcnow()
        repo = ImprovementRepository(session)
        repo.add(
            ImprovementProgress(
                tenant_id=viewer.identity.tenant_id,
                action_id=action.id,
                note=data.note,
                status_before=status_before,
                status_after=action.status,
                author=viewer.identity.subject,
                author_employee_id=viewer.employee_id,
            )
        )
        await repo.flush()
        if action.status != status_before:
            await audit(
                session,
                viewer.identity,
                entity_type="improvement_action",
                entity_id=action.id,
                action=move.value,
                before=before,
                after=_snap(action),
                reason=data.note,
            )
        return action

    async def sweep_overdue(
        self, session: AsyncSession, identity: IdentityClaims, as_of: date | None = None
    ) -> OverdueSweepResult:
        """Record `feedback.action.overdue` once for each open action past its due date.

        Idempotent: a noticed action is stamped and skipped by later sweeps (until its due
        date moves). Meant to be called by a scheduler, e.g. daily per tenant."""
        as_of = as_of or today()
        repo = ImprovementRepository(session)
        due = list(await repo.newly_overdue(as_of))
        now = utcnow()
        for action in due:
            action.overdue_notified_at = now
            await emit(
                session,
                type=events.ACTION_OVERDUE,
                subject=f"improvement_action/{action.id}",
                data=events.ImprovementActionOverdue(
                    action_id=action.id,
                    interview_id=action.interview_id,
                    employee_id=action.employee_id,
                    manager_id=action.manager_id,
                    owner_id=action.owner_id,
                    due_on=action.due_on,
                ),
            )
            await audit(
                session,
                identity,
                entity_type="improvement_action",
                entity_id=action.id,
                action="overdue_noticed",
                after={"due_on": action.due_on.isoformat(), "as_of": as_of.isoformat()},
            )
        await repo.flush()
        log.info("improvement.overdue_sweep", as_of=as_of.isoformat(), notified=len(due))
        return OverdueSweepResult(as_of=as_of, notified=len(due), action_ids=[a.id for a in due])


improvement_service = ImprovementService()
