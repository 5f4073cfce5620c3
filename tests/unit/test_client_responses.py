"""GeminiClient error parsing and streaming through httpx.MockTransport (the reliability cases 16-30).

Every test that takes `api` runs twice, through the sync and the async path, with one body.
"""

from __future__ import annotations

import json

import httpx
import pytest
from langchain_core import exceptions as lc

from langchain_gemini.errors import (
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
