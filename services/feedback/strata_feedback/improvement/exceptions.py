"""Errors of the improvement-plan domain."""

from uuid import UUID

from strata_kit.errors import Forbidden, NotFound


class ActionNotFound(NotFound):
    title = "Improvement action not found"
    slug = "improvement-action-not-found"

    def __init__(self, action_id: UUID) -> None:
        super().__init__(f"No improvement action {action_id} that you can see.")


class ActionEditForbidden(Forbidden):
    title = "Not allowed on this action"
    slug = "improvement-action-forbidden"
