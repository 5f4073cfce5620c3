"""Concurrency slots that a request gives back while it waits to retry, so sync `batch` is not starved by sleeps.

Sync `batch` runs one `invoke` per worker thread. With a pool of exactly `max_concurrency` threads, a request
sleeping before its retry holds a thread, and with a few percent of 503s most threads sleep while the rest of the
batch waits. `ChatGemini.batch` instead gives its pool more threads than `max_concurrency` and makes each `invoke`
hold one of `max_concurrency` slots: at most that many inputs are being worked on at once, but one waiting for
its retry delay lends its slot to the next input and takes one back before it sends again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# A thread waiting to retry costs its stack only: this many threads per slot let three requests wait per request
# in flight, which covers a 20% fault rate with backoff delays ten times the request time
# (benchmarks/bench_batch_retries.py).
THREADS_PER_SLOT = 4


class RetrySlots:
    """`limit` slots, held by threads: `hold` one for a whole request, `lend` it while that request sleeps."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {limit}")
        self.limit = limit
        self._free = threading.BoundedSemaphore(limit)
        self._holders = threading.local()

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold a slot in this thread until the block ends (waiting for one if all are taken)."""
        self._free.acquire()
        self._holders.depth = getattr(self._holders, "depth", 0) + 1
        try:
            yield
        finally:
            self._holders.depth -= 1
            self._free.release()

    def sleep(self, seconds: float) -> None:
        """Sleep with this thread's slot given back; a thread that holds none just sleeps."""
        if not getattr(self._holders, "depth", 0):
            time.sleep(seconds)
            return
        self._free.release()
        try:
            time.sleep(seconds)
        finally:
            self._free.acquire()


_current: ContextVar[RetrySlots | None] = ContextVar("langchain_gemini_retry_slots", default=None)


def retry_sleep(seconds: float) -> None:
    """The client's sleep before a retry: gives the batch slot back meanwhile when run inside `using(slots)`."""
    slots = _current.get()
    if slots is None:
        time.sleep(seconds)
    else:
        slots.sleep(seconds)


@contextmanager
def using(slots: RetrySlots) -> Iterator[None]:
    """Make `retry_sleep` in this context (and contexts copied from it) lend `slots`."""
    token = _current.set(slots)
    try:
        yield
    finally:
        _current.reset(token)
