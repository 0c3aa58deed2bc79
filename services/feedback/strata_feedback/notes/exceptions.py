"""Errors of the anytime-feedback domain."""

from uuid import UUID

from strata_kit.errors import Forbidden, NotFound


class NoteNotFound(NotFound):
    title = "Note not found"
    slug = "note-not-found"

    def __init__(self, note_id: UUID) -> None:
        super().__init__(f"No note {note_id} that you can see.")


class PersonOnly(Forbidden):
    title = "A person only"
    slug = "person-only"
