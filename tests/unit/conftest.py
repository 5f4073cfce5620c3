"""Shared unit-test fixtures: a scripted MockTransport server, recorded sleeps, sync/async runner."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from langchain_gemini._client import GeminiClient

FAKE_KEY = "AIzaFAKE-sentinel-0123456789"
GEN_PATH = "models/gemini-2.5-flash:generateContent"
STREAM_PATH = "models/gemini-2.5-flash:streamGenerateContent"
BODY: dict[str, Any] = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}


# -- replies -------------------------------------------------------------------------------


class TrackedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that can fail mid-way and reports whether it was closed."""

    def __init__(self, chunks: list[bytes | BaseException], server: MockServer) -> None:
        self._chunks = chunks
        self._server = server
        self._closed = False
        server.opened += 1

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            if isinstance(chunk, BaseException):
                raise chunk
            yield chunk

    async def __aiter__(self):  # type: ignore[override]
        for chunk in self._chunks:
            if isinstance(chunk, BaseException):
                raise chunk
            yield chunk

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._server.closed += 1

    async def aclose(self) -> None:
        self.close()


@dataclass
class Reply:
    status: int = 200
    chunks: list[bytes | BaseException] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def build(self, server: MockServer) -> httpx.Response:
        return httpx.Response(self.status, headers=self.headers, stream=TrackedStream(list(self.chunks), server))


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status,
        [json.dumps(body).encode()],
        {"content-type": "application/json", **(headers or {})},
    )


def google_error(
    status: int,
    status_name: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    error: dict[str, Any] = {"code": status, "message": message, "status": status_name}
    if details is not None:
        error["details"] = details
    return json_reply({"error": error}, status, headers)


def retry_info(delay: str) -> dict[str, Any]:
    return {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}


def quota_failure(quota_id: str) -> dict[str, Any]:
    return {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [{"quotaMetric": "generativelanguage.googleapis.com/x", "quotaId": quota_id}],
    }


def rate_limited(delay: str | None = "1s", quota_id: str | None = None) -> Reply:
    details = []
    if quota_id:
        details.append(quota_failure(quota_id))
    if delay:
        details.append(retry_info(delay))
    return google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded, retry later.", details)


def text_event(text: str, finish: str | None = None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate]}


def sse_body(events: list[dict[str, Any]], sep: str = "\r\n\r\n") -> bytes:
    return "".join(f"data: {json.dumps(e)}{sep}" for e in events).encode()


def sse_reply(*parts: bytes | BaseException | dict[str, Any], status: int = 200) -> Reply:
    """Each dict becomes one SSE event in its own chunk; bytes and exceptions pass through."""
    chunks: list[bytes | BaseException] = [sse_body([p]) if isinstance(p, dict) else p for p in parts]
    return Reply(status, chunks, {"content-type": "text/event-stream"})


OK_EVENTS = [text_event("Hel"), text_event("lo", finish="STOP")]
OK_JSON = {"candidates": [{"content": {"parts": [{"text": "ok"}]}, "finishReason": "STOP"}]}


# -- the server ----------------------------------------------------------------------------

Script = Reply | BaseException | Callable[[httpx.Request], "Reply | BaseException"]


class MockServer:
    """Answers requests from a script; the last entry repeats. Counts bodies opened and closed."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.script: list[Script] = []
        self.opened = 0
        self.closed = 0
        self.transport = httpx.MockTransport(self.handle)

    def add(self, *replies: Script) -> MockServer:
        self.script.extend(replies)
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.script:
            raise AssertionError("no reply scripted")
        entry = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if callable(entry) and not isinstance(entry, Reply):
            entry = entry(request)
        if isinstance(entry, BaseException):
            raise entry
        return entry.build(self)

    @property
    def open_bodies(self) -> int:
        return self.opened - self.closed

    def client(self, **kwargs: Any) -> GeminiClient:
        kwargs.setdefault("api_key", SecretStr(FAKE_KEY))
        return GeminiClient(transport=self.transport, async_transport=self.transport, **kwargs)


@pytest.fixture
def server() -> MockServer:
    return MockServer()


# -- sleeping and jitter -------------------------------------------------------------------


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record time.sleep/asyncio.sleep delays instead of sleeping; random() -> 0."""
    recorded: list[float] = []
    real_async_sleep = asyncio.sleep

    def fake_sleep(delay: float) -> None:
        recorded.append(delay)

    async def fake_async_sleep(delay: float, result: Any = None) -> Any:
        recorded.append(delay)
        await real_async_sleep(0)
        return result

    monkeypatch.setattr(time, "sleep", fake_sleep)
    monkeypatch.setattr(asyncio, "sleep", fake_async_sleep)
    monkeypatch.setattr(random, "random", lambda: 0.0)
    return recorded


# -- one test body, sync and async ---------------------------------------------------------


@dataclass
class StreamResult:
    events: list[dict[str, Any]]
    error: BaseException | None


class Api:
    """Runs the same call through the sync or the async path of a GeminiClient."""

    def __init__(self, sync: bool) -> None:
        self.sync = sync

    def request(
        self, client: GeminiClient, method: str = "POST", path: str = GEN_PATH, **kwargs: Any
    ) -> dict[str, Any]:
        if method == "POST":
            kwargs.setdefault("body", BODY)
        if self.sync:
            return client.request_json(method, path, **kwargs)
        return asyncio.run(client.arequest_json(method, path, **kwargs))

    def stream(
        self,
        client: GeminiClient,
        path: str = STREAM_PATH,
        body: dict[str, Any] = BODY,
        *,
        stop_after: int | None = None,
        **kwargs: Any,
    ) -> StreamResult:
        """Collect events until the end, an error, or `stop_after` events (then close early)."""
        if self.sync:
            events: list[dict[str, Any]] = []
            gen = client.stream_json(path, body, **kwargs)
            try:
                for event in gen:
                    events.append(event)
                    if stop_after is not None and len(events) >= stop_after:
                        gen.close()
                        break
            except Exception as exc:
                return StreamResult(events, exc)
            return StreamResult(events, None)
        return asyncio.run(self._astream(client, path, body, stop_after, kwargs))

    @staticmethod
    async def _astream(
        client: GeminiClient,
        path: str,
        body: dict[str, Any],
        stop_after: int | None,
        kwargs: dict[str, Any],
    ) -> StreamResult:
        events: list[dict[str, Any]] = []
        agen = client.astream_json(path, body, **kwargs)
        try:
            async for event in agen:
                events.append(event)
                if stop_after is not None and len(events) >= stop_after:
                    await agen.aclose()  # type: ignore[attr-defined]
                    break
        except Exception as exc:
            return StreamResult(events, exc)
        return StreamResult(events, None)


@pytest.fixture(params=[True, False], ids=["sync", "async"])
def sync(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def api(sync: bool) -> Api:
    return Api(sync)


@pytest.fixture(scope="session")
def gm() -> SimpleNamespace:
    """The helpers above, for test modules (importing from conftest is fragile)."""
    return SimpleNamespace(
        FAKE_KEY=FAKE_KEY,
        MockServer=MockServer,
        GEN_PATH=GEN_PATH,
        STREAM_PATH=STREAM_PATH,
        BODY=BODY,
        OK_EVENTS=OK_EVENTS,
        OK_JSON=OK_JSON,
        Reply=Reply,
        json_reply=json_reply,
        google_error=google_error,
        retry_info=retry_info,
        quota_failure=quota_failure,
        rate_limited=rate_limited,
        text_event=text_event,
        sse_body=sse_body,
        sse_reply=sse_reply,
    )
