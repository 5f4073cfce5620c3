"""Reliability cases through the public API: `ChatGemini.invoke/ainvoke/stream/astream` (the reliability cases).

The model gets `http_client`/`http_async_client` built on conftest's `MockServer` transport, so every request goes
through LangChain's entry points, our chat model and the transport. Sleeps are recorded, not slept (`sleeps`).
Each case runs through every entry point it concerns with one test body; case numbers refer to section 9.
"""

from __future__ import annotations

import copy
import json
import logging
import traceback
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core import exceptions as lc
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd
from pydantic import BaseModel

from langchain_gemini import (
    ChatGemini,
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
from tests.unit.chat_driver import HELLO, KEY, Call, Chat

ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
DEBUG_INFO = "type.googleapis.com/google.rpc.DebugInfo"


@pytest.fixture(autouse=True)
def _no_key_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


# -- drivers (tests/unit/chat_driver.py): `chat` is sync or async, `call` each of the four entry points ---


@pytest.fixture
def chat(sync: bool, server: Any, gm: Any) -> Iterator[Chat]:
    driver = Chat(sync, server, gm)
    yield driver
    driver.close()


@pytest.fixture(params=["invoke", "ainvoke", "stream", "astream"])
def call(request: pytest.FixtureRequest, server: Any, gm: Any) -> Iterator[Call]:
    driver = Call(request.param, server, gm)
    yield driver
    driver.close()


# -- retry and backoff (cases 1, 3, 4, 5, 8) -----------------------------------------------


def test_429_retry_delay_then_success(call, server, sleeps, gm) -> None:  # case 1
    server.add(gm.rate_limited("2s"), call.ok)
    assert call(call.model()) == "Hello"
    assert sleeps == [2.0]
    assert len(server.requests) == 2
    assert server.open_bodies == 0


def test_429_hint_above_max_server_delay_is_not_waited(call, server, sleeps, gm) -> None:  # case 3
    server.add(gm.rate_limited("3600s"))
    with pytest.raises(GeminiRateLimitError) as info:
        call(call.model())
    assert (sleeps, len(server.requests)) == ([], 1)
    assert (info.value.retry_after, info.value.status_code, info.value.status) == (3600.0, 429, "RESOURCE_EXHAUSTED")


def test_per_day_quota_is_terminal(call, server, sleeps, gm) -> None:  # case 4
    quota_id = "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
    server.add(gm.rate_limited("23s", quota_id=quota_id))
    with pytest.raises(GeminiRateLimitError) as info:
        call(call.model())
    assert (sleeps, len(server.requests)) == ([], 1)
    assert info.value.is_retryable is False
    assert quota_id in info.value.message


def test_persistent_429(call, server, sleeps, gm) -> None:  # case 5
    server.add(gm.rate_limited("1s"))
    with pytest.raises(GeminiRateLimitError) as info:
        call(call.model(max_retries=2))
    assert len(server.requests) == 3
    assert sleeps == [1.0, 1.0]
    assert isinstance(info.value, lc.ModelRateLimitError)
    assert info.value.message == "Quota exceeded, retry later."
    assert KEY not in str(info.value)
    assert server.open_bodies == 0


@pytest.mark.parametrize(
    ("status", "retried"),
    [(408, True), (500, True), (502, True), (504, True)] + [(s, False) for s in (400, 401, 403, 404, 409, 499)],
)
def test_statuses(call, server, sleeps, gm, status, retried) -> None:  # case 8
    server.add(gm.google_error(status, "X", "m"))
    with pytest.raises(GeminiAPIError) as info:
        call(call.model(max_retries=1))
    assert info.value.status_code == status
    assert len(server.requests) == (2 if retried else 1)
    assert sleeps == ([0.5] if retried else [])


# -- transport faults (cases 11, 12) -------------------------------------------------------


@pytest.mark.parametrize("exc_type", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_connect_failures_are_retried(call, server, sleeps, gm, exc_type) -> None:  # case 11
    server.add(exc_type("boom"), call.ok)
    assert call(call.model()) == "Hello"
    assert len(server.requests) == 2
    assert sleeps == [0.5]


def test_read_timeout_every_attempt(call, server, sleeps) -> None:  # case 12
    cause = httpx.ReadTimeout(f"timed out reading https://h/v1beta/models?key={KEY}")
    server.add(cause)
    with pytest.raises(GeminiTimeoutError) as info:
        call(call.model(max_retries=2))
    assert len(server.requests) == 3
    assert isinstance(info.value, lc.ModelTimeoutError)
    assert info.value.__cause__ is cause
    assert "key=" not in str(info.value)
    assert KEY not in str(info.value)


# -- error parsing and classification (cases 16-21) ----------------------------------------


def test_400_invalid_argument(call, server, sleeps, gm) -> None:  # case 16
    details = [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [{"field": "x"}]}]
    server.add(gm.google_error(400, "INVALID_ARGUMENT", "Bad field.", details))
    with pytest.raises(GeminiBadRequestError) as info:
        call(call.model())
    assert isinstance(info.value, lc.ModelInvalidRequestError)
    assert str(info.value) == "400 INVALID_ARGUMENT: Bad field."
    assert info.value.details == details
    assert len(server.requests) == 1


def test_context_overflow(call, server, sleeps, gm) -> None:  # case 17
    message = "The input token count (3475108) exceeds the maximum number of tokens allowed (1048576)."
    server.add(gm.google_error(400, "INVALID_ARGUMENT", message))
    with pytest.raises(GeminiContextOverflowError) as info:
        call(call.model())
    assert isinstance(info.value, lc.ContextOverflowError)
    assert isinstance(info.value, GeminiBadRequestError)


def test_api_key_invalid_on_400(call, server, sleeps, gm) -> None:  # case 18
    server.add(gm.google_error(400, "INVALID_ARGUMENT", "API key not valid.", [_reason("API_KEY_INVALID")]))
    with pytest.raises(GeminiAuthenticationError) as info:
        call(call.model())
    assert isinstance(info.value, lc.ModelAuthenticationError)
    assert (len(server.requests), sleeps) == (1, [])


def _reason(reason: str) -> dict[str, str]:
    return {"@type": ERROR_INFO, "reason": reason}


@pytest.mark.parametrize(
    ("reply", "cls"),
    [
        ((403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers", None), GeminiPermissionDeniedError),
        ((403, "PERMISSION_DENIED", "blocked", [_reason("API_KEY_SERVICE_BLOCKED")]), GeminiPermissionDeniedError),
        ((404, "NOT_FOUND", "models/x is not found for API version v1beta", None), GeminiNotFoundError),
    ],
)
def test_403_and_404(call, server, sleeps, gm, reply, cls) -> None:  # case 19
    server.add(gm.google_error(*reply))
    with pytest.raises(cls):
        call(call.model())
    assert len(server.requests) == 1


def test_list_wrapped_error_body(call, server, sleeps, gm) -> None:  # case 20
    server.add(gm.json_reply([{"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}], 400))
    with pytest.raises(GeminiBadRequestError, match=r"^400 INVALID_ARGUMENT: bad$"):
        call(call.model())


def test_html_502_is_retried_and_summarised(call, server, sleeps, gm) -> None:  # case 20
    html = b"<html><body>502 Bad Gateway</body></html>"
    server.add(gm.Reply(502, [html], {"content-type": "text/html"}))
    with pytest.raises(GeminiServerError) as info:
        call(call.model(max_retries=1))
    assert len(server.requests) == 2
    assert str(info.value) == "502 Bad Gateway"
    assert info.value.body == html.decode()


@pytest.mark.parametrize(
    ("status", "content", "cls"),
    [
        (500, b"", GeminiServerError),
        (500, b'{"message": "just a message"}', GeminiServerError),
        (404, b"", GeminiNotFoundError),
        (429, b'{"message": "slow down"}', GeminiRateLimitError),
    ],
)
def test_empty_and_message_only_bodies(call, server, sleeps, gm, status, content, cls) -> None:  # case 20
    server.add(gm.Reply(status, [content]))
    with pytest.raises(cls) as info:
        call(call.model(max_retries=0))
    assert info.value.status_code == status


def test_2xx_malformed_json(call, server, sleeps, gm) -> None:  # case 21
    server.add(gm.Reply(200, [b'{"candidates": [ SECRET-BODY']))
    with pytest.raises(GeminiResponseValidationError) as info:
        call(call.model())
    assert len(server.requests) == 1
    assert "SECRET-BODY" not in str(info.value)
    assert "SECRET-BODY" in info.value.body
    assert server.open_bodies == 0


# -- streaming (cases 23-27, 29, 30) -------------------------------------------------------


def test_stream_429_on_open_then_200(chat, server, sleeps, gm) -> None:  # case 23
    server.add(gm.rate_limited("1s"), gm.sse_reply(*gm.OK_EVENTS))
    result = chat.stream(chat.model())
    assert (result.error, result.text) == (None, "Hello")
    assert (len(server.requests), sleeps) == (2, [1.0])
    assert result.open_after == 0


def test_stream_data_error_after_good_chunk(chat, server, sleeps, gm) -> None:  # case 24
    server.add(gm.sse_reply(gm.OK_EVENTS[0], {"error": {"code": 500, "status": "INTERNAL", "message": "boom"}}))
    result = chat.stream(chat.model())
    assert [c.text for c in result.chunks] == ["Hel"]
    assert isinstance(result.error, GeminiServerError)
    assert result.error.status_code == 500
    assert (len(server.requests), sleeps) == (1, [])
    assert result.open_after == 0


def test_stream_raw_json_error_block(chat, server, gm) -> None:  # case 25
    raw = (
        b'{\n  "error": {\n    "code": 503,\n    "message": "The model is overloaded.",\n'
        b'    "status": "UNAVAILABLE"\n  }\n}\n'
    )
    server.add(gm.sse_reply(gm.OK_EVENTS[0], raw))
    result = chat.stream(chat.model())
    assert result.text == "Hel"
    assert isinstance(result.error, GeminiServerError)
    assert result.error.status_code == 503
    assert result.open_after == 0


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ReadTimeout("timed out"), GeminiTimeoutError),
        (httpx.RemoteProtocolError("peer closed connection"), GeminiConnectionError),
    ],
)
def test_stream_transport_error_after_first_event(chat, server, sleeps, gm, exc, cls) -> None:  # case 26
    server.add(gm.sse_reply(gm.OK_EVENTS[0], exc))
    result = chat.stream(chat.model())
    assert type(result.error) is cls
    assert result.error.__cause__ is exc
    assert [c.text for c in result.chunks] == ["Hel"]
    assert (len(server.requests), sleeps) == (1, [])
    assert result.open_after == 0


def test_stream_clean_eof_without_finish_reason(chat, server, gm) -> None:  # case 27
    server.add(gm.sse_reply(gm.text_event("a"), gm.text_event("b")))
    result = chat.stream(chat.model())
    assert result.text == "ab"
    assert isinstance(result.error, GeminiStreamError)
    assert str(result.error) == "stream ended before completion (no finishReason)"
    assert result.open_after == 0


def test_stream_usage_is_the_last_events_counts(chat, server, gm) -> None:  # case 29
    events = []
    for n, text in enumerate(["a", "b", "c"], start=1):  # Gemini reports cumulative usage in every event
        event = gm.text_event(text, finish="STOP" if n == 3 else None)
        event["usageMetadata"] = {"promptTokenCount": 5, "candidatesTokenCount": 2 * n, "totalTokenCount": 5 + 2 * n}
        events.append(event)
    server.add(gm.sse_reply(*events))
    result = chat.stream(chat.model())
    assert result.error is None
    total = result.chunks[0]
    for chunk in result.chunks[1:]:
        total += chunk  # LangChain adds chunk usages together
    assert total.text == "abc"
    assert total.usage_metadata == {
        "input_tokens": 5,
        "output_tokens": 6,
        "total_tokens": 11,
        "input_token_details": {"cache_read": 0},
        "output_token_details": {"reasoning": 0},
    }


def test_stream_early_exit_closes_response(chat, server, gm) -> None:  # case 30
    server.add(gm.sse_reply(*gm.OK_EVENTS))
    result = chat.stream(chat.model(), stop_after=1)
    assert [c.text for c in result.chunks] == ["Hel"]
    assert server.opened == 1
    assert result.open_after == 0  # closed while the caller's loop still runs, not at its shutdown


def test_no_open_bodies_after_failing_and_retried_streams(chat, server, sleeps, gm) -> None:  # case 30
    server.add(
        gm.google_error(503, "UNAVAILABLE", "busy"),
        httpx.ConnectError("refused"),
        gm.Reply(200, [gm.sse_body([gm.OK_EVENTS[0]]), httpx.ReadError("reset")]),
    )
    result = chat.stream(chat.model(max_retries=2))
    assert isinstance(result.error, GeminiConnectionError)
    assert (len(server.requests), server.opened, result.open_after) == (3, 2, 0)


# -- secrets and security (cases 31-36) ----------------------------------------------------


def test_key_only_in_header(chat, server, gm) -> None:  # case 31
    server.add(chat.ok)
    model = chat.model()
    chat.invoke(model)
    assert chat.stream(model).error is None
    assert len(server.requests) == 2
    for request in server.requests:
        assert request.headers["x-goog-api-key"] == KEY
        assert "key=" not in str(request.url)
        assert KEY not in str(request.url)


@pytest.mark.parametrize("url", ["https://x/?key=abc", "https://x/v1beta?alt=sse&KEY=abc"])
def test_base_url_with_key_is_rejected(url) -> None:  # case 31
    with pytest.raises(ValueError, match="key") as info:
        ChatGemini(model="gemini-2.5-flash", api_key=KEY, base_url=url)
    assert "abc" not in str(info.value)


def test_key_absent_from_model_objects(chat, server) -> None:  # case 32
    server.add(chat.ok)
    model = chat.model(temperature=0.2)
    chat.invoke(model)  # the transport client exists now, and is part of what must not show the key
    clone = copy.deepcopy(model)
    serialized = json.dumps(dumpd(model))
    for text in (repr(model), str(model), repr(model.model_dump()), model.model_dump_json(), serialized,
                 repr(model._client), repr(clone), repr(clone.model_dump())):  # fmt: skip
        assert KEY not in text
    assert '"google_api_key": {"lc": 1, "type": "secret", "id": ["GOOGLE_API_KEY"]}' in serialized


def test_echoed_debug_info_is_redacted(call, server, gm) -> None:  # case 33
    details = [_reason("API_KEY_INVALID"), {"@type": DEBUG_INFO, "detail": f"Invalid API key: {KEY}"}]
    server.add(gm.google_error(400, "INVALID_ARGUMENT", "API key not valid.", details))
    with pytest.raises(GeminiAuthenticationError) as info:
        call(call.model())
    error = info.value
    for text in (str(error), repr(error), repr(error.args), error.message, json.dumps(error.details),
                 json.dumps(error.body)):  # fmt: skip
        assert KEY not in text
    assert "Invalid API key: ***" in json.dumps(error.body)


def test_logs_never_contain_the_key(chat, server, sleeps, gm, caplog) -> None:  # case 34
    for name in (None, "langchain_gemini", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    debug = {"@type": DEBUG_INFO, "detail": KEY}
    server.add(
        gm.json_reply(HELLO),
        gm.rate_limited("1s"),
        gm.rate_limited("1s"),
        httpx.ConnectError("[Errno 111] Connection refused"),
        gm.sse_reply(gm.OK_EVENTS[0], {"error": {"code": 500, "message": KEY, "details": [debug]}}),
    )
    model = chat.model(max_retries=1)
    log = logging.getLogger("langchain_gemini")
    assert chat.invoke(model).text == "Hello"
    with pytest.raises(GeminiRateLimitError) as rate:
        chat.invoke(model)  # retried once, then raised
    log.error("call failed", exc_info=rate.value)  # what a user's own handler would log
    with pytest.raises(GeminiConnectionError) as conn:
        chat.invoke(model, max_retries=0)
    log.error("call failed", exc_info=conn.value)
    result = chat.stream(model)
    assert isinstance(result.error, GeminiServerError)
    log.error("stream failed", exc_info=result.error)
    assert any("retrying in 1.00s" in r.getMessage() for r in caplog.records)
    assert len(caplog.records) >= 4
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert KEY not in repr(record.args)
        if record.exc_info:
            assert KEY not in "".join(traceback.format_exception(*record.exc_info))


class Recorder(BaseCallbackHandler):
    """Keeps every payload LangChain hands a tracer."""

    def __init__(self) -> None:
        self.payloads: list[tuple[str, Any]] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.payloads.append(("on_chat_model_start", {"serialized": serialized, "messages": messages, **kwargs}))

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.payloads.append(("on_llm_error", {"error": error, **kwargs}))

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.payloads.append(("on_llm_end", {"response": response, **kwargs}))

    def on_retry(self, retry_state: Any, **kwargs: Any) -> None:  # our retries are internal: never called
        self.payloads.append(("on_retry", {"retry_state": retry_state, **kwargs}))


def _as_json(value: Any) -> Any:
    if isinstance(value, BaseException):
        return {"repr": repr(value), "vars": vars(value), "traceback": traceback.format_exception(value)}
    if isinstance(value, BaseModel):
        return value.model_dump()
    return repr(value)


def test_callback_payloads_never_contain_the_key(call, server, sleeps, gm) -> None:  # case 35
    details = [_reason("API_KEY_INVALID"), {"@type": DEBUG_INFO, "detail": f"Invalid API key: {KEY}"}]
    server.add(gm.rate_limited("1s"), gm.google_error(400, "INVALID_ARGUMENT", "API key not valid.", details), call.ok)
    model = call.model(temperature=0.3)
    recorder = Recorder()
    with pytest.raises(GeminiAuthenticationError):
        call(model, config={"callbacks": [recorder]})
    assert call(model, config={"callbacks": [recorder]}) == "Hello"
    kinds = [kind for kind, _ in recorder.payloads]
    assert kinds == ["on_chat_model_start", "on_llm_error", "on_chat_model_start", "on_llm_end"]
    start = recorder.payloads[0][1]
    assert start["invocation_params"]["temperature"] == 0.3  # the serialized invocation params are here
    assert start["serialized"]["kwargs"]["google_api_key"] == {"lc": 1, "type": "secret", "id": ["GOOGLE_API_KEY"]}
    for kind, payload in recorder.payloads:
        assert KEY not in json.dumps(payload, default=_as_json), kind
        assert KEY not in repr(payload), kind


@pytest.mark.parametrize(
    "env",
    [
        {"GOOGLE_API_KEY": KEY, "GEMINI_API_KEY": "AIzaOTHER"},  # GOOGLE_API_KEY first, as Google's SDK reads them
        {"GEMINI_API_KEY": KEY},
        {"GOOGLE_API_KEY": "", "GEMINI_API_KEY": f"  {KEY}\n"},  # empty counts as unset; whitespace is stripped
        {"GOOGLE_API_KEY": f"{KEY}\n"},
    ],
)
def test_key_from_environment(chat, server, monkeypatch, env) -> None:  # case 36
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    server.add(chat.ok)
    chat.invoke(chat.model(key_from_env=True))
    assert server.requests[0].headers["x-goog-api-key"] == KEY


@pytest.mark.parametrize("blank", [None, "", "  \n"])
def test_missing_key_names_both_variables(chat, server, monkeypatch, blank) -> None:  # case 36
    if blank is not None:
        monkeypatch.setenv("GOOGLE_API_KEY", blank)
        monkeypatch.setenv("GEMINI_API_KEY", blank)
    model = chat.model(key_from_env=True)  # construction stays offline and cheap; the first call fails
    with pytest.raises(ValueError, match="GOOGLE_API_KEY") as info:
        chat.invoke(model)
    assert "GEMINI_API_KEY" in str(info.value)
    assert server.requests == []


@pytest.mark.parametrize("key", ["", "   ", "\n"])
def test_empty_key_is_rejected(key) -> None:  # case 36
    with pytest.raises(ValueError, match="api_key is empty"):
        ChatGemini(model="gemini-2.5-flash", api_key=key)


@pytest.mark.parametrize("key", [f"{KEY[:10]} {KEY[10:]}", f"{KEY}\x00", f"{KEY}\n{KEY}"])
def test_malformed_key_is_rejected_without_echo(chat, server, key) -> None:  # case 36
    with pytest.raises(ValueError, match="whitespace or control") as info:
        chat.invoke(chat.model(api_key=key))
    for part in (KEY[:10], KEY[10:], KEY[4:]):
        assert part not in str(info.value)
        assert part not in repr(info.value)
    assert server.requests == []
