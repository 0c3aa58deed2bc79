"""What feedback knows of a goals cycle: its phase, asked of the goals service.

Interviews belong to a cycle's feedback phase (planning → coaching → assessment →
feedback → closed): scheduling one for a cycle still in assessment, or for a closed
(frozen) one, is refused. The phase lives in the goals service; it is read through the
typed goals client, through the gateway, with the caller's own identity, when an
interview is scheduled or moved.
"""

from typing import Protocol
from uuid import UUID

from strata_contracts.client import ApiError, ServiceUnavailable
from strata_contracts.goals.client import GoalsClient
from strata_contracts.goals.cycles import CycleRead
from strata_contracts.goals.vocabulary import CyclePhase
from strata_feedback.access import upstream_error
from strata_feedback.interviews.exceptions import CycleNotInFeedback
from strata_kit.errors import InvalidInput, field


class CycleDirectory(Protocol):
    """Cycles, as the goals service knows them."""

    async def cycle(self, cycle_id: UUID) -> CycleRead | None:
        """The cycle, or None when unknown (to the caller)."""
        ...


class GoalsCycles:
    """Cycles read through the goals service, with the caller's rights."""

    def __init__(self, goals: GoalsClient) -> None:
        self.goals = goals

    async def cycle(self, cycle_id: UUID) -> CycleRead | None:
        try:
            return await self.goals.get_cycle(cycle_id)
        except ApiError as exc:
            if exc.status in (403, 404) and not isinstance(exc, ServiceUnavailable):
                return None
            raise upstream_error("goals", exc) from exc


async def ensure_feedback_phase(cycles: CycleDirectory, cycle_id: UUID, pointer: str) -> None:
    """Refuse unless the cycle exists and is in its feedback phase (409 naming the phase)."""
    cycle = await cycles.cycle(cycle_id)
    if cycle is None:
        raise InvalidInput(
            "The cycle is not known in this tenant.",
            errors=[field(pointer, "no such cycle", "unknown")],
        )
    if cycle.phase is not CyclePhase.FEEDBACK:
        raise CycleNotInFeedback(cycle.name, cycle.phase)
