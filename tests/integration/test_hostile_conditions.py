"""Hostile networks against the emulator (issue 16): a seeded chaos run, and no socket leaked per event loop."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import textwrap
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from langchain_gemini import ChatGemini
from langchain_gemini.errors import GeminiError
from langchain_gemini.testing import Fault, GeminiEmulator
from tests.integration.conftest import EMULATOR_KEY

REQUESTS = 120
STREAMS = 30
SYNC_BATCH = 40
FAULT_RATE = 0.2
MAX_RETRIES = 2


def _faults(rng: random.Random, count: int) -> list[Fault]:
    """`count` faults for the next `count` requests in arrival order: 80 % pass-through, 20 % real faults."""
    kinds = [
        Fault(status=429, retry_delay="0.01s"),
        Fault(status=503),
        Fault(kind="drop"),
        Fault(kind="mid_stream_error", status=500, after_events=1),
        Fault(kind="truncate_stream", after_events=2),
    ]
    out = []
    for _ in range(count):
        fault = rng.choice(kinds) if rng.random() < FAULT_RATE else Fault(kind="delay", delay=0.0)
        out.append(replace(fault, method=None, times=1))
    return out


def _prompt(index: int) -> str:
    return f"chaos request {index}"


def _attempts(emulator: GeminiEmulator) -> Counter[str]:
    counts: Counter[str] = Counter()
    for request in emulator.requests:
        body = request.json or {}
        text = body.get("contents", [{}])[-1].get("parts", [{}])[0].get("text", "")
        counts[text] += 1
    return counts


def _expected_text(emulator: GeminiEmulator, model: ChatGemini, prompt: str) -> str:
    emulator.reset()
    return model.invoke(prompt).text


def test_a_seeded_chaos_run_loses_nothing_and_repeats_nothing(emulator: GeminiEmulator) -> None:
    rng = random.Random(16)
    model = ChatGemini(
        model="gemini-2.5-flash", api_key=EMULATOR_KEY, base_url=emulator.base_url, max_retries=MAX_RETRIES
    )
    # Backoff shortened so the run takes seconds; the policy's decisions (what to retry, how often) are unchanged.
    model._client._policy = replace(model._client._policy, initial_delay=0.005, max_delay=0.02)
    expected = {i: _expected_text(emulator, model, _prompt(i)) for i in range(STREAMS)}
    emulator.reset()
    emulator.configure(stream_events=4)
    for fault in _faults(rng, 3 * (REQUESTS + STREAMS + SYNC_BATCH)):
        emulator.inject(fault)

    async def stream(index: int) -> tuple[str, BaseException | None]:
        text = ""
        try:
            async for chunk in model.astream(_prompt(index)):
                text += chunk.text
        except GeminiError as exc:
            return text, exc
        return text, None

    async def run() -> tuple[list[Any], list[Any]]:
        invokes = model.abatch([_prompt(STREAMS + i) for i in range(REQUESTS)], return_exceptions=True)
        streams = asyncio.gather(*(stream(i) for i in range(STREAMS)))
        return await asyncio.gather(invokes, streams)

    invoked, streamed = asyncio.run(run())
    batched = model.batch(
        [_prompt(STREAMS + REQUESTS + i) for i in range(SYNC_BATCH)],
        return_exceptions=True,
        config={"max_concurrency": 8},
    )

    # Every request delivered or raised a classified GeminiError; none lost.
    assert len(invoked) == REQUESTS
    assert len(batched) == SYNC_BATCH
    assert len(streamed) == STREAMS
    for outcome in [*invoked, *batched]:
        assert isinstance(outcome, GeminiError) or outcome.text, outcome
    delivered = sum(not isinstance(o, BaseException) for o in [*invoked, *batched])
    failed = [o for o in [*invoked, *batched] if isinstance(o, BaseException)]
    assert delivered > 0.8 * (REQUESTS + SYNC_BATCH)  # retries recover most faults
    # No duplicate attempts: each prompt was sent at most 1 + max_retries times, and a delivered invoke once more
    # than the faults it met (a fault-free first attempt means exactly one).
    attempts = _attempts(emulator)
    assert max(attempts.values()) <= 1 + MAX_RETRIES
    assert sum(attempts.values()) == len(emulator.requests)
    assert len(emulator.requests) > REQUESTS + STREAMS + SYNC_BATCH  # faults were met and retried
    # No stream re-emitted a chunk: a complete stream is the answer exactly, a broken one a prefix of it.
    for index, (text, error) in enumerate(streamed):
        if error is None:
            assert text == expected[index]
        else:
            assert expected[index].startswith(text)
            assert isinstance(error, GeminiError)
    assert all(isinstance(error, GeminiError) for error in failed)
    model.close()


_LEAK_PROBE = textwrap.dedent(
    """
    import asyncio, gc, os, resource, sys, threading
    resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))
    from langchain_gemini import ChatGemini

    model = ChatGemini(model="gemini-2.5-flash", api_key=sys.argv[2], base_url=sys.argv[1], max_retries=0)
    errors = []

    def one_loop():
        try:
            asyncio.run(model.ainvoke("hi"))
        except Exception as exc:
            errors.append(repr(exc))

    start = len(os.listdir("/proc/self/fd"))
    for _ in range(50):
        one_loop()
    for _ in range(10):
        thread = threading.Thread(target=one_loop)
        thread.start()
        thread.join()
    gc.collect()
    print(len(os.listdir("/proc/self/fd")) - start, len(errors), errors[:1])
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts descriptors in /proc/self/fd")
def test_a_loop_per_call_leaks_no_socket(emulator: GeminiEmulator) -> None:
    """50 `asyncio.run`s and 10 loops in threads under a 40-descriptor limit: no failure, no socket left.

    A socket leaked per loop would exhaust the limit before the end (issue 16 saw call 251 fail under 256).
    """
    probe = subprocess.run(
        [sys.executable, "-c", _LEAK_PROBE, emulator.base_url, EMULATOR_KEY],
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    grown, failures, first = probe.stdout.split(maxsplit=2)
    assert failures == "0", first
    assert int(grown) <= 2, f"{grown} descriptors left open after 60 event loops"
