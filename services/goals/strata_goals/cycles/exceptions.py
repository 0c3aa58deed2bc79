"""Errors of the cycles domain."""

from strata_kit.errors import Conflict, NotFound


class CycleNotFound(NotFound):
    title = "Cycle not found"
    slug = "cycle-not-found"


class CycleClosed(Conflict):
    """A closed cycle is frozen: nothing of it changes except through an audited reopening."""

    title = "Cycle closed"
    slug = "cycle-closed"


class WrongPhase(Conflict):
    """The cycle's phase does not allow this (e.g. actuals while planning)."""

    title = "Wrong cycle phase"
    slug = "wrong-phase"


class GateBlocked(Conflict):
    """A phase gate found something blocking; `findings` lists it. HR may override."""

    title = "Phase gate blocked"
    slug = "phase-gate-blocked"
