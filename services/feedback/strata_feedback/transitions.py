"""Explicit state machines: a table of (state, action) → next state.

Every stateful entity of the service (interview, improvement action, appeal, change
request) declares its table here-style in its own domain; anything not in the table is an
invalid transition, answered 409 with the current state and the attempted action.
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from strata_kit.errors import Conflict

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


class InvalidTransition(Conflict):
    title = "Invalid state transition"
    slug = "invalid-transition"

    def __init__(self, entity: str, current: StrEnum, action: StrEnum, allowed: list[str]) -> None:
        options = ", ".join(allowed) if allowed else "none (it is final)"
        super().__init__(
            f"The {entity} is {current.value}: `{action.value}` is not allowed from there. "
            f"Allowed: {options}.",
            entity=entity,
            current_state=current.value,
            action=action.value,
            allowed_actions=allowed,
        )


class StateMachine(Generic[S, A]):
    """The allowed transitions of one kind of entity."""

    def __init__(self, entity: str, states: type[S], table: Mapping[tuple[S, A], S]) -> None:
        self.entity = entity
        self.states = states
        self.table = dict(table)

    def allowed(self, current: S) -> list[str]:
        """The actions allowed from `current`, in declaration order."""
        return [action.value for (state, action) in self.table if state == current]

    def next(self, current: S | str, action: A) -> S:
        """The state after `action`, or `InvalidTransition` (409)."""
        state = self.states(current)
        try:
            return self.table[(state, action)]
        except KeyError:
            raise InvalidTransition(self.entity, state, action, self.allowed(state)) from None
