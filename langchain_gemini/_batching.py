"""Run one job per batch with a bounded number in flight, results in job order; sync (threads) and async.

Each job is one request with its own retry loop in the client, so a batch that fails transiently is resent on its
own. The first job that fails for good fails the call: jobs not yet started are cancelled (the ones in flight
finish, and their results are dropped), so a caller never gets a partial list.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")
U = TypeVar("U")


def batch_ranges(total: int, size: int) -> list[range]:
    """Split `range(total)` into consecutive ranges of at most `size` (the last one may be shorter)."""
    if size < 1:
        raise ValueError(f"batch size must be >= 1, got {size}")
    return [range(start, min(start + size, total)) for start in range(0, total, size)]


def map_in_threads(
    fetch: Callable[[T], R],
    jobs: Sequence[T],
    max_concurrency: int,
    receive: Callable[[T, R], U],
    finish: Callable[[T, U], S],
    *,
    discard: Callable[[R], object] | None = None,
) -> list[S]:
    """`[finish(job, receive(job, fetch(job))) for job in jobs]`, up to `max_concurrency` fetches at once in threads.

    `fetch` (e.g. send a request and wait for its headers) runs in worker threads; `receive` (e.g. read the body)
    and `finish` (e.g. parse it) run in the calling thread as fetches complete. The next job starts as soon as an
    answer is received, before it is finished: at most `max_concurrency` jobs are ever between fetch and receive
    (one connection each), answers wait in the socket rather than in memory when fetching outpaces parsing, and
    finishing overlaps the requests in flight. Workers mostly wait on sockets with the GIL released instead of
    fighting over it. A single job, or a limit of 1, runs in the calling thread with no pool. Each fetch runs in a
    copy of the caller's context, so context variables (tracing) reach the workers.

    After a failure, `discard` (e.g. closing a response) gets every fetched answer that will never be received.

    Raises:
        BaseException: The first failure (of fetches found done together, the earliest job's), after cancelling
            the jobs that had not started.
    """
    if len(jobs) <= 1 or max_concurrency <= 1:
        return [finish(job, receive(job, fetch(job))) for job in jobs]
    results: list[S | None] = [None] * len(jobs)
    waiting = iter(enumerate(jobs))
    running: dict[Future[R], int] = {}
    pool = ThreadPoolExecutor(max_workers=min(max_concurrency, len(jobs)), thread_name_prefix="langchain-gemini")

    def start_next() -> None:
        for index, job in waiting:
            running[pool.submit(contextvars.copy_context().run, fetch, job)] = index
            return

    try:
        for _ in range(max_concurrency):
            start_next()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            # Answers in together are taken failures first, then in job order (not set order): a call that has
            # failed starts no further job, and the error raised is the earliest job's.
            for future in sorted(done, key=lambda f: (f.exception() is None, running[f])):
                index = running.pop(future)
                received = receive(jobs[index], future.result())  # the first failure raises here
                start_next()
                results[index] = finish(jobs[index], received)
    finally:
        # On a failure (or Ctrl-C) the jobs not yet started are never submitted; running ones finish and are ignored.
        pool.shutdown(wait=True, cancel_futures=True)
        if discard is not None:
            for future in running:
                if not future.cancelled() and future.exception() is None:
                    discard(future.result())
    return results  # type: ignore[return-value]  # every slot was filled: nothing failed


async def map_in_tasks(
    fetch: Callable[[T, Callable[[], None]], Awaitable[R]],
    jobs: Sequence[T],
    max_concurrency: int,
    finish: Callable[[T, R], S],
) -> list[S]:
    """Async `map_in_threads`: `[finish(job, await fetch(job, sent)) for job in jobs]`, fetches awaited concurrently.

    At most `max_concurrency` fetches are in flight on the running loop, pulled in order by a fixed set of workers.
    A worker starts its next fetch before it finishes the answer it has, and holds the finishing back until that
    fetch calls `sent` (its request is written, failed, or is waiting for a connection) or ends. Finishing is CPU
    work on the loop (parsing a large answer takes tens of milliseconds) and sending a request takes several loop
    turns: finishing first would hold the request back, and answers that arrive together would then send their
    requests together, again and again, leaving the loop idle while all of them wait on the server. If the caller
    is cancelled, everything in flight is cancelled with it.

    Raises:
        BaseException: The first failure, after cancelling the other workers.
    """
    if len(jobs) <= 1 or max_concurrency <= 1:
        return [finish(job, await fetch(job, _nothing)) for job in jobs]
    loop = asyncio.get_running_loop()
    results: list[S | None] = [None] * len(jobs)
    indices = iter(range(len(jobs)))  # shared: each worker takes the next job when it is free

    def start_next() -> tuple[int, asyncio.Future[R], asyncio.Future[None]] | None:
        index = next(indices, None)
        if index is None:
            return None
        sent: asyncio.Future[None] = loop.create_future()

        def mark_sent() -> None:
            if not sent.done():
                sent.set_result(None)

        return index, asyncio.ensure_future(fetch(jobs[index], mark_sent)), sent

    async def worker() -> None:
        current = start_next()
        try:
            while current is not None:
                index, answer = current[0], await current[1]
                current = start_next()
                if current is not None:
                    await asyncio.wait(current[1:], return_when=asyncio.FIRST_COMPLETED)
                results[index] = finish(jobs[index], answer)
        finally:
            if current is not None:
                current[1].cancel()

    workers = [asyncio.ensure_future(worker()) for _ in range(min(max_concurrency, len(jobs)))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)  # let them unwind before the error propagates
        raise
    return results  # type: ignore[return-value]  # every slot was filled: no worker failed


def _nothing() -> None:
    """The `sent` of a fetch nobody waits for."""
