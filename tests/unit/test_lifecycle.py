"""close / aclose / with / async with, and dropped instances, for ChatGemini, GeminiEmbeddings and GeminiFiles.

The package builds its own httpx clients here (as it does for users), on a MockTransport: no sockets. Socket counts
over loopback are in tests/integration/test_resources.py.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import weakref
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from langchain_gemini import ChatGemini, GeminiEmbeddings, GeminiFiles
from langchain_gemini import _client as client_module
from langchain_gemini._base import GeminiClientSettings

KEY = "AIzaFAKE-sentinel-0123456789"
TEXT = {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}]}


def answer(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.endswith(":embedContent"):
        return httpx.Response(200, json={"embedding": {"values": [0.6, 0.8]}})
    if path.endswith("/files"):
        return httpx.Response(200, json={"files": [{"name": "files/a", "uri": "u", "mimeType": "text/plain"}]})
    return httpx.Response(200, json=TEXT)


@pytest.fixture(autouse=True)
def mock_transport(monkeypatch: pytest.MonkeyPatch) -> httpx.MockTransport:
    """Instances build their own clients as usual, on this transport instead of the network."""
    transport = httpx.MockTransport(answer)
    built = functools.partial(client_module.GeminiClient, transport=transport, async_transport=transport)
    monkeypatch.setattr(client_module, "GeminiClient", built)
    return transport


def chat(**kwargs: Any) -> ChatGemini:
    return ChatGemini(model="gemini-2.5-flash", api_key=KEY, **kwargs)


def embeddings(**kwargs: Any) -> GeminiEmbeddings:
    return GeminiEmbeddings(model="gemini-embedding-001", api_key=KEY, **kwargs)


def files(**kwargs: Any) -> GeminiFiles:
    return GeminiFiles(api_key=KEY, **kwargs)


def use(instance: GeminiClientSettings) -> None:
    if isinstance(instance, ChatGemini):
        assert instance.invoke("hi").text == "ok"
    elif isinstance(instance, GeminiEmbeddings):
        assert instance.embed_query("hi") == pytest.approx([0.6, 0.8])
    else:
        assert isinstance(instance, GeminiFiles)
        assert [f.name for f in instance.list()] == ["files/a"]


async def ause(instance: GeminiClientSettings) -> None:
    if isinstance(instance, ChatGemini):
        assert (await instance.ainvoke("hi")).text == "ok"
    elif isinstance(instance, GeminiEmbeddings):
        assert await instance.aembed_query("hi") == pytest.approx([0.6, 0.8])
    else:
        assert isinstance(instance, GeminiFiles)
        assert [f.name async for f in instance.alist()] == ["files/a"]


def sync_http(instance: GeminiClientSettings) -> httpx.Client:
    http = instance._client._owned.sync_client
    assert http is not None
    return http


def async_https(instance: GeminiClientSettings) -> list[httpx.AsyncClient]:
    return list(instance._client._owned.async_clients.values())


KINDS: list[Callable[..., GeminiClientSettings]] = [chat, embeddings, files]
kinds = pytest.mark.parametrize("make", KINDS, ids=["chat", "embeddings", "files"])


@kinds
def test_close_closes_the_clients_it_built_and_the_instance_works_again(make) -> None:
    instance = make()
    use(instance)
    asyncio.run(ause(instance))
    http, (ahttp,) = sync_http(instance), async_https(instance)
    instance.close()
    assert http.is_closed
    assert ahttp.is_closed  # its loop has ended: closed without it
    assert async_https(instance) == []
    use(instance)  # the next call builds a new client
    assert sync_http(instance) is not http
    assert not sync_http(instance).is_closed
    asyncio.run(ause(instance))
    instance.close()


@kinds
def test_with_block_closes_on_exit_even_after_an_error(make) -> None:
    instance = make()

    def fail_inside() -> None:
        with instance:
            use(instance)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside()
    assert instance._client._owned.sync_client is None
    use(instance)
    http = sync_http(instance)
    with instance:
        pass
    assert http.is_closed


@kinds
def test_async_with_closes_the_running_loops_client_and_the_sync_one(make) -> None:
    async def run() -> tuple[httpx.Client, httpx.AsyncClient]:
        async with make() as instance:
            await ause(instance)
            use(instance)
            (ahttp,) = async_https(instance)
            http = sync_http(instance)
        assert async_https(instance) == []
        return http, ahttp

    http, ahttp = asyncio.run(run())
    assert http.is_closed
    assert ahttp.is_closed


def test_close_inside_a_running_loop_closes_that_loops_client_too() -> None:
    async def run() -> httpx.AsyncClient:
        model = chat()
        await ause(model)
        (ahttp,) = async_https(model)
        model.close()  # sync close from async code: nothing left open on this loop either
        assert ahttp.is_closed
        await ause(model)  # and the model still works
        await model.aclose()
        return ahttp

    asyncio.run(run())


def test_a_new_event_loop_closes_what_finished_loops_left_behind() -> None:
    model = chat()
    asyncio.run(ause(model))
    (first,) = async_https(model)
    asyncio.run(ause(model))
    (second,) = async_https(model)  # one client: the finished loop's was closed and forgotten
    assert first.is_closed
    assert second is not first
    assert not second.is_closed
    model.close()
    assert second.is_closed


@kinds
def test_supplied_clients_are_never_closed(make, mock_transport) -> None:
    http = httpx.Client(transport=mock_transport)
    ahttp = httpx.AsyncClient(transport=mock_transport)
    instance = make(http_client=http, http_async_client=ahttp)

    async def run() -> None:
        async with instance:
            await ause(instance)
        await ause(instance)
        await instance.aclose()
        assert not ahttp.is_closed
        await ahttp.aclose()

    with instance:
        use(instance)
    instance.close()
    assert not http.is_closed
    use(instance)
    asyncio.run(run())
    http.close()


def test_closing_files_from_a_model_leaves_the_models_connections_open() -> None:
    model = chat()
    model_files = GeminiFiles.from_model(model)
    use(model)
    use(model_files)
    http = sync_http(model)
    with model_files:
        use(model_files)
    model_files.close()
    assert not http.is_closed
    assert sync_http(model) is http
    use(model)


def test_closing_the_model_does_not_break_its_files_client() -> None:
    model = chat()
    model_files = GeminiFiles.from_model(model)
    use(model_files)
    http = sync_http(model)
    model.close()
    assert http.is_closed
    use(model_files)  # through the model's new client
    assert sync_http(model) is not http
    assert not sync_http(model).is_closed
    model.close()


def test_bound_and_structured_runnables_survive_closing_their_model(mock_transport) -> None:
    model = chat()
    structured = model.with_structured_output({"title": "T", "type": "object", "properties": {}}, method="json_mode")
    bound = model.bind(temperature=0)
    with model:
        assert bound.invoke("hi").text == "ok"
    assert bound.invoke("hi").text == "ok"
    reply = {"candidates": [{"content": {"parts": [{"text": json.dumps({"a": 1})}]}, "finishReason": "STOP"}]}
    mock_transport.handler = lambda request: httpx.Response(200, json=reply)  # type: ignore[assignment]
    assert structured.invoke("hi") == {"a": 1}
    model.close()


@kinds
def test_a_dropped_instance_closes_its_clients(make) -> None:
    instance = make()
    use(instance)
    asyncio.run(ause(instance))
    asyncio.run(ause(instance))
    http, (ahttp,) = sync_http(instance), async_https(instance)
    gone = weakref.ref(instance)
    del instance
    gc.collect()
    assert gone() is None  # the finaliser does not keep the instance alive
    assert http.is_closed
    assert ahttp.is_closed


def test_copies_own_their_own_clients() -> None:
    model = chat()
    use(model)
    clone = model.model_copy(deep=True)
    use(clone)
    assert sync_http(clone) is not sync_http(model)
    clone.close()
    assert not sync_http(model).is_closed
    model.close()
