"""Background workers that live as long as an app: relay, consumer, job runner, dispatcher.

A worker repeats `tick()`; when a tick finds nothing to do it pauses until woken or until
`idle_seconds` pass. Stopping is graceful: the current tick finishes (a database call is
never cut in half, which would leave a driver thread answering a closed event loop), then
the loop ends; only a tick stuck past the timeout is cancelled.
"""

import asyncio
import contextlib
from abc import ABC, abstractmethod

from strata_kit.logging import get_logger

log = get_logger(__name__)


class BackgroundWorker(ABC):
    name = "worker"
    idle_seconds = 0.5

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @abstractmethod
    async def tick(self) -> bool:
        """Do one round of work; True when there may be more to do at once."""

    def pause_seconds(self) -> float:
        """How long to rest after an idle tick (override to back off)."""
        return self.idle_seconds

    def wake(self) -> None:
        """Look for work now rather than after the pause."""
        self._wake.set()

    async def run_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = await self.tick()
            except Exception as exc:  # a worker outlives database and network hiccups
                log.warning(f"{self.name}.error", error=str(exc)[:300])
                busy = False
            if not busy:
                await self._pause(self.pause_seconds())

    async def _pause(self, seconds: float) -> None:
        self._wake.clear()
        waiters = [
            asyncio.ensure_future(self._wake.wait()),
            asyncio.ensure_future(self._stopping.wait()),
        ]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    def start(self) -> "asyncio.Task[None]":
        self._task = asyncio.create_task(self.run_forever(), name=self.name)
        return self._task

    stop_grace_seconds = 10.0

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self.stop_grace_seconds)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
