"""``abatch`` of 500 prompts with 50 ms server latency at concurrency 32 and 128.

Throughput is compared with the best floor (httpx or httpx2, whichever is faster
in the same repeat): httpcore 1.x's pool is quadratic in its size, so the httpx
floor collapses at c=128 and would flatter any client measured against it.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks import _clients as c
from benchmarks._control import ConnectionCounter
from benchmarks._spec import Metric, Spec, Target, Variant

LATENCY = 0.05

Batch = Callable[[list[str]], Awaitable[list[Any]]]

SPEC = Spec(
    name="abatch",
    module="bench_abatch",
    reference="best_floor",
    metrics=(
        Metric("req_per_s", "req/s", higher_is_better=True),
        Metric("cpu_ms_per_req", "client CPU ms/req", digits=2),
        Metric("new_conns", "new TCP conns"),
        Metric("lag_max_ms", "loop lag max ms", digits=1),
    ),
    variants=(
        Variant(
            "c=32",
            params={"requests": 500, "concurrency": 32},
            quick={"requests": 200},
            server={"latency": LATENCY},
        ),
        Variant(
            "c=128",
            params={"requests": 500, "concurrency": 128},
            quick={"requests": 256},
            server={"latency": LATENCY},
            target=Target(
                "req_per_s",
                reference="best_floor",
                min_ratio=0.8,
                zero=("new_conns",),
                anchor_note="anchor 0.46x",
            ),
        ),
    ),
)


def _prompts(n: int, tag: str) -> list[str]:
    return [f"{tag} {i}: {c.PROMPT}" for i in range(n)]


def floor_batcher(client: str, url: str, concurrency: int) -> Batch:
    http = c.http_module(client)
    # The floor's pool is sized to the concurrency, keep-alive included, so it never churns.
    limits = http.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    session = http.AsyncClient(limits=limits, timeout=60.0)
    endpoint = c.method_url(url, "generateContent")
    gate = asyncio.Semaphore(concurrency)

    async def one(prompt: str) -> str:
        async with gate:
            response = await session.post(endpoint, content=c.floor_body(prompt), headers=c.FLOOR_HEADERS)
            response.raise_for_status()
            return c.floor_text(json.loads(response.content))

    async def batch(prompts: list[str]) -> list[Any]:
        return list(await asyncio.gather(*(one(p) for p in prompts)))

    return batch


def _model_batcher(client: str, url: str, concurrency: int) -> Batch:
    model = c.chat_model(client, url)

    async def batch(prompts: list[str]) -> list[Any]:
        return await model.abatch(prompts, config={"max_concurrency": concurrency})

    return batch


async def lag_probe(lags: list[float], stop: asyncio.Event, interval: float = 0.005) -> None:
    """Event-loop lag: how late a short sleep wakes up while the batch runs."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(interval)
        lags.append(time.perf_counter() - start - interval)


async def measure_batch(batch: Batch, url: str, params: dict[str, Any]) -> dict[str, float]:
    """Warm up with one round at full concurrency (fills the pool), then time one batch."""
    concurrency, requests = params["concurrency"], params["requests"]
    counter = ConnectionCounter(url)
    await batch(_prompts(concurrency, "warm-up"))
    counter.mark()
    lags: list[float] = []
    stop = asyncio.Event()
    probe = asyncio.create_task(lag_probe(lags, stop))
    wall, cpu = time.perf_counter(), time.process_time()
    answers = await batch(_prompts(requests, "prompt"))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    stop.set()
    await probe
    new_conns = counter.since_mark()
    counter.close()
    if len(answers) != requests:
        raise RuntimeError(f"{len(answers)} answers for {requests} prompts")
    return {
        "req_per_s": requests / wall,
        "cpu_ms_per_req": cpu / requests * 1e3,
        "new_conns": float(new_conns),
        "lag_max_ms": max(lags, default=0.0) * 1e3,
        "lag_p99_ms": statistics.quantiles(lags, n=100)[98] * 1e3 if len(lags) > 1 else 0.0,
        "ideal_req_per_s": concurrency / LATENCY,
    }


async def _measure(client: str, url: str, params: dict[str, Any]) -> dict[str, float]:
    make = floor_batcher if client.startswith("floor") else _model_batcher
    return await measure_batch(make(client, url, params["concurrency"]), url, params)


def run(client: str, params: dict[str, Any], url: str) -> dict[str, float]:
    return asyncio.run(_measure(client, url, params))
