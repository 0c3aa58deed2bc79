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


class CycleOverlap(Conflict):
    """Another cycle of the same cadence covers some of the same days (for the same people:
    a cycle covers the whole tenant). Allowed only explicitly, with a reason."""

    title = "Cycles overlap"
    slug = "cycle-overlap"
