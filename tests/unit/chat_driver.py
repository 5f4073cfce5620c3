"""Drives `ChatGemini` through its public entry points (invoke/ainvoke/stream/astream) on a conftest MockServer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
from langchain_core.messages import AIMessageChunk, BaseMessage

from langchain_gemini import ChatGemini

KEY = "AIzaFAKE-sentinel-0123456789"
HELLO = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hello"}]}, "finishReason": "STOP"}]}
_real_sleep = asyncio.sleep  # taken before the `sleeps` fixture patches it, so this turn is not recorded


@dataclass
class Streamed:
    chunks: list[AIMessageChunk]
    error: BaseException | None
    open_after: int = -1  # response bodies still open once the caller has left the stream (inside its loop)

    @property
    def text(self) -> str:
        return "".join(chunk.text for chunk in self.chunks)


class Chat:
    """Builds models on a MockServer and calls them through the sync or the async entry points."""

    def __init__(self, sync: bool, server: Any, gm: Any) -> None:
        self.sync = sync
        self.server = server
        self.gm = gm
        self._clients: list[httpx.Client | httpx.AsyncClient] = []

    def model(self, *, key_from_env: bool = False, **kwargs: Any) -> ChatGemini:
        http, ahttp = httpx.Client(transport=self.server.transport), httpx.AsyncClient(transport=self.server.transport)
        self._clients += [http, ahttp]
        if not key_from_env:
            kwargs.setdefault("api_key", KEY)
        return ChatGemini(model="gemini-2.5-flash", http_client=http, http_async_client=ahttp, **kwargs)

    def ok(self, request: httpx.Request) -> Any:
        """A successful answer of the kind the request asked for."""
        if request.url.params.get("alt") == "sse":
            return self.gm.sse_reply(*self.gm.OK_EVENTS)  # "Hel" + "lo"
        return self.gm.json_reply(HELLO)

    def invoke(self, model: ChatGemini, **kwargs: Any) -> BaseMessage:
        if self.sync:
            return model.invoke("hi", **kwargs)
        return asyncio.run(model.ainvoke("hi", **kwargs))

    def stream(self, model: ChatGemini, *, stop_after: int | None = None, **kwargs: Any) -> Streamed:
        """Collect chunks until the end, an error, or `stop_after` chunks (then leave the loop early)."""
        if not self.sync:
            return asyncio.run(self._astream(model, stop_after, kwargs))
        result = Streamed([], None)
        try:
            for chunk in model.stream("hi", **kwargs):
                result.chunks.append(chunk)
                if len(result.chunks) == stop_after:
                    break
        except Exception as exc:
            result.error = exc
        result.open_after = self.server.open_bodies
        return result

    async def _astream(self, model: ChatGemini, stop_after: int | None, kwargs: dict[str, Any]) -> Streamed:
        result = Streamed([], None)
        agen = model.astream("hi", **kwargs)
        try:
            async for chunk in agen:
                result.chunks.append(chunk)
                if len(result.chunks) == stop_after:
                    break
        except Exception as exc:
            result.error = exc
        await agen.aclose()  # type: ignore[attr-defined]
        # langchain-core's astream never acloses the model's _astream; the loop's async-generator
        # finalizer does, on its next turn. One turn is all a caller needs to give it.
        await _real_sleep(0)
        result.open_after = self.server.open_bodies
        return result

    def close(self) -> None:
        for client in self._clients:
            if isinstance(client, httpx.Client):
                client.close()
            else:
                asyncio.run(client.aclose())


class Call(Chat):
    """One of invoke, ainvoke, stream, astream: the answer's text, or the error the call raised."""

    def __init__(self, kind: str, server: Any, gm: Any) -> None:
        super().__init__(kind in {"invoke", "stream"}, server, gm)
        self.streaming = kind.endswith("stream")

    def __call__(self, model: ChatGemini, **kwargs: Any) -> str:
        if not self.streaming:
            return self.invoke(model, **kwargs).text
        result = self.stream(model, **kwargs)
        if result.error is not None:
            raise result.error
        return result.text
