"""A scripted Gemini behind `httpx.MockTransport`, for unit tests of the chat model (no sockets)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from langchain_gemini import ChatGemini

FAKE_KEY = "AIzaFAKE-sentinel-0123456789"


def text_response(text: str, *, model: str = "gemini-2.5-flash", finish: str = "STOP", **extra: Any) -> dict[str, Any]:
    return {
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": finish}],
        "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 2, "totalTokenCount": 6},
        "modelVersion": model,
        "responseId": "resp-1",
        **extra,
    }


def sse(events: list[dict[str, Any]]) -> bytes:
    return "".join(f"data: {json.dumps(event)}\r\n\r\n" for event in events).encode()


@dataclass
class FakeGemini:
    """Answers generateContent with `responses` in turn and streams with `streams` in turn; records requests."""

    responses: list[dict[str, Any] | httpx.Response] = field(default_factory=list)
    streams: list[list[dict[str, Any]]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    default: Callable[[httpx.Request], httpx.Response] | None = None

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if ":streamGenerateContent" in request.url.path and self.streams:
            return httpx.Response(200, content=sse(self.streams.pop(0)), headers={"content-type": "text/event-stream"})
        if ":countTokens" in request.url.path:
            return httpx.Response(200, json={"totalTokens": 42})
        if self.responses:
            answer = self.responses.pop(0)
            return answer if isinstance(answer, httpx.Response) else httpx.Response(200, json=answer)
        if self.default is not None:
            return self.default(request)
        return httpx.Response(200, json=text_response("ok"))

    async def ahandler(self, request: httpx.Request) -> httpx.Response:
        return self.handler(request)

    def model(self, **kwargs: Any) -> ChatGemini:
        kwargs.setdefault("model", "gemini-2.5-flash")
        kwargs.setdefault("api_key", FAKE_KEY)
        return ChatGemini(
            http_client=httpx.Client(transport=httpx.MockTransport(self.handler)),
            http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(self.ahandler)),
            **kwargs,
        )
