"""GeminiClient secrets, logs, client lifetimes, pools and paths (the reliability cases 31-38).

Every test that takes `api` runs twice, through the sync and the async path, with one body.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import traceback
import weakref
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from langchain_gemini._client import GeminiClient
from langchain_gemini._owned import DEFAULT_LIMITS
from langchain_gemini.errors import (
    GeminiAuthenticationError,
    GeminiConnectionError,
    GeminiRateLimitError,
    GeminiServerError,
)

KEY = "AIzaFAKE-sentinel-0123456789"

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
    http = client._owned.sync_client if api.sync else None
    if http is not None:
        assert "x-goog-api-key" not in http.headers
    for http_async in client._owned.async_clients.values():
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
    assert len(client._owned.async_clients) == 1
    (http,) = client._owned.async_clients.values()
    await client.aclose()
    assert http.is_closed
    assert len(client._owned.async_clients) == 0


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
    assert len(client._owned.async_clients) == 1
    await client.aclose()


def test_sync_client_is_created_once_and_closed(server, gm) -> None:
    server.add(gm.json_reply({}))
    client = server.client()
    assert client._owned.sync_client is None  # lazy
    client.request_json("GET", "models")
    http = client._owned.sync_client
    client.request_json("GET", "models")
    assert client._owned.sync_client is http
    assert http is not None
    client.close()
    assert http.is_closed
    client.request_json("GET", "models")  # a closed client is replaced on next use
    assert client._owned.sync_client is not None
    assert not client._owned.sync_client.is_closed
    client.close()


def test_supplied_clients_are_used_and_never_closed(server, gm) -> None:
    server.add(gm.json_reply({}))
    http = httpx.Client(transport=server.transport)
    client = GeminiClient(api_key=SecretStr(KEY), http_client=http)
    client.request_json("GET", "models")
    client.close()
    assert not http.is_closed
    assert client._owned.sync_client is None

    async def run() -> None:
        async with httpx.AsyncClient(transport=server.transport) as ahttp:
            aclient = GeminiClient(api_key=SecretStr(KEY), http_async_client=ahttp)
            await aclient.arequest_json("GET", "models")
            await aclient.aclose()
            assert not ahttp.is_closed
            assert len(aclient._owned.async_clients) == 0

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


# -- raw requests: send / asend ------------------------------------------------------------


def _send(api: Any, client: GeminiClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    if api.sync:
        return client.send(method, url, **kwargs)
    return asyncio.run(client.asend(method, url, **kwargs))


def test_send_raw_bytes_with_headers(api, server, gm) -> None:
    server.add(gm.json_reply({"ok": True}, headers={"x-goog-upload-status": "final"}))
    client = server.client(user_agent="ua/1")
    headers = {"X-Goog-Upload-Offset": "0", "content-type": "application/octet-stream"}
    response = _send(api, client, "POST", "/upload/v1beta/files", content=b"\x00\xff", headers=headers)
    assert response.status_code == 200
    assert response.headers["x-goog-upload-status"] == "final"
    assert response.json() == {"ok": True}
    (request,) = server.requests
    assert str(request.url) == "https://generativelanguage.googleapis.com/upload/v1beta/files"
    assert request.content == b"\x00\xff"
    assert request.headers["x-goog-api-key"] == KEY
    assert request.headers["x-goog-upload-offset"] == "0"
    assert request.headers["content-type"] == "application/octet-stream"
    assert request.headers["user-agent"] == "ua/1"
    assert server.open_bodies == 0


def test_send_json_body_and_relative_path(api, server, gm) -> None:
    server.add(gm.json_reply({}))
    _send(api, server.client(), "POST", "files", body={"file": {"displayName": "ü"}}, params={"a": "1"})
    (request,) = server.requests
    assert str(request.url) == "https://generativelanguage.googleapis.com/v1beta/files?a=1"
    assert request.content == '{"file":{"displayName":"ü"}}'.encode()
    assert request.headers["content-type"] == "application/json"


def test_send_retries_like_any_call(api, server, sleeps, gm) -> None:
    server.add(gm.rate_limited("2s"), httpx.ConnectError("refused"), gm.json_reply({}))
    response = _send(api, server.client(), "POST", "x", content=b"chunk")
    assert response.status_code == 200
    assert sleeps == [2.0, 1.0]
    assert [r.content for r in server.requests] == [b"chunk"] * 3  # a retry resends the same body
    assert server.open_bodies == 0


def test_send_raises_the_mapped_error(api, server, sleeps, gm) -> None:
    server.add(gm.google_error(503, "UNAVAILABLE", "busy"))
    with pytest.raises(GeminiServerError):
        _send(api, server.client(), "POST", "x", content=b"", max_retries=1)
    assert len(server.requests) == 2
    assert server.open_bodies == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://generativelanguage.googleapis.com/upload/v1beta/files?upload_id=u1&upload_protocol=resumable",
        "HTTPS://GenerativeLanguage.googleapis.com:443/upload/v1beta/files?upload_id=u1&upload_protocol=resumable",
    ],
)
def test_send_accepts_an_absolute_url_on_the_api_origin(api, server, gm, url) -> None:
    server.add(gm.json_reply({}))
    _send(api, server.client(), "POST", url, content=b"x", params={"extra": "1"})
    (request,) = server.requests
    assert request.url.host == "generativelanguage.googleapis.com"
    assert request.url.params["upload_id"] == "u1"
    assert request.url.params["extra"] == "1"
    assert request.headers["x-goog-api-key"] == KEY


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/upload/v1beta/files?upload_id=u1",
        "http://generativelanguage.googleapis.com/upload",  # another scheme
        "https://generativelanguage.googleapis.com:8443/upload",  # another port
        "https://generativelanguage.googleapis.com.evil.example/upload",
        "https://generativelanguage.googleapis.com@evil.example/upload",  # userinfo, other host
    ],
)
def test_send_refuses_other_origins(api, server, url) -> None:
    with pytest.raises(ValueError, match="outside base_url") as info:
        _send(api, server.client(), "POST", url, content=b"x")
    assert "evil" not in str(info.value)
    assert server.requests == []


def test_send_origin_follows_base_url(api, server, gm) -> None:
    server.add(gm.json_reply({}))
    client = server.client(base_url="http://127.0.0.1:8080/")
    _send(api, client, "PUT", "http://127.0.0.1:8080/upload/v1beta/files?upload_id=u1", content=b"x")
    with pytest.raises(ValueError, match="outside base_url"):
        _send(api, client, "PUT", "https://generativelanguage.googleapis.com/upload", content=b"x")
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"headers": {"X-Goog-Api-Key": "other"}}, "x-goog-api-key"),
        ({"body": {}, "content": b""}, "not both"),
    ],
)
def test_send_rejects_bad_arguments_before_sending(api, server, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match) as info:
        _send(api, server.client(), "POST", "x", **kwargs)
    assert "other" not in str(info.value)
    assert server.requests == []


# -- memory ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_a_sent_body_is_freed_with_its_response_without_the_cycle_collector(sync: bool) -> None:
    # httpx keeps a read response in a reference cycle; left so, every 8 MiB upload chunk stayed alive until the
    # cycle collector ran, and a 30 MB upload held 4 of them at once.
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True})

    transport = httpx.MockTransport(reply)
    client = GeminiClient(api_key=SecretStr(KEY), transport=transport, async_transport=transport)
    body = b"x" * 1024
    gc.collect()
    gc.disable()
    try:
        if sync:
            response = client.send("POST", "upload", content=body)
        else:
            response = asyncio.run(client.asend("POST", "upload", content=body))
        assert response.json() == {"ok": True}
        request = weakref.ref(response.request)
        del response
        assert request() is None, "the request (and the body it holds) outlived its response"
    finally:
        gc.enable()
        client.close()
