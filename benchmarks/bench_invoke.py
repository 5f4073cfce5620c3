"""Sequential ``invoke`` / ``ainvoke`` of a short prompt at zero server latency."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from benchmarks import _clients as c
from benchmarks._control import ConnectionCounter
from benchmarks._measure import Samples, atime_calls, time_calls
from benchmarks._spec import Metric, Spec, Target, Variant

PARAMS = {"calls": 300, "warmup": 30}
QUICK = {"calls": 60, "warmup": 10}

SPEC = Spec(
    name="invoke",
    module="bench_invoke",
    metrics=(
        Metric("median_us", "median us/call"),
        Metric("cpu_us", "thread CPU us/call"),
        Metric("p90_us", "p90 us/call"),
        Metric("new_conns", "new TCP conns"),
    ),
    variants=(
        Variant(
            "sync",
            params={**PARAMS, "mode": "sync"},
            quick=QUICK,
            target=Target("median_us", max_ratio=1.5, anchor_note="anchor 4.2x"),
        ),
        Variant("async", params={**PARAMS, "mode": "async"}, quick=QUICK),
    ),
)

Mark = Callable[[], None]


def _sync_samples(client: str, url: str, params: dict[str, Any], mark: Mark) -> Samples:
    if client.startswith("floor"):
        http = c.http_module(client).Client()
        endpoint = c.method_url(url, "generateContent")

        def call() -> str:
            response = http.post(endpoint, content=c.floor_body(c.PROMPT), headers=c.FLOOR_HEADERS)
            response.raise_for_status()
            return c.floor_text(json.loads(response.content))

        return time_calls(call, params["warmup"], params["calls"], mark)
    model = c.chat_model(client, url)
    return time_calls(lambda: model.invoke(c.PROMPT).content, params["warmup"], params["calls"], mark)


async def _async_samples(client: str, url: str, params: dict[str, Any], mark: Mark) -> Samples:
    if client.startswith("floor"):
        http = c.http_module(client).AsyncClient()
        endpoint = c.method_url(url, "generateContent")

        async def call() -> object:
            body = c.floor_body(c.PROMPT)
            response = await http.post(endpoint, content=body, headers=c.FLOOR_HEADERS)
            response.raise_for_status()
            return c.floor_text(json.loads(response.content))

    else:
        model = c.chat_model(client, url)

        async def call() -> object:
            return (await model.ainvoke(c.PROMPT)).content

    return await atime_calls(call, params["warmup"], params["calls"], mark)


def run(client: str, params: dict[str, Any], url: str) -> dict[str, float]:
    counter = ConnectionCounter(url)
    if params["mode"] == "sync":
        samples = _sync_samples(client, url, params, counter.mark)
    else:
        samples = asyncio.run(_async_samples(client, url, params, counter.mark))
    result = samples.summary()
    result["new_conns"] = float(counter.since_mark())
    counter.close()
    return result
