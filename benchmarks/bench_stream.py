"""``stream`` / ``astream`` of a 200-event SSE response at zero server latency."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from benchmarks import _clients as c
from benchmarks._control import ConnectionCounter
from benchmarks._spec import Metric, Spec, Target, Variant

EVENTS = 200
PARAMS = {"calls": 30, "warmup": 5}
QUICK = {"calls": 8, "warmup": 2}

SPEC = Spec(
    name="stream",
    module="bench_stream",
    metrics=(
        Metric("total_us", "median us/stream"),
        Metric("first_us", "first chunk us"),
        Metric("cpu_us", "thread CPU us/stream"),
        Metric("chunks", "chunks seen"),
        Metric("new_conns", "new TCP conns"),
    ),
    variants=(
        Variant(
            f"stream {EVENTS} ev",
            params={**PARAMS, "mode": "sync"},
            quick=QUICK,
            server={"stream_events": EVENTS},
            target=Target("total_us", max_ratio=2.0, anchor_note="anchor 12.5x"),
        ),
        Variant(
            f"astream {EVENTS} ev",
            params={**PARAMS, "mode": "async"},
            quick=QUICK,
            server={"stream_events": EVENTS},
        ),
    ),
)


def _floor_texts(lines: Iterator[str]) -> Iterator[str]:
    for line in lines:
        if line.startswith("data:"):
            yield c.floor_text(json.loads(line[5:]))


def _sync_stream(client: str, url: str) -> Callable[[], Iterator[object]]:
    if client.startswith("floor"):
        http = c.http_module(client).Client()
        endpoint = c.method_url(url, "streamGenerateContent")

        def events() -> Iterator[object]:
            body = c.floor_body(c.PROMPT)
            with http.stream(
                "POST", endpoint, params={"alt": "sse"}, content=body, headers=c.FLOOR_HEADERS
            ) as response:
                response.raise_for_status()
                yield from _floor_texts(response.iter_lines())

        return events
    model = c.chat_model(client, url)
    return lambda: model.stream(c.PROMPT)


def _async_stream(client: str, url: str) -> Callable[[], AsyncIterator[object]]:
    if client.startswith("floor"):
        http = c.http_module(client).AsyncClient()
        endpoint = c.method_url(url, "streamGenerateContent")

        async def events() -> AsyncIterator[object]:
            body = c.floor_body(c.PROMPT)
            async with http.stream(
                "POST", endpoint, params={"alt": "sse"}, content=body, headers=c.FLOOR_HEADERS
            ) as response:
                response.raise_for_status()
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        yield c.floor_text(json.loads(line[5:]))

        return events
    model = c.chat_model(client, url)
    return lambda: model.astream(c.PROMPT)


def _summary(rows: list[tuple[float, float, float, int]]) -> dict[str, float]:
    return {
        "total_us": statistics.median(r[0] for r in rows) * 1e6,
        "first_us": statistics.median(r[1] for r in rows) * 1e6,
        "cpu_us": statistics.median(r[2] for r in rows) * 1e6,
        "chunks": float(statistics.median(r[3] for r in rows)),
    }


def _measure_sync(events: Callable[[], Iterator[object]]) -> tuple[float, float, float, int]:
    start, cpu = time.perf_counter(), time.thread_time()
    first, count = 0.0, 0
    for _ in events():
        count += 1
        if count == 1:
            first = time.perf_counter() - start
    return time.perf_counter() - start, first, time.thread_time() - cpu, count


async def _measure_async(
    events: Callable[[], AsyncIterator[object]],
) -> tuple[float, float, float, int]:
    start, cpu = time.perf_counter(), time.thread_time()
    first, count = 0.0, 0
    async for _ in events():
        count += 1
        if count == 1:
            first = time.perf_counter() - start
    return time.perf_counter() - start, first, time.thread_time() - cpu, count


async def _run_async(client: str, url: str, params: dict[str, Any], counter: ConnectionCounter):
    events = _async_stream(client, url)
    for _ in range(params["warmup"]):
        await _measure_async(events)
    counter.mark()
    return [await _measure_async(events) for _ in range(params["calls"])]


def run(client: str, params: dict[str, Any], url: str) -> dict[str, float]:
    counter = ConnectionCounter(url)
    if params["mode"] == "sync":
        events = _sync_stream(client, url)
        for _ in range(params["warmup"]):
            _measure_sync(events)
        counter.mark()
        rows = [_measure_sync(events) for _ in range(params["calls"])]
    else:
        rows = asyncio.run(_run_async(client, url, params, counter))
    result = _summary(rows)
    result["new_conns"] = float(counter.since_mark())
    counter.close()
    return result
