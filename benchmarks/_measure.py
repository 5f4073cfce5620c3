"""Timing helpers shared by the per-call benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Samples:
    """Per-call wall and thread-CPU seconds."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def summary(self, scale: float = 1e6, unit: str = "us") -> dict[str, float]:
        ordered = sorted(self.wall)
        return {
            f"median_{unit}": statistics.median(self.wall) * scale,
            f"mean_{unit}": statistics.fmean(self.wall) * scale,
            f"p90_{unit}": ordered[int(0.9 * (len(ordered) - 1))] * scale,
            f"cpu_{unit}": statistics.median(self.cpu) * scale,
        }


def time_calls(call: Callable[[], object], warmup: int, calls: int, after_warmup: Callable[[], None]) -> Samples:
    """Run ``call`` ``warmup`` times untimed, ``after_warmup()``, then ``calls`` timed."""
    for _ in range(warmup):
        call()
    after_warmup()
    samples = Samples()
    for _ in range(calls):
        wall, cpu = time.perf_counter(), time.thread_time()
        call()
        samples.cpu.append(time.thread_time() - cpu)
        samples.wall.append(time.perf_counter() - wall)
    return samples


async def atime_calls(
    call: Callable[[], Awaitable[object]],
    warmup: int,
    calls: int,
    after_warmup: Callable[[], None],
) -> Samples:
    """Async twin of :func:`time_calls` (the loop runs in this thread, so thread CPU is fair)."""
    for _ in range(warmup):
        await call()
    after_warmup()
    samples = Samples()
    for _ in range(calls):
        wall, cpu = time.perf_counter(), time.thread_time()
        await call()
        samples.cpu.append(time.thread_time() - cpu)
        samples.wall.append(time.perf_counter() - wall)
    return samples
