"""`GeminiClient.asend(on_sent=...)` over loopback: the signal `aembed_documents` waits for before parsing.

Real sockets and httpcore, on our pooled transport and on httpx's own (the one used behind a proxy).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import TypeVar

import httpx
import pytest
from pydantic import SecretStr

from langchain_gemini._client import GeminiClient
from langchain_gemini._pool import LeanAsyncTransport
from langchain_gemini.testing import GeminiEmulator
from tests.integration.conftest import EMULATOR_KEY

LATENCY = 0.3
BODY = b'{"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}'
PATH = "models/gemini-2.5-flash:generateContent"
T = TypeVar("T")


def client_for(emulator: GeminiEmulator, transport: httpx.AsyncBaseTransport) -> GeminiClient:
    return GeminiClient(api_key=SecretStr(EMULATOR_KEY), base_url=emulator.base_url, async_transport=transport)


async def send_timed(client: GeminiClient) -> tuple[float, float]:
    """Seconds from the start until `on_sent` was first called, and until the answer was in."""
    start = time.perf_counter()
    sent_at: list[float] = []

    def on_sent() -> None:
        sent_at.append(time.perf_counter() - start)

    response = await client.asend(
        "POST", PATH, content=BODY, headers={"content-type": "application/json"}, on_sent=on_sent
    )
    answered = time.perf_counter() - start
    assert response.status_code == 200
    assert sent_at, "on_sent was never called"
    return sent_at[0], answered


async def then_close(client: GeminiClient, work: Awaitable[T]) -> T:
    """`work`, then the client's connections closed on the loop they belong to."""
    try:
        return await work
    finally:
        await client.aclose()


@pytest.mark.parametrize("transport", ["lean", "httpx"])
def test_on_sent_is_called_once_the_request_is_written_long_before_the_answer(
    emulator: GeminiEmulator, transport: str
) -> None:
    emulator.configure(latency=LATENCY)
    chosen = LeanAsyncTransport(max_connections=4) if transport == "lean" else httpx.AsyncHTTPTransport()
    client = client_for(emulator, chosen)
    sent, answered = asyncio.run(then_close(client, send_timed(client)))
    assert answered >= LATENCY
    assert sent < LATENCY / 2  # written, then the server's latency: the signal did not wait for the answer
    assert emulator.requests[-1].json == {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}


def test_on_sent_is_called_while_a_request_waits_for_a_free_connection(emulator: GeminiEmulator) -> None:
    """One connection, two requests: the second says sent while it queues, not a round trip later."""
    emulator.configure(latency=LATENCY)
    client = client_for(emulator, LeanAsyncTransport(max_connections=1))

    async def both() -> list[tuple[float, float]]:
        return list(await asyncio.gather(send_timed(client), send_timed(client)))

    (first_sent, first_answered), (second_sent, second_answered) = asyncio.run(then_close(client, both()))
    assert first_sent < LATENCY / 2
    assert second_sent < LATENCY / 2
    assert first_answered >= LATENCY
    assert second_answered >= 2 * LATENCY  # it really did wait for the first request's connection
