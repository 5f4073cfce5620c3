"""Run one job per batch with a bounded number in flight, results in job order; sync (threads) and async.

Each job is one request with its own retry loop in the client, so a batch that fails transiently is resent on its
own. The first job that fails for good fails the call: jobs not yet started are cancelled (the ones in flight
finish, and their results are dropped), so a caller never gets a partial list.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def batch_ranges(total: int, size: int) -> list[range]:
    """Split `range(total)` into consecutive ranges of at most `size` (the last one may be shorter)."""
    if size < 1:
        raise ValueError(f"batch size must be >= 1, got {size}")
    return [range(start, min(start + size, total)) for start in range(0, total, size)]


def map_in_threads(func: Callable[[T], R], jobs: Sequence[T], max_concurrency: int) -> list[R]:
    """`[func(job) for job in jobs]`, with up to `max_concurrency` jobs running at once in worker threads.

    A single job, or a limit of 1, runs in the calling thread: no pool is built for it. Each job runs in a copy of
    the caller's context, so context variables (tracing, for one) are seen by the workers.

    Raises:
        BaseException: The first failure, after cancelling the jobs that had not started.
    """
    if len(jobs) <= 1 or max_concurrency <= 1:
        return [func(job) for job in jobs]
    pool = ThreadPoolExecutor(max_workers=min(max_concurrency, len(jobs)), thread_name_prefix="langchain-gemini")
    try:
        futures: list[Future[R]] = [pool.submit(contextvars.copy_context().run, func, job) for job in jobs]
        wait(futures, return_when=FIRST_EXCEPTION)
    finally:
        # On a failure (or Ctrl-C while waiting) the jobs not yet started are dropped; running ones finish.
        pool.shutdown(wait=True, cancel_futures=True)
    for future in futures:
        if not future.cancelled() and (error := future.exception()) is not None:
            raise error
    return [future.result() for future in futures]


async def map_in_tasks(func: Callable[[T], Awaitable[R]], jobs: Sequence[T], max_concurrency: int) -> list[R]:
    """Async `map_in_threads`: up to `max_concurrency` jobs awaited at once on the running loop.

    A fixed set of workers pulls jobs in order, so no task or semaphore is made per job. If the caller is
    cancelled, the workers are cancelled with it.

    Raises:
        BaseException: The first failure, after cancelling the other workers.
    """
    if len(jobs) <= 1 or max_concurrency <= 1:
        return [await func(job) for job in jobs]
    results: list[R | None] = [None] * len(jobs)
    indices = iter(range(len(jobs)))  # shared: each worker takes the next job when it is free

    async def worker() -> None:
        for index in indices:
            results[index] = await func(jobs[index])

    workers = [asyncio.ensure_future(worker()) for _ in range(min(max_concurrency, len(jobs)))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)  # let them unwind before the error propagates
        raise
    return results  # type: ignore[return-value]  # every slot was filled: no worker failed
