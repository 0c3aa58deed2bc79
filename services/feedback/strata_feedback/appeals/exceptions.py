"""Errors of the appeals domain."""

from uuid import UUID

from strata_kit.errors import Conflict, NotFound


class AppealNotFound(NotFound):
    title = "Appeal not found"
    slug = "appeal-not-found"

    def __init__(self, appeal_id: UUID) -> None:
        super().__init__(f"No appeal {appeal_id} that you can see.")


class AppealExists(Conflict):
    title = "Appeal already made"
    slug = "appeal-exists"

    def __init__(self, appeal_id: UUID) -> None:
        super().__init__("The interview already has an appeal.", appeal_id=str(appeal_id))


class ChangeRequestNotFound(NotFound):
    title = "Change request not found"
    slug = "change-request-not-found"

    def __init__(self, change_request_id: UUID) -> None:
        super().__init__(f"No change request {change_request_id} in this tenant.")
