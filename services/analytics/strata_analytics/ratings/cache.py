"""One read of a scope's ratings, shared by every statistic (ADR 0009).

A scope (a closed campaign or a whole cycle of one tenant) is read once into columnar numpy
arrays and kept here with what was computed from it, under a **version**: what changes the
ratings. Every call first reads the version (a few rows of `campaign_view`, never the
ratings) and reuses the entry only when it is unchanged, so a new pull of a campaign's
ratings, or a rating written in this process, is in the next answer.

The version has two parts:

- `campaign_view` of the scope: id, row version, `ratings_pulled_at` and `ratings` count of
  each campaign. A pull replaces a campaign's ratings and stamps these in the same
  transaction, so every replica sees the change;
- `generation()`: a counter of this process, moved whenever a session of this process
  writes `rating_fact` or `campaign_view` (a flush, a bulk statement) and again when that
  session commits or rolls back, so even a write that bypasses the pull is seen here.

The cache is an LRU bounded by a byte budget (`ANALYTICS_RATINGS_CACHE_BYTES`, 0 turns it
off) and forgets entries unused for `ANALYTICS_RATINGS_CACHE_IDLE_SECONDS`; when it drops
an entry it asks the C allocator to hand freed memory back to the system, so an idle
replica's resident memory falls back.
"""

import asyncio
import ctypes
import ctypes.util
import itertools
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from strata_analytics.projections.models import CampaignView, RatingFact

log = structlog.get_logger()

_WATCHED = frozenset({RatingFact.__tablename__, CampaignView.__tablename__})
_counter = itertools.count(1)
_generation = 0
_FLAG = "strata_ratings_written"


def generation() -> int:
    """Moves whenever this process writes ratings (see the module's docstring)."""
    return _generation


def _bump() -> None:
    global _generation  # one process-wide counter, by design
    _generation = next(_counter)


def _writes_ratings(objects: Any) -> bool:
    return any(getattr(o, "__tablename__", None) in _WATCHED for o in objects)


@event.listens_for(Session, "before_flush")
def _watch_flush(session: Session, _ctx: UOWTransaction, _instances: Any) -> None:
    if (
        _writes_ratings(session.new)
        or _writes_ratings(session.dirty)
        or _writes_ratings(session.deleted)
    ):
        session.info[_FLAG] = True
        _bump()


@event.listens_for(Session, "do_orm_execute")
def _watch_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _WATCHED:
        state.session.info[_FLAG] = True
        _bump()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _watch_end(session: Session) -> None:
    # Moved again at the end: a read between the flush and the commit cached the old rows
    # under the generation the flush had set.
    if session.info.pop(_FLAG, False):
        _bump()


def _libc() -> Any:
    name = ctypes.util.find_library("c")
    return None if name is None else ctypes.CDLL(name)


def _release_memory() -> None:
    """Give freed heap back to the system (glibc keeps large freed blocks otherwise)."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is not None:
        trim(0)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD_BYTES = 1 << 20


def configure_allocator() -> None:
    """Large blocks (a column of a scope, a statistic's temporary) get their own mapping,
    returned to the system the moment they are freed. glibc's default raises that
    threshold after the first free of a large block, so the next million-row temporaries
    land in the heap, where freed space is reused badly and is not returned: resident
    memory then climbs above what is live. A fixed threshold (glibc only; elsewhere a
    no-op) keeps the peak and the idle size close to the live data."""
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        mallopt(_M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD_BYTES)


@dataclass
class _Entry:
    version: Hashable
    value: Any
    nbytes: int
    used_at: float


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0
    bytes: int = 0


@dataclass
class RatingsCache:
    """An LRU of built scopes, bounded in bytes, keyed by (tenant, scope) and versioned."""

    budget_bytes: int
    idle_seconds: float
    clock: Callable[[], float] = time.monotonic
    _entries: "OrderedDict[Hashable, _Entry]" = field(default_factory=OrderedDict)
    _locks: dict[Hashable, asyncio.Lock] = field(default_factory=dict)
    stats: CacheStats = field(default_factory=CacheStats)

    def configure(self, *, budget_bytes: int, idle_seconds: float) -> None:
        self.budget_bytes, self.idle_seconds = budget_bytes, idle_seconds
        self._shrink()

    async def get_or_build(
        self,
        key: Hashable,
        version: Hashable,
        build: Callable[[], Awaitable[Any]],
        size_of: Callable[[Any], int],
    ) -> Any:
        """The value cached under `key` at `version`, else `build()` (once at a time per
        key: a second caller waits for the first's value instead of reading again)."""
        self.forget_idle()
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            entry = self._entries.get(key)
            if entry is not None and entry.version == version:
                self.stats.hits += 1
                entry.used_at = self.clock()
                self._entries.move_to_end(key)
                return entry.value
            self.stats.misses += 1
            if entry is not None:  # stale: drop it before building the new one
                self._drop(key)
            value = await build()
            self.put(key, version, value, size_of(value))
            return value

    def peek(self, key: Hashable, version: Hashable) -> Any | None:
        entry = self._entries.get(key)
        return entry.value if entry is not None and entry.version == version else None

    def put(self, key: Hashable, version: Hashable, value: Any, nbytes: int) -> None:
        if key in self._entries:
            self._drop(key)
        if nbytes > self.budget_bytes:
            return  # larger than the whole budget: computed, served, not kept
        self._entries[key] = _Entry(version, value, nbytes, self.clock())
        self.stats.bytes += nbytes
        self._shrink()

    def grow(self, key: Hashable, nbytes: int) -> None:
        """An entry's value gained `nbytes` (a statistic computed from it and kept)."""
        entry = self._entries.get(key)
        if entry is None:
            return
        entry.nbytes += nbytes
        self.stats.bytes += nbytes
        self._shrink(keep=key)

    def forget_idle(self) -> None:
        now = self.clock()
        idle = [k for k, e in self._entries.items() if now - e.used_at > self.idle_seconds]
        for key in idle:
            self._drop(key)
        if idle:
            _release_memory()

    def clear(self) -> None:
        for key in list(self._entries):
            self._drop(key)
        _release_memory()

    def _shrink(self, keep: Hashable | None = None) -> None:
        dropped = False
        while self.stats.bytes > self.budget_bytes and self._entries:
            oldest = next(iter(self._entries))
            if oldest == keep and len(self._entries) == 1:
                self._drop(oldest)
            elif oldest == keep:
                self._entries.move_to_end(oldest)
                continue
            else:
                self._drop(oldest)
            dropped = True
        if dropped:
            _release_memory()

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key)
        self.stats.bytes -= entry.nbytes
        self.stats.evictions += 1
        lock = self._locks.get(key)
        if lock is not None and not lock.locked():
            del self._locks[key]

    def __len__(self) -> int:
        return len(self._entries)


DEFAULT_BUDGET_BYTES = 192 << 20
DEFAULT_IDLE_SECONDS = 120.0

ratings_cache = RatingsCache(DEFAULT_BUDGET_BYTES, DEFAULT_IDLE_SECONDS)
"""The process's cache; `main.create_app` sets its budget from the settings."""


async def sweep(cache: RatingsCache, every_seconds: float) -> None:
    """Forget idle entries even when no request comes (an idle replica shrinks back)."""
    while True:
        await asyncio.sleep(every_seconds)
        cache.forget_idle()
