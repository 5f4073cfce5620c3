"""GeminiClient end to end through httpx.MockTransport (reliability.md section 9).

Every test that takes `api` runs twice, through the sync and the async path, with one body.
Case numbers refer to reliability.md section 9.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
import traceback
from typing import Any

import httpx
import pytest
from langchain_core import exceptions as lc
from pydantic import SecretStr

from langchain_gemini._client import DEFAULT_LIMITS, GeminiClient
from langchain_gemini.errors import (
    GeminiAPIError,
    GeminiAuthenticationError,
    GeminiBadRequestError,
    GeminiConnectionError,
    GeminiContextOverflowError,
    GeminiNotFoundError,
    GeminiPermissionDeniedError,
    GeminiRateLimitError,
    GeminiResponseValidationError,
    GeminiServerError,
    GeminiStreamError,
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


# -- error parsing through the client (cases 16-21) ----------------------------------------


def test_400_invalid_argument(api, server, sleeps, gm) -> None:  # case 16
    details = [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": []}]
    server.add(gm.google_error(400, "INVALID_ARGUMENT", "Bad field.", details))
    with pytest.raises(GeminiBadRequestError) as info:
        api.request(server.client())
    assert isinstance(info.value, lc.ModelInvalidRequestError)
    assert str(info.value) == "400 INVALID_ARGUMENT: Bad field."
    assert info.value.details == details
    assert len(server.requests) == 1


def test_context_overflow(api, server, sleeps, gm) -> None:  # case 17
    message = "The input token count (3475108) exceeds the maximum number of tokens allowed (1048576)."
    server.add(gm.google_error(400, "INVALID_ARGUMENT", message))
    with pytest.raises(GeminiContextOverflowError) as info:
        api.request(server.client())
    assert isinstance(info.value, lc.ContextOverflowError)
    assert isinstance(info.value, GeminiBadRequestError)


def test_api_key_invalid_on_400(api, server, sleeps, gm) -> None:  # case 18
    info_detail = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}
    server.add(gm.google_error(400, "INVALID_ARGUMENT", "API key not valid.", [info_detail]))
    with pytest.raises(GeminiAuthenticationError) as info:
        api.request(server.client())
    assert isinstance(info.value, lc.ModelAuthenticationError)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("status", "name", "reason", "cls"),
    [
        (403, "PERMISSION_DENIED", None, GeminiPermissionDeniedError),
        (403, "PERMISSION_DENIED", "API_KEY_SERVICE_BLOCKED", GeminiPermissionDeniedError),
        (404, "NOT_FOUND", None, GeminiNotFoundError),
    ],
)
def test_403_and_404(api, server, sleeps, gm, status, name, reason, cls) -> None:  # case 19
    details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}]
    message = "Method doesn't allow unregistered callers"
    server.add(gm.google_error(status, name, message, details if reason else None))
    with pytest.raises(cls):
        api.request(server.client())
    assert len(server.requests) == 1


def test_list_wrapped_error_body(api, server, sleeps, gm) -> None:  # case 20
    error = {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}
    server.add(gm.json_reply([{"error": error}], 400))
    with pytest.raises(GeminiBadRequestError, match=r"^400 INVALID_ARGUMENT: bad$"):
        api.request(server.client())


def test_html_502_is_retried_and_summarised(api, server, sleeps, gm) -> None:  # case 20
    html = b"<html><body>502 Bad Gateway</body></html>"
    server.add(gm.Reply(502, [html], {"content-type": "text/html"}))
    with pytest.raises(GeminiServerError) as info:
        api.request(server.client(max_retries=1))
    assert len(server.requests) == 2
    assert str(info.value) == "502 Bad Gateway"
    assert info.value.body == html.decode()


@pytest.mark.parametrize(
    ("content", "cls"),
    [(b"", GeminiServerError), (b'{"message": "just a message"}', GeminiServerError)],
)
def test_empty_and_message_only_bodies(api, server, sleeps, gm, content, cls) -> None:
    server.add(gm.Reply(500, [content]))
    with pytest.raises(cls) as info:
        api.request(server.client(max_retries=0))
    assert info.value.status_code == 500


def test_2xx_malformed_json(api, server, sleeps, gm) -> None:  # case 21
    server.add(gm.Reply(200, [b'{"candidates": [ SECRET-BODY']))
    with pytest.raises(GeminiResponseValidationError) as info:
        api.request(server.client())
    assert len(server.requests) == 1
    assert "SECRET-BODY" not in str(info.value)
    assert "SECRET-BODY" in info.value.body


def test_2xx_non_object_and_empty(api, server, gm) -> None:
    server.add(gm.json_reply([1, 2]), gm.Reply(200, [b""]))
    with pytest.raises(GeminiResponseValidationError):
        api.request(server.client())
    assert api.request(server.client(), method="DELETE", path="files/x") == {}


# -- streaming (cases 23-30) ---------------------------------------------------------------


def test_stream_ok(api, server, gm) -> None:
    server.add(gm.sse_reply(*gm.OK_EVENTS))
    result = api.stream(server.client())
    assert result.error is None
    assert result.events == gm.OK_EVENTS
    request = server.requests[0]
    assert request.url.params["alt"] == "sse"
    assert request.url.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert server.open_bodies == 0


def test_stream_429_on_open_then_200(api, server, sleeps, gm) -> None:  # case 23
    server.add(gm.rate_limited("1s"), gm.sse_reply(*gm.OK_EVENTS))
    result = api.stream(server.client())
    assert result.error is None
    assert result.events == gm.OK_EVENTS
    assert len(server.requests) == 2
    assert sleeps == [1.0]
    assert server.open_bodies == 0


def test_stream_error_body_is_read_before_parsing(api, server, sleeps, gm) -> None:  # case 23
    body = b'{"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}'
    server.add(gm.Reply(400, [body[:20], body[20:]]))  # arrives in pieces
    result = api.stream(server.client())
    assert isinstance(result.error, GeminiBadRequestError)
    assert str(result.error) == "400 INVALID_ARGUMENT: bad"
    assert server.open_bodies == 0


def test_stream_data_error_after_good_chunk(api, server, sleeps, gm) -> None:  # case 24
    error = {"error": {"code": 500, "status": "INTERNAL", "message": "boom"}}
    server.add(gm.sse_reply(gm.OK_EVENTS[0], error))
    result = api.stream(server.client())
    assert result.events == gm.OK_EVENTS[:1]
    assert isinstance(result.error, GeminiServerError)
    assert result.error.status_code == 500
    assert len(server.requests) == 1
    assert sleeps == []
    assert server.open_bodies == 0


def test_stream_error_in_same_chunk_as_good_event(api, server, gm) -> None:  # case 24
    error = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "q"}}
    server.add(gm.sse_reply(gm.sse_body([gm.OK_EVENTS[0], error])))
    result = api.stream(server.client())
    assert result.events == gm.OK_EVENTS[:1]
    assert isinstance(result.error, GeminiRateLimitError)


def test_stream_raw_json_error_block(api, server, gm) -> None:  # case 25
    raw = (
        b'{\n  "error": {\n    "code": 503,\n    "message": "The model is overloaded.",\n'
        b'    "status": "UNAVAILABLE"\n  }\n}\n'
    )
    server.add(gm.sse_reply(gm.OK_EVENTS[0], raw))
    result = api.stream(server.client())
    assert result.events == gm.OK_EVENTS[:1]
    assert isinstance(result.error, GeminiServerError)
    assert result.error.status_code == 503
    assert server.open_bodies == 0


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ReadTimeout("timed out"), GeminiTimeoutError),
        (httpx.RemoteProtocolError("peer closed connection"), GeminiConnectionError),
    ],
)
def test_stream_transport_error_after_first_event(api, server, sleeps, gm, exc, cls) -> None:
    # case 26
    server.add(gm.sse_reply(gm.OK_EVENTS[0], exc))
    result = api.stream(server.client())
    assert type(result.error) is cls
    assert result.error.__cause__ is exc
    assert result.events == gm.OK_EVENTS[:1]
    assert len(server.requests) == 1
    assert sleeps == []
    assert server.open_bodies == 0


def test_stream_clean_eof_without_finish_reason(api, server, gm) -> None:  # case 27
    server.add(gm.sse_reply(gm.text_event("a"), gm.text_event("b")))
    result = api.stream(server.client())
    assert [e["candidates"][0]["content"]["parts"][0]["text"] for e in result.events] == ["a", "b"]
    assert isinstance(result.error, GeminiStreamError)
    assert str(result.error) == "stream ended before completion (no finishReason)"
    assert server.open_bodies == 0


def test_stream_blocked_prompt_is_complete(api, server, gm) -> None:
    server.add(gm.sse_reply({"promptFeedback": {"blockReason": "SAFETY"}}))
    result = api.stream(server.client())
    assert result.error is None


def test_stream_invalid_event(api, server, gm) -> None:
    server.add(gm.sse_reply(b"data: [DONE]\n\n"))
    result = api.stream(server.client())
    assert isinstance(result.error, GeminiResponseValidationError)
    assert str(result.error) == "stream event is not a JSON object"
    assert result.error.body == "[DONE]"


def test_stream_framing_at_every_byte_boundary(api, server, gm) -> None:  # case 28
    events = [gm.text_event("ü\u2028日😀"), gm.text_event("x", finish="STOP")]
    raw = "".join(f"data: {json.dumps(e, ensure_ascii=False)}\r\n\r\n" for e in events)
    body = raw.encode()
    server.add(lambda request: gm.Reply(200, _chunks_for(len(server.requests), body)))
    client = server.client()
    for _ in range(len(body) + 1):
        assert api.stream(client).events == events
    assert server.open_bodies == 0


def _chunks_for(n: int, body: bytes) -> list[bytes]:
    cut = n - 1  # the n-th request splits the body at byte n-1
    return [body[:cut], body[cut:]]


def test_stream_usage_events_pass_through_unchanged(api, server, gm) -> None:  # case 29
    events = [
        {**gm.text_event("a"), "usageMetadata": {"promptTokenCount": 5, "totalTokenCount": 6}},
        {
            **gm.text_event("b", finish="STOP"),
            "usageMetadata": {"promptTokenCount": 5, "totalTokenCount": 9},
        },
    ]
    server.add(gm.sse_reply(*events))
    assert api.stream(server.client()).events == events


def test_stream_early_exit_closes_response(api, server, gm) -> None:  # case 30
    server.add(gm.sse_reply(gm.OK_EVENTS[0], gm.OK_EVENTS[1]))
    result = api.stream(server.client(), stop_after=1)
    assert result.events == gm.OK_EVENTS[:1]
    assert server.opened == 1
    assert server.open_bodies == 0


def test_stream_is_lazy(server, gm) -> None:
    server.add(gm.sse_reply(*gm.OK_EVENTS))
    iterator = server.client().stream_json(gm.STREAM_PATH, gm.BODY)
    assert server.requests == []
    assert next(iterator) == gm.OK_EVENTS[0]
    iterator.close()
    assert server.open_bodies == 0


def test_no_open_bodies_after_failures(api, server, sleeps, gm) -> None:  # case 30
    server.add(
        gm.google_error(503, "UNAVAILABLE", "busy"),
        httpx.ConnectError("refused"),
        gm.Reply(200, [b"data: {}\n\n", httpx.ReadError("reset")]),
    )
    client = server.client(max_retries=2)
    result = api.stream(client)
    assert isinstance(result.error, GeminiConnectionError)
    assert len(server.requests) == 3
    assert server.opened == 2
    assert server.open_bodies == 0


# -- secrets (cases 31-34, 36) -------------------------------------------------------------


def test_key_only_in_header(api, server, gm) -> None:  # case 31
    server.add(gm.json_reply({}), gm.sse_reply(*gm.OK_EVENTS))
    client = server.client(user_agent="ua/1")
    api.request(client, method="GET", path="models", params={"pageSize": "5"})
    api.stream(client)
    for request in server.requests:
        assert request.headers["x-goog-api-key"] == KEY
        assert request.headers["user-agent"] == "ua/1"
        assert request.headers["content-type"] == "application/json"
        assert "key=" not in str(request.url)
        assert KEY not in str(request.url)
    assert str(server.requests[0].url).endswith("/v1beta/models?pageSize=5")


def test_key_not_in_client_default_headers(api, server, gm) -> None:
    server.add(gm.json_reply({}))
    client = server.client()
    api.request(client)
    http = client._client if api.sync else None
    if http is not None:
        assert "x-goog-api-key" not in http.headers
    for http_async in client._async_clients.values():
        assert "x-goog-api-key" not in http_async.headers


@pytest.mark.parametrize("url", ["https://x/?key=abc", "https://x/?alt=sse&KEY=abc", "https://x/v1?key="])
def test_base_url_with_key_is_rejected(url) -> None:  # case 31
    with pytest.raises(ValueError, match="key") as info:
        GeminiClient(api_key=SecretStr(KEY), base_url=url)
    assert "abc" not in str(info.value)


@pytest.mark.parametrize("key", ["", "   ", "\n"])
def test_empty_key_is_rejected(key) -> None:  # case 36 (the part that is ours)
    with pytest.raises(ValueError, match="api_key is empty"):
        GeminiClient(api_key=SecretStr(key))


@pytest.mark.parametrize("key", [f"{KEY}\t1", f"{KEY[:8]} {KEY[8:]}", f"{KEY}\x00", f"{KEY}\n2"])
def test_malformed_key_is_rejected_without_echo(key) -> None:
    with pytest.raises(ValueError, match="whitespace or control") as info:
        GeminiClient(api_key=SecretStr(key))
    assert KEY[4:] not in str(info.value)


def test_surrounding_whitespace_is_stripped(api, server, gm) -> None:  # case 36
    server.add(gm.json_reply({}))
    api.request(server.client(api_key=SecretStr(f"  {KEY}\n")))
    assert server.requests[0].headers["x-goog-api-key"] == KEY


def test_repr_hides_key(server) -> None:  # case 32
    client = server.client()
    assert KEY not in repr(client)
    assert KEY not in str(client)
    assert KEY not in repr(vars(client))
    assert repr(client) == ("GeminiClient(base_url='https://generativelanguage.googleapis.com', max_retries=2)")


def test_echoed_debug_info_is_redacted(api, server, gm) -> None:  # case 33
    details = [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"},
        {"@type": "type.googleapis.com/google.rpc.DebugInfo", "detail": f"Invalid API key: {KEY}"},
    ]
    server.add(gm.google_error(400, "INVALID_ARGUMENT", "API key not valid.", details))
    with pytest.raises(GeminiAuthenticationError) as info:
        api.request(server.client())
    error = info.value
    for text in (str(error), repr(error), repr(error.args), error.message,
                 json.dumps(error.details), json.dumps(error.body)):  # fmt: skip
        assert KEY not in text
    assert "Invalid API key: ***" in json.dumps(error.body)


def _assert_safe_logs(records: list[logging.LogRecord]) -> None:
    for record in records:
        assert KEY not in record.getMessage()
        assert KEY not in repr(record.args)
        if record.exc_info:
            assert KEY not in "".join(traceback.format_exception(*record.exc_info))


def test_logs_never_contain_the_key(api, server, sleeps, gm, caplog) -> None:  # case 34
    for name in (None, "langchain_gemini", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    debug = {"@type": "type.googleapis.com/google.rpc.DebugInfo", "detail": KEY}
    server.add(
        gm.json_reply(gm.OK_JSON),
        gm.rate_limited("1s"),
        gm.rate_limited("1s"),
        # httpx never sees the key (it is not in the URL), so the chained cause cannot hold it.
        httpx.ConnectError("[Errno 111] Connection refused"),
        gm.sse_reply(gm.OK_EVENTS[0], {"error": {"code": 500, "message": KEY, "details": [debug]}}),
    )
    client = server.client(max_retries=1)
    api.request(client)
    with pytest.raises(GeminiRateLimitError) as rate:
        api.request(client)
    logging.getLogger("langchain_gemini").error("failed", exc_info=rate.value)
    with pytest.raises(GeminiConnectionError) as conn:
        api.request(client, max_retries=0)
    logging.getLogger("langchain_gemini").error("failed", exc_info=conn.value)
    result = api.stream(client)
    assert isinstance(result.error, GeminiServerError)
    logging.getLogger("langchain_gemini").error("failed", exc_info=result.error)
    assert len(caplog.records) >= 5  # retries were logged, and so were the failures
    _assert_safe_logs(caplog.records)


def test_retry_log_line(api, server, sleeps, gm, caplog) -> None:
    caplog.set_level(logging.INFO, logger="langchain_gemini")
    server.add(gm.rate_limited("2s"), httpx.ConnectError("x"), gm.json_reply({}))
    api.request(server.client(), params={"q": "secret-query"})
    lines = [r.getMessage() for r in caplog.records if r.name == "langchain_gemini"]
    assert lines == [
        "POST /v1beta/models/gemini-2.5-flash:generateContent -> 429; retrying in 2.00s (attempt 1/3)",
        "POST /v1beta/models/gemini-2.5-flash:generateContent -> ConnectError; retrying in 1.00s (attempt 2/3)",
    ]
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == "langchain_gemini")


# -- concurrency and client hygiene (cases 37-38) ------------------------------------------


def test_two_asyncio_runs_on_one_client(server, gm) -> None:
    server.add(gm.json_reply(gm.OK_JSON))
    client = server.client()
    for _ in range(2):
        assert asyncio.run(client.arequest_json("POST", gm.GEN_PATH, body=gm.BODY)) == gm.OK_JSON
    assert len(server.requests) == 2


def test_two_asyncio_runs_on_one_client_real_transport() -> None:
    # Without a mock transport each loop needs its own pooled AsyncClient.
    client = GeminiClient(api_key=SecretStr(KEY))

    async def grab() -> httpx.AsyncClient:
        return client._async_client()

    first, second = asyncio.run(grab()), asyncio.run(grab())
    assert first is not second


async def test_one_async_client_per_loop_is_reused(server, gm) -> None:
    server.add(gm.json_reply({}))
    client = server.client()
    await client.arequest_json("GET", "models")
    await client.arequest_json("GET", "models")
    assert len(client._async_clients) == 1
    (http,) = client._async_clients.values()
    await client.aclose()
    assert http.is_closed
    assert len(client._async_clients) == 0


async def test_fifty_concurrent_requests_every_third_fails(server, sleeps, gm) -> None:  # 38
    counter = {"requests": 0, "failed": 0}

    def reply(request: httpx.Request) -> Any:
        counter["requests"] += 1
        if counter["requests"] % 3 == 0:
            counter["failed"] += 1
            return gm.google_error(503, "UNAVAILABLE", "busy")
        return gm.json_reply(gm.OK_JSON)

    server.add(reply)
    # A retry can land on another multiple of three, so allow enough retries for all to succeed.
    client = server.client(max_retries=6)
    calls = (client.arequest_json("POST", gm.GEN_PATH, body=gm.BODY) for _ in range(50))
    results = await asyncio.gather(*calls)
    assert results == [gm.OK_JSON] * 50
    assert counter["failed"] >= 16
    assert len(server.requests) == 50 + counter["failed"]
    assert len(sleeps) == counter["failed"]
    assert server.open_bodies == 0
    assert len(client._async_clients) == 1
    await client.aclose()


def test_sync_client_is_created_once_and_closed(server, gm) -> None:
    server.add(gm.json_reply({}))
    client = server.client()
    assert client._client is None  # lazy
    client.request_json("GET", "models")
    http = client._client
    client.request_json("GET", "models")
    assert client._client is http
    assert http is not None
    client.close()
    assert http.is_closed
    client.request_json("GET", "models")  # a closed client is replaced on next use
    assert client._client is not None
    assert not client._client.is_closed
    client.close()


def test_supplied_clients_are_used_and_never_closed(server, gm) -> None:
    server.add(gm.json_reply({}))
    http = httpx.Client(transport=server.transport)
    client = GeminiClient(api_key=SecretStr(KEY), http_client=http)
    client.request_json("GET", "models")
    client.close()
    assert not http.is_closed
    assert client._client is None

    async def run() -> None:
        async with httpx.AsyncClient(transport=server.transport) as ahttp:
            aclient = GeminiClient(api_key=SecretStr(KEY), http_async_client=ahttp)
            await aclient.arequest_json("GET", "models")
            await aclient.aclose()
            assert not ahttp.is_closed
            assert len(aclient._async_clients) == 0

    asyncio.run(run())
    assert len(server.requests) == 2
    http.close()


def test_pool_limits() -> None:
    # Equal limits: httpcore evicts keep-alive connections above max_keepalive (httpcore#1035).
    assert DEFAULT_LIMITS.max_connections == DEFAULT_LIMITS.max_keepalive_connections == 64
    client = GeminiClient(api_key=SecretStr(KEY))
    http = client._sync_client()
    pool = http._transport._pool  # type: ignore[attr-defined]
    assert pool._max_connections == 64
    assert pool._max_keepalive_connections == 64
    client.close()


def test_paths(api, server, gm) -> None:
    server.add(gm.json_reply({}))
    client = server.client(base_url="http://emu:8080/", api_version="v1")
    api.request(client, method="GET", path="models/x")
    api.request(client, method="POST", path="/upload/v1beta/files", body={"file": {}})
    urls = [str(r.url) for r in server.requests]
    assert urls == ["http://emu:8080/v1/models/x", "http://emu:8080/upload/v1beta/files"]
    assert server.requests[1].content == b'{"file":{}}'


def test_request_body_is_compact_utf8_json(api, server, gm) -> None:
    server.add(gm.json_reply({}))
    api.request(server.client(), body={"t": "ü日"})
    assert server.requests[0].content == '{"t":"ü日"}'.encode()
