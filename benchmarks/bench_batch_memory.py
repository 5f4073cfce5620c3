"""Opt-in (``--only batch_memory``): client memory and CPU of a large Batch API job, against ``abatch``.

A chat job of N prompts and an embedding job of N texts through the emulator (its own process), in three phases:
building and submitting the job (``batch_submit``: requests written to a temporary JSONL file, uploaded through the
Files API above Google's 20 MB inline limit), waiting for it (polls), and reading every result
(``GeminiBatches.results`` / ``GeminiEmbeddings.iter_batch_results``: the result file downloaded to a temporary
file and read back one line at a time). Each phase reports the peak RSS over the RSS before it (``VmHWM`` after
``/proc/self/clear_refs``, Linux) and its process CPU; the ``tracemalloc`` variants report tracemalloc's peak
instead (tracing slows everything, so they run apart). The ``abatch`` rows send the same items as requests now
(``abatch`` / ``aembed_documents``) for comparison; a 100,000-prompt ``abatch`` takes long on 2 cores, so the chat
one runs ``abatch_items`` items and the rows report per-item figures too.

    .venv/bin/python benchmarks/run.py --only batch_memory --repeats 1
    .venv/bin/python -m benchmarks.bench_batch_memory [items]   # standalone, starts its own emulator
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks._spec import Metric, Spec, Variant

ITEMS = 100_000
ABATCH_ITEMS = 10_000

SPEC = Spec(
    name="batch_memory",
    module="bench_batch_memory",
    default=False,
    reference=None,
    clients=("ours",),
    metrics=(
        Metric("submit_mib", "build + submit peak MiB", digits=1),
        Metric("submit_cpu_s", "build + submit CPU s", digits=2),
        Metric("read_mib", "read results peak MiB", digits=1),
        Metric("read_cpu_s", "read results CPU s", digits=2),
        Metric("items", "items"),
        Metric("kib_per_item", "peak KiB per item", digits=3),
        Metric("cpu_ms_per_item", "CPU ms per item", digits=3),
    ),
    variants=(
        Variant("chat job, RSS", params={"kind": "chat", "items": ITEMS}, quick={"items": 20_000}),
        Variant(
            "chat job, tracemalloc", params={"kind": "chat", "items": ITEMS, "trace": True}, quick={"items": 20_000}
        ),
        Variant("embed job, RSS", params={"kind": "embed", "items": ITEMS}, quick={"items": 20_000}),
        Variant(
            "embed job, tracemalloc", params={"kind": "embed", "items": ITEMS, "trace": True}, quick={"items": 20_000}
        ),
        Variant("chat abatch, RSS", params={"kind": "chat_abatch", "items": ABATCH_ITEMS}, quick={"items": 2_000}),
        Variant(
            "embed aembed_documents, RSS", params={"kind": "embed_abatch", "items": ITEMS}, quick={"items": 20_000}
        ),
    ),
)


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


class _Phase:
    """Peak memory (RSS over the start, or tracemalloc's) and process CPU of one phase."""

    def __init__(self, trace: bool) -> None:
        self.trace = trace

    def __enter__(self) -> _Phase:
        gc.collect()
        if self.trace:
            tracemalloc.reset_peak()
        else:
            with open("/proc/self/clear_refs", "w") as clear:
                clear.write("5")  # reset VmHWM to the current RSS
        self.rss = _status_kb("VmRSS")
        self.cpu = time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.cpu_s = time.process_time() - self.cpu
        if self.trace:
            self.mib = tracemalloc.get_traced_memory()[1] / 2**20
        else:
            self.mib = (_status_kb("VmHWM") - self.rss) / 1024


def _job(kind: str, items: int, url: str, trace: bool) -> dict[str, float]:
    from langchain_gemini import ChatGemini, GeminiBatches, GeminiBatchItemError, GeminiEmbeddings

    common: dict[str, Any] = {"api_key": "bench-key", "base_url": url, "timeout": 3600}
    client: Any = (
        ChatGemini(model="gemini-2.5-flash", **common)
        if kind == "chat"
        else GeminiEmbeddings(model="gemini-embedding-001", output_dimensionality=256, **common)
    )
    inputs = [f"Question {i}: name a colour." for i in range(items)]
    if trace:
        tracemalloc.start()
    with client, _Phase(trace) as submit:
        job = client.batch_submit(inputs)
    batches = GeminiBatches.from_model(client)
    job = batches.wait_until_done(job, poll_interval=0.05, timeout=3600)
    results: Callable[[Any], Any] = batches.results if kind == "chat" else client.iter_batch_results
    with _Phase(trace) as read:
        answered = failed = 0
        for result in results(job):
            answered += 1
            failed += isinstance(result, GeminiBatchItemError)
    assert (answered, failed) == (items, 0), (answered, failed)
    peak = max(submit.mib, read.mib)
    return {
        "submit_mib": submit.mib,
        "submit_cpu_s": submit.cpu_s,
        "read_mib": read.mib,
        "read_cpu_s": read.cpu_s,
        "items": items,
        "kib_per_item": peak * 1024 / items,
        "cpu_ms_per_item": (submit.cpu_s + read.cpu_s) * 1000 / items,
    }


def _now(kind: str, items: int, url: str) -> dict[str, float]:
    from langchain_gemini import ChatGemini, GeminiEmbeddings

    common: dict[str, Any] = {"api_key": "bench-key", "base_url": url, "timeout": 3600}
    inputs = [f"Question {i}: name a colour." for i in range(items)]
    with _Phase(False) as phase:
        if kind == "chat_abatch":
            with ChatGemini(model="gemini-2.5-flash", **common) as model:
                answers = asyncio.run(model.abatch(inputs, config={"max_concurrency": 64}))  # type: ignore[arg-type]
        else:
            with GeminiEmbeddings(model="gemini-embedding-001", output_dimensionality=256, **common) as embeddings:
                answers = asyncio.run(embeddings.aembed_documents(inputs))
    assert len(answers) == items
    return {
        "submit_mib": phase.mib,
        "submit_cpu_s": phase.cpu_s,
        "items": items,
        "kib_per_item": phase.mib * 1024 / items,
        "cpu_ms_per_item": phase.cpu_s * 1000 / items,
    }


def run(client: str, params: dict[str, Any], url: str) -> dict[str, float]:
    kind, items = str(params["kind"]), int(params["items"])
    if kind in ("chat", "embed"):
        return _job(kind, items, url, bool(params.get("trace")))
    return _now(kind, items, url)


def main(items: int) -> None:
    """Each variant in a fresh worker process (as `run.py` runs them), against one emulator process."""
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "langchain_gemini.testing", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=root) as server:
        try:
            assert server.stdout is not None
            url = server.stdout.readline().strip().split("=", 1)[1]
            for variant in SPEC.variants:
                params = {**variant.params, "items": min(items, int(variant.params["items"]))}
                worker = [sys.executable, "-m", "benchmarks._worker", SPEC.module, "ours", json.dumps(params)]
                env = {**os.environ, "GEMINI_BENCH_URL": url}
                done = subprocess.run(worker, cwd=root, env=env, capture_output=True, text=True, check=True)
                print(variant.name, done.stdout.strip().splitlines()[-1], flush=True)
        finally:
            server.terminate()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else ITEMS)
