"""The API key never leaves the package: a hunt over every public path and every rendering (issue 16).

A distinctive key (not Google-shaped, so the `AIza...` pattern cannot hide a miss; with characters that URL-encode and
JSON-escape differently) drives invoke, stream, embeddings, files, retries, transport failures, redirects and
validation errors against a hostile server that echoes the key back in every form. Every error's str, repr, args,
pickle and traceback, every DEBUG log record of every logger, every callback payload and the serialized model are
searched for the key raw, URL-encoded and JSON-escaped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd, dumps

from langchain_gemini import ChatGemini, GeminiEmbeddings, GeminiFiles
from langchain_gemini.errors import GeminiError

KEY = 'Leak"Canary\\key+/=?&0123456789'
FORMS = {KEY, quote(KEY, safe=""), quote_plus(KEY), json.dumps(KEY)[1:-1]}
BASE = "https://generativelanguage.googleapis.com"


def _echo(request: httpx.Request) -> str:
    """Everything a hostile server could say back: the key raw, URL-encoded and JSON-escaped."""
    key = request.headers.get("x-goog-api-key", "")
    return f"bad key {key} / {quote(key, safe='')} / {quote_plus(key)} / {json.dumps(key)}"


def _error_body(request: httpx.Request, code: int = 400, status: str = "INVALID_ARGUMENT") -> dict[str, Any]:
    echo = _echo(request)
    detail = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": echo, "metadata": {echo: echo}}
    return {"error": {"code": code, "message": echo, "status": status, "details": [detail]}}


class Recorder(BaseCallbackHandler):
    """Every callback event with all its arguments, rendered."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __getattr__(self, name: str) -> Callable[..., None]:
        if not name.startswith("on_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.seen.append(repr((name, args, kwargs)))


def _renderings(error: BaseException) -> list[str]:
    out = [str(error), repr(error), repr(error.args), "".join(traceback.format_exception(error))]
    out.append(pickle.dumps(error).decode("latin-1"))
    if isinstance(error, GeminiError):
        out += [repr(error.body), repr(error.details), repr(error.message)]
        if hasattr(error, "file"):
            out.append(repr(error.file))
            out.append(repr(getattr(error.file, "raw", None)))
    return out


def _assert_clean(texts: list[str], where: str) -> None:
    for text in texts:
        for form in FORMS:
            assert form not in text, f"{where}: the key leaked ({form!r}) in {text[:300]!r}"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # the root: every logger, httpx and httpcore included
    return caplog


def _log_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{record.getMessage()} {record.args!r} {record.__dict__!r}" for record in caplog.records]


def _chat(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> ChatGemini:
    transport = httpx.MockTransport(handler)
    return ChatGemini(
        model="gemini-2.5-flash",
        api_key=KEY,
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
        **{"base_url": BASE, **kwargs},
    )


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "candidates": [{"content": {"parts": [{"text": _echo(request)}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 1, "totalTokenCount": 2},
        },
    )


ERROR_SCENARIOS: dict[str, Callable[[httpx.Request], httpx.Response]] = {
    "400 echoing the key": lambda r: httpx.Response(400, json=_error_body(r)),
    "401 echoing the key": lambda r: httpx.Response(401, json=_error_body(r, 401, "UNAUTHENTICATED")),
    "429 echoing the key": lambda r: httpx.Response(429, json=_error_body(r, 429, "RESOURCE_EXHAUSTED")),
    "500 text echoing the key": lambda r: httpx.Response(500, text=_echo(r)),
    "2xx that is not JSON": lambda r: httpx.Response(200, text=_echo(r)),
    "2xx with a wrong type": lambda r: httpx.Response(200, json={"candidates": _echo(r)}),
    "transport error naming the key": lambda r: (_ for _ in ()).throw(httpx.ConnectError(_echo(r))),
    "decoding error": lambda r: httpx.Response(200, content=b"not gzip", headers={"content-encoding": "gzip"}),
}


@pytest.mark.parametrize("scenario", list(ERROR_SCENARIOS))
def test_invoke_errors_never_carry_the_key(scenario: str, logs: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    model = _chat(ERROR_SCENARIOS[scenario], max_retries=1)
    with pytest.raises(GeminiError) as caught:
        model.invoke("hi", config={"callbacks": [recorder]})
    with pytest.raises(GeminiError) as caught_async:
        asyncio.run(model.ainvoke("hi", config={"callbacks": [recorder]}))
    _assert_clean(_renderings(caught.value) + _renderings(caught_async.value), scenario)
    _assert_clean(_log_texts(logs), f"{scenario} (logs)")
    _assert_clean(recorder.seen, f"{scenario} (callbacks)")
    model.close()


def test_a_stream_error_echoing_the_key_never_carries_it(logs: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        first = {"candidates": [{"content": {"parts": [{"text": "a"}]}}]}
        body = f"data: {json.dumps(first)}\r\n\r\ndata: {json.dumps(_error_body(request, 500, 'INTERNAL'))}\r\n\r\n"
        return httpx.Response(200, content=body.encode(), headers={"content-type": "text/event-stream"})

    recorder = Recorder()
    model = _chat(handler)
    with pytest.raises(GeminiError) as caught:
        list(model.stream("hi", config={"callbacks": [recorder]}))
    _assert_clean(_renderings(caught.value), "stream")
    _assert_clean(_log_texts(logs), "stream (logs)")
    _assert_clean(recorder.seen, "stream (callbacks)")
    model.close()


def test_a_successful_call_logs_and_reports_no_key(logs: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    answer = {"candidates": [{"content": {"parts": [{"text": "ok"}]}, "finishReason": "STOP"}]}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("alt") == "sse":
            return httpx.Response(200, content=f"data: {json.dumps(answer)}\r\n\r\n".encode())
        return httpx.Response(200, json=answer)

    model = _chat(handler)
    model.invoke("hi", config={"callbacks": [recorder]})
    list(model.stream("hi", config={"callbacks": [recorder]}))
    _assert_clean(_log_texts(logs), "success (logs)")
    _assert_clean(recorder.seen, "success (callbacks)")
    _assert_clean([repr(model), str(model), dumps(model), json.dumps(dumpd(model)), model.model_dump_json()], "model")
    model.close()


def test_embeddings_errors_never_carry_the_key(logs: pytest.LogCaptureFixture) -> None:
    for scenario, handler in ERROR_SCENARIOS.items():
        embeddings = GeminiEmbeddings(
            api_key=KEY, base_url=BASE, max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(handler))
        )
        with pytest.raises(GeminiError) as caught:
            embeddings.embed_documents(["a"])
        _assert_clean(_renderings(caught.value), f"embeddings, {scenario}")
        _assert_clean([repr(embeddings), embeddings.model_dump_json()], "embeddings model")
        embeddings.close()
    _assert_clean(_log_texts(logs), "embeddings (logs)")


def test_a_failed_file_echoing_the_key_never_carries_it() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        echo = _echo(request)
        return httpx.Response(
            200,
            json={"name": "files/abc", "state": "FAILED", "displayName": echo, "error": {"code": 3, "message": echo}},
        )

    files = GeminiFiles(api_key=KEY, base_url=BASE, http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    with pytest.raises(GeminiError) as caught:
        files.wait_until_active("files/abc")
    assert "failed processing: bad key ***" in str(caught.value)
    _assert_clean(_renderings(caught.value), "GeminiFileError")
    files.close()


@pytest.mark.parametrize("key", [KEY + "é", KEY + "\x01", "é" + KEY])
def test_a_key_that_fails_validation_is_never_echoed(key: str) -> None:
    chat = ChatGemini(model="gemini-2.5-flash", api_key=key)
    embeddings = GeminiEmbeddings(api_key=key)
    for action in (lambda: chat.invoke("hi"), lambda: embeddings.embed_query("hi")):
        with pytest.raises(ValueError, match="api_key contains") as caught:
            action()
        _assert_clean(_renderings(caught.value), "key validation")
        assert key not in "".join(_renderings(caught.value))


@pytest.mark.parametrize(
    "settings",
    [
        {"base_url": f"{BASE}/?x-goog-api-key={quote(KEY, safe='')}"},
        {"base_url": f"{BASE}/;key={quote(KEY, safe='')}"},
        {"base_url": f"{BASE}/#key={quote(KEY, safe='')}"},
        {"api_version": f"v1beta/{quote(KEY, safe='')}"},
        {"api_version": f"v1beta;key={KEY}"},
    ],
)
def test_a_url_carrying_the_key_is_refused_without_echoing_it(
    settings: dict[str, str], logs: pytest.LogCaptureFixture
) -> None:
    """Refused when the model is built or at the first call, whichever check sees it first; never sent, never echoed."""
    sent: list[httpx.Request] = []
    with pytest.raises(ValueError, match=r"must not contain|single path segment|base_url") as caught:
        _chat(lambda request: sent.append(request) or _answer(request), **settings).invoke("hi")
    assert sent == []
    _assert_clean(_renderings(caught.value), "URL with the key")
    _assert_clean(_log_texts(logs), "URL with the key (logs)")


def test_a_short_test_key_may_appear_in_a_url() -> None:
    """Keys under 8 characters are test keys, not secrets (the redaction rule): "t" is in every http:// URL."""
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or _answer(request))
    with ChatGemini(
        model="gemini-2.5-flash",
        api_key="t",
        base_url="http://127.0.0.1:8765",
        http_client=httpx.Client(transport=transport),
    ) as model:
        model.invoke("hi")
    assert sent[0].url == "http://127.0.0.1:8765/v1beta/models/gemini-2.5-flash:generateContent"
    assert sent[0].headers["x-goog-api-key"] == "t"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_never_carries_the_key_to_another_origin(status: int) -> None:
    """Even a user-supplied client that follows redirects: the package never follows one with the key."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "generativelanguage.googleapis.com":
            return httpx.Response(status, headers={"location": "https://evil.example/steal?x=1"})
        return httpx.Response(200, json={"candidates": [{"content": {"parts": [{"text": "stolen"}]}}]})

    transport = httpx.MockTransport(handler)
    model = ChatGemini(
        model="gemini-2.5-flash",
        api_key=KEY,
        max_retries=2,
        http_client=httpx.Client(transport=transport, follow_redirects=True),
        http_async_client=httpx.AsyncClient(transport=transport, follow_redirects=True),
    )
    with pytest.raises(GeminiError, match=r"redirected to https://evil\.example; not followed") as caught:
        model.invoke("hi")
    with pytest.raises(GeminiError, match="not followed"):
        asyncio.run(model.ainvoke("hi"))
    with pytest.raises(GeminiError, match="not followed"):
        list(model.stream("hi"))
    assert [request.url.host for request in seen] == ["generativelanguage.googleapis.com"] * 3
    assert caught.value.status_code == status
    assert caught.value.is_retryable is False
    _assert_clean(_renderings(caught.value), "redirect")


@pytest.mark.parametrize(
    ("cls", "settings"),
    [
        *[(cls, {"api_version": f"v1beta/{KEY}"}) for cls in (ChatGemini, GeminiEmbeddings, GeminiFiles)],
        *[(cls, {"base_url": f"ftp://{quote(KEY, safe='')}.example"}) for cls in (ChatGemini, GeminiEmbeddings)],
        *[(cls, {"max_retries": KEY}) for cls in (ChatGemini, GeminiEmbeddings, GeminiFiles)],
        (ChatGemini, {"temperature": KEY}),
        (ChatGemini, {"safety_settings": ""}),  # an error type pydantic_core cannot rebuild by name
    ],
)
def test_validation_errors_keep_no_inputs(cls: type[Any], settings: dict[str, str]) -> None:
    with pytest.raises(ValueError) as caught:
        cls(api_key=KEY, **settings)
    errors = caught.value.errors()  # type: ignore[attr-defined]
    assert all(error["input"] == "<hidden>" for error in errors)
    _assert_clean([*_renderings(caught.value), repr(errors)], f"{cls.__name__} validation")
