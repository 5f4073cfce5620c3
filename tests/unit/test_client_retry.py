"""GeminiClient retries, backoff, transport faults and timeouts (the reliability cases 1-15).

Every test that takes `api` runs twice, through the sync and the async path, with one body.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from typing import Any

import httpx
import pytest
from langchain_core import exceptions as lc
from pydantic import SecretStr

from langchain_gemini._client import GeminiClient
from langchain_gemini.errors import (
    GeminiAPIError,
    GeminiRateLimitError,
    GeminiServerError,
    GeminiTimeoutError,
)

KEY = "AIzaFAKE-sentinel-0123456789"

# -- retry and backoff (cases 1-10) --------------------------------------------------------


def test_429_retry_delay_then_success(api, server, sleeps, gm) -> None:  # case 1
    server.add(gm.rate_limited("2s"), gm.json_reply(gm.OK_JSON))
    assert api.request(server.client()) == gm.OK_JSON
    assert sleeps == [2.0]
    assert len(server.requests) == 2


def test_429_fractional_retry_delay(api, server, sleeps, gm) -> None:  # case 2
    server.add(gm.rate_limited("45.837906927s"), gm.json_reply(gm.OK_JSON))
    api.request(server.client())
    assert sleeps == [45.837906927]


def test_429_hint_above_max_server_delay_is_not_waited(api, server, sleeps, gm) -> None:  # 3
    server.add(gm.rate_limited("3600s"))
    with pytest.raises(GeminiRateLimitError) as info:
        api.request(server.client())
    assert sleeps == []
    assert len(server.requests) == 1
    assert info.value.retry_after == 3600.0
    assert info.value.status_code == 429
    assert info.value.status == "RESOURCE_EXHAUSTED"


def test_per_day_quota_is_terminal(api, server, sleeps, gm) -> None:  # case 4
    quota_id = "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
    server.add(gm.rate_limited("23s", quota_id=quota_id))
    with pytest.raises(GeminiRateLimitError) as info:
        api.request(server.client())
    assert len(server.requests) == 1
    assert sleeps == []
    assert info.value.is_retryable is False
    assert quota_id in info.value.message


def test_persistent_429(api, server, sleeps, gm) -> None:  # case 5
    server.add(gm.rate_limited("1s"))
    with pytest.raises(GeminiRateLimitError) as info:
        api.request(server.client(max_retries=2))
    assert len(server.requests) == 3
    assert sleeps == [1.0, 1.0]
    assert isinstance(info.value, lc.ModelRateLimitError)
    assert info.value.message == "Quota exceeded, retry later."
    assert KEY not in str(info.value)


def test_503_backoff(api, server, sleeps, gm) -> None:  # case 6
    server.add(gm.google_error(503, "UNAVAILABLE", "The model is overloaded."))
    with pytest.raises(GeminiServerError):
        api.request(server.client(max_retries=3))
    assert sleeps == [0.5, 1.0, 2.0]


def test_503_backoff_with_full_jitter(api, server, sleeps, gm, monkeypatch) -> None:  # case 6
    monkeypatch.setattr(random, "random", lambda: 1.0)
    server.add(gm.google_error(503, "UNAVAILABLE", "busy"))
    with pytest.raises(GeminiServerError):
        api.request(server.client(max_retries=3))
    assert sleeps == [0.375, 0.75, 1.5]


def test_backoff_cap(api, server, sleeps, gm) -> None:  # case 6
    server.add(gm.google_error(503, "UNAVAILABLE", "busy"))
    with pytest.raises(GeminiServerError):
        api.request(server.client(max_retries=10))
    assert sleeps == [0.5, 1.0, 2.0, 4.0] + [8.0] * 6


FROZEN = 1_700_000_000.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500", "Retry-After": "9"}, [1.5]),
        ({"Retry-After": "3"}, [3.0]),
        ({"Retry-After": email.utils.formatdate(FROZEN + 20, usegmt=True)}, [20.0]),
        ({"Retry-After": "0"}, [0.5]),
        ({"Retry-After": "-5"}, [0.5]),
        ({"Retry-After": "nan"}, [0.5]),
        ({"Retry-After": "abc"}, [0.5]),
        ({"Retry-After": "inf"}, [0.5]),  # a literal infinity is garbage, like nan
        ({"retry-after-ms": "inf"}, [0.5]),
        ({"Retry-After": "1e999"}, []),  # a numeric overflow is a hint above the cap: give up
        ({"retry-after-ms": "1e999"}, []),
    ],
)
def test_header_hints_on_503(api, server, sleeps, gm, monkeypatch, headers, expected) -> None:
    # case 7
    monkeypatch.setattr(time, "time", lambda: FROZEN)
    server.add(gm.google_error(503, "UNAVAILABLE", "busy", headers=headers), gm.json_reply({}))
    if expected:
        api.request(server.client())
    else:
        with pytest.raises(GeminiServerError) as info:
            api.request(server.client())
        assert info.value.retry_after == float("inf")
    assert sleeps == expected
    assert len(server.requests) == 1 + len(expected)


def test_status_table(api, sleeps, gm) -> None:  # case 8: every status 100-599
    retried = []
    for status in range(100, 600):
        server = gm.MockServer()
        ok = 200 <= status < 300
        server.add(gm.json_reply({}, status) if ok else gm.google_error(status, "X", "m"))
        if ok:
            api.request(server.client(max_retries=1))
        else:
            with pytest.raises(GeminiAPIError) as info:
                api.request(server.client(max_retries=1))
            assert info.value.status_code == status
        if len(server.requests) == 2:
            retried.append(status)
        assert server.open_bodies == 0
    assert retried == [408, 429, 500, 502, 503, 504]


def test_max_retries_zero(api, server, sleeps, gm) -> None:  # case 9
    server.add(gm.google_error(503, "UNAVAILABLE", "busy"))
    with pytest.raises(GeminiServerError) as info:
        api.request(server.client(max_retries=0))
    assert len(server.requests) == 1
    assert isinstance(info.value, lc.ModelAPIError)
    assert info.value.is_retryable is True


def test_per_call_max_retries(api, server, sleeps, gm) -> None:
    server.add(gm.google_error(503, "UNAVAILABLE", "busy"))
    client = server.client(max_retries=5)
    with pytest.raises(GeminiServerError):
        api.request(client, max_retries=1)
    assert len(server.requests) == 2
    with pytest.raises(ValueError, match="max_retries"):
        api.request(client, max_retries=-1)


@pytest.mark.parametrize("streaming", [False, True])
async def test_cancellation_during_backoff(server, gm, monkeypatch, streaming) -> None:
    # case 10: the backoff sleep never ends on its own; cancel the task while it sleeps.
    sleeping = asyncio.Event()

    async def endless_sleep(delay: float) -> None:
        sleeping.set()
        await asyncio.Future()

    monkeypatch.setattr(asyncio, "sleep", endless_sleep)
    server.add(gm.google_error(503, "UNAVAILABLE", "busy"))
    client = server.client()

    async def call() -> None:
        if streaming:
            async for _ in client.astream_json(gm.STREAM_PATH, gm.BODY):
                pass
        else:
            await client.arequest_json("POST", gm.GEN_PATH, body=gm.BODY)

    task = asyncio.create_task(call())
    await sleeping.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(server.requests) == 1
    assert server.open_bodies == 0
    await client.aclose()


# -- transport faults and timeouts (cases 11-15) -------------------------------------------


@pytest.mark.parametrize("exc_type", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_connect_failures_are_retried(api, server, sleeps, gm, exc_type) -> None:  # case 11
    server.add(exc_type("boom"), gm.json_reply(gm.OK_JSON))
    assert api.request(server.client()) == gm.OK_JSON
    assert len(server.requests) == 2
    assert sleeps == [0.5]


def test_read_timeout_every_attempt(api, server, sleeps) -> None:  # case 12
    cause = httpx.ReadTimeout(f"timed out reading https://h/v1beta/models?key={KEY}")
    server.add(cause)
    with pytest.raises(GeminiTimeoutError) as info:
        api.request(server.client(max_retries=2))
    assert len(server.requests) == 3
    assert isinstance(info.value, lc.ModelTimeoutError)
    assert info.value.__cause__ is cause
    assert "key=" not in str(info.value)
    assert KEY not in str(info.value)


def test_read_timeout_in_body_of_non_streaming_response_is_retried(api, server, sleeps, gm):
    server.add(gm.Reply(200, [b'{"cand', httpx.ReadTimeout("t")]), gm.json_reply(gm.OK_JSON))
    assert api.request(server.client()) == gm.OK_JSON
    assert len(server.requests) == 2
    assert server.open_bodies == 0


def test_remote_protocol_error_then_success(api, server, sleeps, gm) -> None:  # case 13
    server.add(
        httpx.RemoteProtocolError("Server disconnected without sending a response"),
        gm.json_reply(gm.OK_JSON),
    )
    assert api.request(server.client()) == gm.OK_JSON
    assert len(server.requests) == 2


def test_non_transport_exception_is_neither_wrapped_nor_retried(api, server, sleeps) -> None:
    # case 14
    server.add(ValueError("handler bug"))
    with pytest.raises(ValueError, match="handler bug"):
        api.request(server.client())
    assert len(server.requests) == 1
    assert sleeps == []


def test_unserialisable_body_fails_before_sending(api, server) -> None:  # case 14
    with pytest.raises(ValueError, match="Out of range float"):
        api.request(server.client(), body={"x": float("nan")})
    assert server.requests == []


def _timeouts(server: Any) -> list[dict[str, float]]:
    return [r.extensions["timeout"] for r in server.requests]


def test_timeout_wiring(api, server, gm) -> None:  # case 15
    server.add(gm.json_reply({}))
    client = server.client()
    api.request(client)
    api.request(client, timeout=7)
    api.request(client)
    default = {"connect": 5.0, "read": 600.0, "write": 600.0, "pool": 600.0}
    seven = dict.fromkeys(default, 7.0)
    assert _timeouts(server) == [default, seven, default]


def test_instance_timeout_and_stream_timeout(api, server, gm) -> None:  # case 15
    server.add(gm.json_reply({}), gm.sse_reply(*gm.OK_EVENTS))
    client = server.client(timeout=30)
    api.request(client)
    api.stream(client)
    assert _timeouts(server) == [dict.fromkeys(("connect", "read", "write", "pool"), 30.0)] * 2


def test_supplied_client_keeps_its_own_timeout(sync, server, gm) -> None:
    server.add(gm.json_reply({}))
    timeout = httpx.Timeout(3.0, read=40.0)
    if sync:
        http = httpx.Client(transport=server.transport, timeout=timeout)
        GeminiClient(api_key=SecretStr(KEY), http_client=http).request_json("GET", "models")
    else:

        async def run() -> None:
            async with httpx.AsyncClient(transport=server.transport, timeout=timeout) as http:
                client = GeminiClient(api_key=SecretStr(KEY), http_async_client=http)
                await client.arequest_json("GET", "models")

        asyncio.run(run())
    assert _timeouts(server) == [{"connect": 3.0, "read": 40.0, "write": 3.0, "pool": 3.0}]
