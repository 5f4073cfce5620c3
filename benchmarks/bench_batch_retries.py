"""Sync ``batch`` under injected 503s: how much slower than fault-free (issue 16, "retries under load").

Opt-in: ``.venv/bin/python benchmarks/run.py --only batch_retries`` (or standalone:
``.venv/bin/python -m benchmarks.bench_batch_retries``).
An in-process emulator answers after ``--latency`` seconds; the faulted run arms, in arrival order, a seeded
20 % of 503s (the rest pass through), as tests/integration/test_hostile_conditions.py does. Up to 8 retries
(a 20 % rate over hundreds of requests fails some three times in a row). Backoff is shortened to
``--initial-delay`` (jitter keeps 75-100 % of it, doubled per retry) so a run takes seconds. Printed: wall time
fault-free and faulted (best of ``--repeats``), and their ratio. The faulted run cannot be shorter than its
longest chain of backoffs (0.3 + 0.6 + 1.2 s for three failures in a row).
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from typing import Any

from langchain_core.language_models import LanguageModelInput

from benchmarks._spec import Metric, Spec, Variant
from langchain_gemini import ChatGemini
from langchain_gemini.testing import Fault, GeminiEmulator

DEFAULTS: dict[str, Any] = {
    "requests": 300,
    "concurrency": 8,
    "latency": 0.02,
    "rate": 0.2,
    "initial_delay": 0.3,
    "seed": 16,
    "repeats": 3,
}

SPEC = Spec(
    name="batch_retries",
    module="bench_batch_retries",
    default=False,
    needs_server=False,  # its own in-process emulator, which arms faults per request
    reference=None,
    clients=("ours",),
    metrics=(
        Metric("faulted_over_clean", "faulted / fault-free wall", digits=2),
        Metric("clean_s", "fault-free wall s", digits=2),
        Metric("faulted_s", "faulted wall s", digits=2),
    ),
    variants=(Variant("300 requests, c=8, 20 % 503s", params=DEFAULTS, quick={"repeats": 1}),),
)


def _arm(emulator: GeminiEmulator, seed: int, count: int, rate: float) -> int:
    rng = random.Random(seed)
    faulted = 0
    for _ in range(count):
        if rng.random() < rate:
            emulator.inject(Fault(status=503, times=1))
            faulted += 1
        else:
            emulator.inject(Fault(kind="delay", delay=0.0, times=1))
    return faulted


def _run(emulator: GeminiEmulator, args: argparse.Namespace, *, faults: bool) -> float:
    model = ChatGemini(model="gemini-2.5-flash", api_key="bench-key", base_url=emulator.base_url, max_retries=8)
    client = model._client
    client._policy = replace(client._policy, initial_delay=args.initial_delay)  # seconds, not the default 0.5 s
    best = float("inf")
    prompts: list[LanguageModelInput] = [f"retry bench {i}" for i in range(args.requests)]
    for _ in range(args.repeats):
        emulator.reset()
        emulator.configure(latency=args.latency)
        if faults:
            _arm(emulator, args.seed, args.requests * 2, args.rate)
        start = time.perf_counter()
        answers = model.batch(prompts, {"max_concurrency": args.concurrency})
        best = min(best, time.perf_counter() - start)
        assert len(answers) == args.requests
    model._client.close()
    return best


def run(client: str, params: dict[str, Any], url: str) -> dict[str, float]:
    """One measurement for `benchmarks/run.py` (`client` is always ours; `url` unused: the emulator is in-process)."""
    args = argparse.Namespace(**{**DEFAULTS, **params})
    with GeminiEmulator() as emulator:
        clean = _run(emulator, args, faults=False)
        faulted = _run(emulator, args, faults=True)
    return {"faulted_over_clean": faulted / clean, "clean_s": clean, "faulted_s": faulted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8, help="the batch's max_concurrency")
    parser.add_argument("--latency", type=float, default=0.02, help="emulator latency, seconds")
    parser.add_argument("--rate", type=float, default=0.2, help="share of attempts answered 503")
    parser.add_argument("--initial-delay", type=float, default=0.3, help="first backoff, seconds")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with GeminiEmulator() as emulator:
        clean = _run(emulator, args, faults=False)
        faulted = _run(emulator, args, faults=True)
    print(
        f"sync batch of {args.requests}, max_concurrency={args.concurrency}, latency {args.latency * 1000:.0f} ms, "
        f"{args.rate:.0%} 503s (seed {args.seed}), first backoff {args.initial_delay} s"
    )
    print(f"fault-free {clean:.2f} s, faulted {faulted:.2f} s, ratio {faulted / clean:.2f}x")


if __name__ == "__main__":
    main()
