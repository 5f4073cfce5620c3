"""Embeddings: 5,000 texts in batches of 100 (the API maximum per batchEmbedContents).

The references, as in the performance baseline (the embeddings floor sends 100 texts per batchEmbedContents,
8 requests at a time: a concurrent floor is the fair reference for the embeddings ratios): a floor that keeps 8
batches in flight, for wall time at 100 ms of server latency and for client CPU at zero latency. The async floor
is the baseline's own; ``embed_documents`` is compared with the same floor written with 8 threads, its sync equivalent.

Two stricter, informational rows compare ``embed_documents`` with a sequential one-batch-at-a-time floor, the
cheapest possible at zero latency (no concurrency at all). ``GeminiEmbeddings`` rescales vectors below the
model's full size to unit length by default, work no floor does; the ``normalize=False`` row measures ours
without it.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks import _clients as c
from benchmarks._control import ConnectionCounter
from benchmarks._spec import Metric, Spec, Target, Variant

MODEL = "gemini-embedding-001"
DIMENSIONS = 768  # as in the baseline; the default 3072 would make JSON parsing dominate every client
BATCH = 100
FLOOR_CONCURRENCY = 8

SPEC = Spec(
    name="embed",
    module="bench_embed",
    metrics=(
        Metric("wall_s", "wall s", digits=2),
        Metric("cpu_s", "client CPU s", digits=2),
        Metric("new_conns", "new TCP conns"),
    ),
    variants=(
        Variant(
            "aembed, 100 ms",
            params={"texts": 5000, "mode": "async"},
            quick={"texts": 1000},
            server={"latency": 0.1},
            target=Target("wall_s", max_ratio=1.2, anchor_note="anchor 5.4x"),
        ),
        Variant(
            "embed, 100 ms",
            params={"texts": 5000, "mode": "sync", "floor": "threads"},
            quick={"texts": 1000},
            server={"latency": 0.1},
            target=Target("wall_s", max_ratio=1.2, anchor_note="anchor: one batch at a time"),
        ),
        Variant(
            "aembed, 0 ms",
            params={"texts": 5000, "mode": "async"},
            quick={"texts": 1000},
            target=Target("cpu_s", max_ratio=1.1, anchor_note="anchor 1.6x"),
        ),
        Variant(
            "embed, 0 ms",
            params={"texts": 5000, "mode": "sync", "floor": "threads"},
            quick={"texts": 1000},
            target=Target("cpu_s", max_ratio=1.1, anchor_note="anchor 1.5x"),
        ),
        Variant(
            "embed, 0 ms, sequential floor",
            params={"texts": 5000, "mode": "sync", "floor": "sequential"},
            quick={"texts": 1000},
        ),
        Variant(
            "embed, 0 ms, sequential floor, normalize=False",
            params={"texts": 5000, "mode": "sync", "floor": "sequential", "normalize": False},
            quick={"texts": 1000},
            clients=("floor", "floor_httpx2", "ours"),  # the option is ours alone
        ),
    ),
)


def _texts(n: int) -> list[str]:
    return [f"Document {i}: notes on topic {i % 17} for retrieval." for i in range(n)]


def _batch_body(texts: list[str]) -> bytes:
    model = f"models/{MODEL}"
    requests = [
        {"model": model, "content": {"parts": [{"text": t}]}, "outputDimensionality": DIMENSIONS} for t in texts
    ]
    return json.dumps({"requests": requests}).encode()


def _vectors(content: bytes) -> list[list[float]]:
    return [e["values"] for e in json.loads(content)["embeddings"]]


def _endpoint(url: str) -> str:
    return f"{url}/v1beta/models/{MODEL}:batchEmbedContents"


def _embeddings(client: str, url: str, normalize: bool) -> Any:
    if client == "anchor":
        from langchain_google_genai import GoogleGenerativeAIEmbeddings

        return GoogleGenerativeAIEmbeddings(
            model=MODEL, google_api_key=c.API_KEY, base_url=url, output_dimensionality=DIMENSIONS
        )
    from langchain_gemini import GeminiEmbeddings

    return GeminiEmbeddings(
        model=MODEL, api_key=c.API_KEY, base_url=url, output_dimensionality=DIMENSIONS, normalize=normalize
    )


Embed = Any  # (texts) -> vectors, sync or async depending on the variant


def _sync_floor(client: str, url: str) -> Embed:
    """One batch after another: the least CPU possible, and the slowest wall time once there is latency."""
    http = c.http_module(client).Client(timeout=60.0)

    def embed(texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            body = _batch_body(texts[start : start + BATCH])
            response = http.post(_endpoint(url), content=body, headers=c.FLOOR_HEADERS)
            response.raise_for_status()
            vectors.extend(_vectors(response.content))
        return vectors

    return embed


def _threaded_floor(client: str, url: str) -> Embed:
    """The concurrent floor in sync code: 8 batches in flight on a thread pool, each parsed by its thread."""
    http_module = c.http_module(client)
    limits = http_module.Limits(max_connections=FLOOR_CONCURRENCY, max_keepalive_connections=FLOOR_CONCURRENCY)
    http = http_module.Client(limits=limits, timeout=60.0)
    pool = ThreadPoolExecutor(max_workers=FLOOR_CONCURRENCY)

    def one(chunk: list[str]) -> list[list[float]]:
        response = http.post(_endpoint(url), content=_batch_body(chunk), headers=c.FLOOR_HEADERS)
        response.raise_for_status()
        return _vectors(response.content)

    def embed(texts: list[str]) -> list[list[float]]:
        chunks = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
        return [v for part in pool.map(one, chunks) for v in part]

    return embed


def _async_floor(client: str, url: str) -> Embed:
    http_module = c.http_module(client)
    limits = http_module.Limits(max_connections=FLOOR_CONCURRENCY, max_keepalive_connections=FLOOR_CONCURRENCY)
    http = http_module.AsyncClient(limits=limits, timeout=60.0)

    async def one(gate: asyncio.Semaphore, chunk: list[str]) -> list[list[float]]:
        async with gate:
            response = await http.post(_endpoint(url), content=_batch_body(chunk), headers=c.FLOOR_HEADERS)
            response.raise_for_status()
            return _vectors(response.content)

    async def embed(texts: list[str]) -> list[list[float]]:
        gate = asyncio.Semaphore(FLOOR_CONCURRENCY)
        chunks = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
        results = await asyncio.gather(*(one(gate, chunk) for chunk in chunks))
        return [v for part in results for v in part]

    return embed


def _embedder(client: str, url: str, params: dict[str, Any]) -> Embed:
    mode = params["mode"]
    if client.startswith("floor"):
        if mode == "async":
            return _async_floor(client, url)
        return _threaded_floor(client, url) if params["floor"] == "threads" else _sync_floor(client, url)
    model = _embeddings(client, url, params.get("normalize", True))
    return model.embed_documents if mode == "sync" else model.aembed_documents


def _timed(embed: Any, texts: list[str], mark: Any) -> tuple[float, float]:
    """Warm up (imports, first connections), mark, then time one call of ``texts``."""
    embed(_texts(FLOOR_CONCURRENCY * BATCH))  # enough batches to open every floor connection
    mark()
    wall, cpu = time.perf_counter(), time.process_time()
    vectors = embed(texts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if len(vectors) != len(texts) or len(vectors[0]) != DIMENSIONS:
        raise RuntimeError(f"{len(vectors)} vectors of {len(vectors[0])} values for {len(texts)} texts")
    return wall, cpu


def run(client: str, params: dict[str, Any], url: str) -> dict[str, float]:
    counter = ConnectionCounter(url)
    texts = _texts(params["texts"])
    embed = _embedder(client, url, params)
    if params["mode"] == "async":
        # One loop for warm-up and measurement, so the async client's connections carry over.
        loop = asyncio.new_event_loop()
        wall, cpu = _timed(lambda t: loop.run_until_complete(embed(t)), texts, counter.mark)
        loop.close()
    else:
        wall, cpu = _timed(embed, texts, counter.mark)
    new_conns = counter.since_mark()
    counter.close()
    return {"wall_s": wall, "cpu_s": cpu, "new_conns": float(new_conns)}
