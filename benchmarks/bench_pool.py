"""Opt-in (``--only pool``): ``abatch`` throughput of our chat model per async HTTP pool choice.

The measured case behind the default transport: ``ours`` as shipped (the O(1) pool
of ``langchain_gemini._pool`` with 64 connections), with httpx's own pool at several
sizes (keep-alive equal to the maximum, so no churn; 64 was the default before), and
with the O(1) pool at 128 connections, all against the best floor.
"""

from __future__ import annotations

import asyncio
from typing import Any

from benchmarks import _clients as c
from benchmarks._spec import Metric, Spec, Variant
from benchmarks.bench_abatch import LATENCY, Batch, floor_batcher, measure_batch

# httpx.AsyncClient(limits=...) with httpx's own pool, at these sizes.
POOLS = {"ours_L16": 16, "ours_L32": 32, "ours_L64": 64, "ours_L128": 128}
# The production O(1) transport at sizes other than the default.
LEAN = {"ours_lean128": 128}

SPEC = Spec(
    name="pool",
    module="bench_pool",
    default=False,
    reference="best_floor",
    clients=("floor", "floor_httpx2", "ours", *POOLS, *LEAN),
    metrics=(
        Metric("req_per_s", "req/s", higher_is_better=True),
        Metric("cpu_ms_per_req", "client CPU ms/req", digits=2),
        Metric("new_conns", "new TCP conns"),
    ),
    variants=tuple(
        Variant(
            f"c={n}", params={"requests": 500, "concurrency": n}, quick={"requests": 256}, server={"latency": LATENCY}
        )
        for n in (32, 128)
    ),
)


def _http_async_client(client: str) -> Any:
    import httpx

    if client in POOLS:
        size = POOLS[client]
        return httpx.AsyncClient(limits=httpx.Limits(max_connections=size, max_keepalive_connections=size))
    if client in LEAN:
        from langchain_gemini._pool import LeanAsyncTransport

        return httpx.AsyncClient(transport=LeanAsyncTransport(max_connections=LEAN[client]))
    return None


def _batcher(client: str, url: str, concurrency: int) -> Batch:
    if client.startswith("floor"):
        return floor_batcher(client, url, concurrency)
    from langchain_gemini import ChatGemini

    model = ChatGemini(model=c.MODEL, api_key=c.API_KEY, base_url=url, http_async_client=_http_async_client(client))

    async def batch(prompts: list[str]) -> list[Any]:
        return await model.abatch(prompts, config={"max_concurrency": concurrency})

    return batch


def run(client: str, params: dict[str, Any], url: str) -> dict[str, float]:
    async def main() -> dict[str, float]:
        return await measure_batch(_batcher(client, url, params["concurrency"]), url, params)

    return asyncio.run(main())
