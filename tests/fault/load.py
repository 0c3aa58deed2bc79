"""A bounded write load that behaves like a careful integrator, and a record of what it saw.

Each logical write is one POST with its own `Idempotency-Key`, retried with the same key
and body while the answer is a 5xx or the connection fails (docs/integrators.md: a 5xx is
not remembered, retry it). The loop is bounded in count and in time and stops by itself.
"""

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

RETRYABLE = frozenset({502, 503, 504})
# 409 with this problem type: the gateway still holds an earlier attempt with the same key
# (docs/integrators.md: retry it). Any other 409 is the service's own answer.
IN_PROGRESS = "idempotency-in-progress"


@dataclass
class Write:
    """One logical write and every answer it got."""

    body: dict[str, Any]
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    answers: list[int | str] = field(default_factory=list)
    created: dict[str, Any] | None = None

    @property
    def final(self) -> int | str | None:
        return self.answers[-1] if self.answers else None

    @property
    def acknowledged(self) -> bool:
        """The service said it stored the write (201), or said it already had it (409 on
        a retry after a lost answer: the first attempt had committed)."""
        return self.final == 201 or (self.final == 409 and len(self.answers) > 1)


@dataclass
class Load:
    """What the load saw, answer by answer."""

    writes: list[Write]
    statuses: Counter[int | str] = field(default_factory=Counter)
    problems_without_problem_json: list[str] = field(default_factory=list)
    acknowledged_count: int = 0

    def note(self, write: Write, answer: int | str, response: httpx.Response | None) -> None:
        write.answers.append(answer)
        self.statuses[answer] += 1
        if (
            response is not None
            and response.status_code >= 400
            and response.headers.get("content-type") != "application/problem+json"
        ):
            self.problems_without_problem_json.append(f"{response.status_code} {response.text}")
        if write.acknowledged:
            self.acknowledged_count += 1


async def run_writes(
    client: httpx.AsyncClient,
    path: str,
    bodies: list[dict[str, Any]],
    *,
    concurrency: int,
    max_seconds: float,
    retry_pause: float = 0.25,
    on_answer: Callable[[Load], None] | None = None,
) -> Load:
    """POST every body (with retries) using `concurrency` workers; stop after `max_seconds`."""
    load = Load(writes=[Write(body=b) for b in bodies])
    queue: asyncio.Queue[Write] = asyncio.Queue()
    for write in load.writes:
        queue.put_nowait(write)
    deadline = time.monotonic() + max_seconds

    async def worker() -> None:
        while time.monotonic() < deadline:
            try:
                write = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            while time.monotonic() < deadline:
                response: httpx.Response | None = None
                try:
                    response = await client.post(
                        path, json=write.body, headers={"Idempotency-Key": write.key}
                    )
                    answer: int | str = response.status_code
                    if answer == 409 and response.json().get("type", "").endswith(IN_PROGRESS):
                        answer = "409 in progress"
                except httpx.HTTPError as exc:
                    answer = type(exc).__name__
                load.note(write, answer, response)
                if on_answer is not None:
                    on_answer(load)
                if answer == 201 and response is not None:
                    write.created = response.json()
                if answer not in RETRYABLE and not isinstance(answer, str):
                    break
                await asyncio.sleep(retry_pause)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return load


async def eventually(
    check: Callable[[], Any], what: str, *, seconds: float = 120.0, pause: float = 0.5
) -> Any:
    """Poll `check` (sync or async) until it returns a truthy value; bounded."""
    deadline = time.monotonic() + seconds
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if asyncio.iscoroutine(last):
                last = await last
        except httpx.HTTPError as exc:
            last = exc
        if last and not isinstance(last, Exception):
            return last
        await asyncio.sleep(pause)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")
