"""Context caching without a server: conversions, argument errors, malformed answers, and what ChatGemini sends."""

from __future__ import annotations

import asyncio
import json
import pickle
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from langchain_gemini import ChatGemini, GeminiCache, GeminiCaches, GeminiResponseValidationError
from langchain_gemini._caching import CacheHeld, apply_cache, cache_body, expiry, forget, remember
from langchain_gemini.caches import cache_name

BASE = "https://generativelanguage.googleapis.com"
RESOURCE = {
    "name": "cachedContents/abc123",
    "model": "models/gemini-2.5-flash",
    "displayName": "handbook",
    "createTime": "2026-01-01T00:00:00.000001Z",
    "updateTime": "2026-01-01T00:00:00.000001Z",
    "expireTime": "2026-01-01T01:00:00.123456789Z",
    "usageMetadata": {"totalTokenCount": 4096},
}


def get_weather(city: str) -> str:
    """Weather in a city."""
    return city


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def scripted(answers: list[dict[str, Any]], seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answers.pop(0))

    return httpx.MockTransport(handler)


def caches_with(answers: list[dict[str, Any]], seen: list[httpx.Request]) -> GeminiCaches:
    transport = scripted(answers, seen)
    return GeminiCaches(
        api_key="k",
        model="gemini-2.5-flash",
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
        max_retries=0,
    )


# -- conversions ---------------------------------------------------------------------------------------------------


def test_cache_body_converts_as_chat_gemini_does() -> None:
    messages = [SystemMessage("Be brief."), HumanMessage("A long document.")]
    body = cache_body(messages, model="gemini-2.5-flash", tools=[get_weather], tool_choice="get_weather")
    assert body == {
        "model": "models/gemini-2.5-flash",
        "contents": [{"role": "user", "parts": [{"text": "A long document."}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "get_weather",
                        "description": "Weather in a city.",
                        "parametersJsonSchema": body["tools"][0]["functionDeclarations"][0]["parametersJsonSchema"],
                    }
                ]
            }
        ],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}},
    }
    # The same tools bound on the model produce the same wire form, so they compare equal to the cached ones.
    model = ChatGemini(model="gemini-2.5-flash", api_key="k")
    bound = model.bind_tools([get_weather], tool_choice="get_weather")
    assert bound.kwargs["tools"] == body["tools"]  # type: ignore[attr-defined]
    assert bound.kwargs["tool_config"] == body["toolConfig"]  # type: ignore[attr-defined]


def test_cache_body_errors() -> None:
    with pytest.raises(ValueError, match="a cache needs messages"):
        cache_body([], model="gemini-2.5-flash")
    with pytest.raises(ValueError, match="tool_choice: a cache without tools"):
        cache_body([HumanMessage("x")], model="gemini-2.5-flash", tool_choice="any")


@pytest.mark.parametrize(
    ("ttl", "expire_time", "expected"),
    [
        (300, None, {"ttl": "300s"}),
        (1.5, None, {"ttl": "1.5s"}),
        (timedelta(hours=2), None, {"ttl": "7200s"}),
        (
            None,
            datetime(2030, 1, 2, 4, 0, tzinfo=timezone(timedelta(hours=1))),
            {"expireTime": "2030-01-02T03:00:00.000000Z"},
        ),
        (None, None, {}),
    ],
)
def test_expiry_wire_form(ttl: Any, expire_time: Any, expected: dict[str, str]) -> None:
    assert expiry(ttl, expire_time) == expected


@pytest.mark.parametrize(
    ("ttl", "expire_time", "error", "match"),
    [
        (60, datetime(2030, 1, 1, tzinfo=UTC), ValueError, "pass one or the other"),
        (0, None, ValueError, "ttl must be positive"),
        (-1, None, ValueError, "ttl must be positive"),
        ("300s", None, TypeError, "ttl must be seconds or a timedelta"),
        (True, None, TypeError, "ttl must be seconds"),
        (None, datetime(2030, 1, 1), ValueError, "expire_time must be timezone-aware"),
        (None, "2030-01-01", TypeError, "expire_time must be a datetime"),
    ],
)
def test_expiry_errors(ttl: Any, expire_time: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        expiry(ttl, expire_time)


def test_cache_names() -> None:
    assert cache_name("abc") == "cachedContents/abc"
    assert cache_name("cachedContents/abc") == "cachedContents/abc"
    assert cache_name(GeminiCache.from_json(RESOURCE)) == "cachedContents/abc123"
    with pytest.raises(ValueError, match="not a cache name"):
        cache_name("cachedContents/../files/x")


# -- the cache object ---------------------------------------------------------------------------------------------


def test_cache_object_reports_metadata() -> None:
    cache = GeminiCache.from_json(RESOURCE)
    assert (cache.name, cache.model, cache.token_count, cache.display_name) == (
        "cachedContents/abc123",
        "models/gemini-2.5-flash",
        4096,
        "handbook",
    )
    assert cache.usage_metadata == {"totalTokenCount": 4096}
    assert cache.expires_at == datetime(2026, 1, 1, 1, 0, 0, 123456, tzinfo=UTC)
    assert pickle.loads(pickle.dumps(cache)) == cache


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"name": "files/x"}, "name"),
        ({"model": 3}, "model"),
        ({"usageMetadata": []}, "usageMetadata"),
        ({"usageMetadata": {"totalTokenCount": [1]}}, "usageMetadata.totalTokenCount"),
        ({"usageMetadata": {"totalTokenCount": "many"}}, "usageMetadata.totalTokenCount"),
        ({"expireTime": 5}, "expireTime"),
    ],
)
def test_malformed_cache_is_a_validation_error(change: dict[str, Any], field: str) -> None:
    with pytest.raises(GeminiResponseValidationError, match=f"CachedContent.{field} is missing or malformed"):
        GeminiCache.from_json({**RESOURCE, **change})


# -- the client -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_create_sends_the_converted_prefix(sync: bool) -> None:
    seen: list[httpx.Request] = []
    caches = caches_with([RESOURCE], seen)
    messages = [SystemMessage("Be brief."), HumanMessage("A long document.")]
    when = datetime(2030, 1, 1, tzinfo=UTC)
    if sync:
        cache = caches.create(messages, expire_time=when, display_name="handbook")
    else:
        cache = asyncio.run(caches.acreate(messages, expire_time=when, display_name="handbook"))
    assert seen[0].method == "POST"
    assert seen[0].url == f"{BASE}/v1beta/cachedContents"
    assert json.loads(seen[0].content) == {
        "model": "models/gemini-2.5-flash",
        "contents": [{"role": "user", "parts": [{"text": "A long document."}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "displayName": "handbook",
        "expireTime": "2030-01-01T00:00:00.000000Z",
    }
    assert cache.system_instruction == {"parts": [{"text": "Be brief."}]}
    assert cache.tools is None
    forget(cache.name)


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_update_sends_an_update_mask(sync: bool) -> None:
    seen: list[httpx.Request] = []
    caches = caches_with([RESOURCE], seen)
    if sync:
        caches.update("abc123", ttl=timedelta(minutes=5))
    else:
        asyncio.run(caches.aupdate("abc123", ttl=timedelta(minutes=5)))
    assert (seen[0].method, str(seen[0].url)) == ("PATCH", f"{BASE}/v1beta/cachedContents/abc123?updateMask=ttl")
    assert json.loads(seen[0].content) == {"ttl": "300s"}
    with pytest.raises(ValueError, match="update needs ttl or expire_time"):
        caches.update("abc123")


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_list_stops_on_a_repeated_page_token(sync: bool) -> None:
    seen: list[httpx.Request] = []
    page = {"cachedContents": [RESOURCE], "nextPageToken": "t1"}
    caches = caches_with([page, page], seen)

    async def collect() -> list[GeminiCache]:
        return [cache async for cache in caches.alist(page_size=1)]

    with pytest.raises(GeminiResponseValidationError, match="page token 't1' again"):
        list(caches.list(page_size=1)) if sync else asyncio.run(collect())
    assert [str(r.url.params) for r in seen] == ["pageSize=1", "pageSize=1&pageToken=t1"]


def test_list_rejects_bad_page_sizes() -> None:
    caches = caches_with([], [])
    with pytest.raises(ValueError, match="page_size must be between 1 and 1000"):
        next(caches.list(page_size=0))


def test_create_needs_a_model() -> None:
    caches = GeminiCaches(api_key="k")
    with pytest.raises(ValueError, match="a cache is made for one model"):
        caches.create([HumanMessage("x")])


# -- ChatGemini with a cache: what is sent -----------------------------------------------------------------------


@pytest.fixture
def known_cache() -> Any:
    held = CacheHeld(
        "models/gemini-2.5-flash",
        system_instruction={"parts": [{"text": "Be brief."}]},
        tools=cache_body([HumanMessage("x")], model="gemini-2.5-flash", tools=[get_weather])["tools"],
    )
    remember("cachedContents/known", held)
    yield "cachedContents/known"
    forget("cachedContents/known")


def request_of(model: Any, messages: list[Any], **kwargs: Any) -> dict[str, Any]:
    seen: list[httpx.Request] = []
    answer = {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}]}
    chat = model if isinstance(model, ChatGemini) else model.bound
    chat.http_client = httpx.Client(transport=scripted([answer], seen))
    model.invoke(messages, **kwargs)
    return json.loads(seen[0].content)  # type: ignore[no-any-return]


def test_cached_instruction_and_tools_are_not_repeated(known_cache: str) -> None:
    model = ChatGemini(model="gemini-2.5-flash", api_key="k", cached_content=known_cache)
    body = request_of(model.bind_tools([get_weather]), [SystemMessage("Be brief."), HumanMessage("Hi")])
    assert body == {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "cachedContent": known_cache}


def test_per_call_cache(known_cache: str) -> None:
    model = ChatGemini(model="gemini-2.5-flash", api_key="k")
    body = request_of(model, [SystemMessage("Be brief."), HumanMessage("Hi")], cached_content=known_cache)
    assert body == {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "cachedContent": known_cache}


@pytest.mark.parametrize(
    ("messages", "tools", "kwargs", "match"),
    [
        ([SystemMessage("Be long."), HumanMessage("Hi")], None, {}, "this call's system message differs"),
        ([HumanMessage("Hi")], [lambda: None], {}, "this call's tools differs"),
        (
            [HumanMessage("Hi")],
            None,
            {"tool_config": {"functionCallingConfig": {"mode": "NONE"}}},
            r"tool choice \(toolConfig\), but the cache holds none",
        ),
    ],
)
def test_call_that_differs_from_the_cache_fails_before_sending(
    known_cache: str, messages: list[Any], tools: Any, kwargs: dict[str, Any], match: str
) -> None:
    def other() -> str:
        """Another tool."""
        return ""

    model = ChatGemini(model="gemini-2.5-flash", api_key="k", cached_content=known_cache)
    model.http_client = httpx.Client(transport=httpx.MockTransport(lambda r: pytest.fail("sent")))
    runnable: Any = model.bind_tools([other]) if tools else model
    with pytest.raises(ValueError, match=match):
        runnable.invoke(messages, **kwargs)


def test_unknown_cache_refuses_instruction_and_tools() -> None:
    body: Any = {"contents": [], "cachedContent": "cachedContents/elsewhere", "systemInstruction": {"parts": []}}
    with pytest.raises(ValueError, match="what cachedContents/elsewhere holds is unknown to this process"):
        apply_cache(body, "gemini-2.5-flash")
    plain: Any = {"contents": [], "cachedContent": "cachedContents/elsewhere"}
    apply_cache(plain, "gemini-2.5-flash")
    assert plain == {"contents": [], "cachedContent": "cachedContents/elsewhere"}


def test_cache_of_another_model_fails_before_sending(known_cache: str) -> None:
    body: Any = {"contents": [], "cachedContent": known_cache}
    with pytest.raises(
        ValueError, match=r"was created for models/gemini-2\.5-flash; this call uses models/gemini-2\.5-pro"
    ):
        apply_cache(body, "gemini-2.5-pro")


def test_implicit_cache_hits_are_reported() -> None:
    """Implicit caching: no cachedContent in the request, but Google reports cached tokens (realwire records it)."""
    answer = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}],
        "usageMetadata": {
            "promptTokenCount": 5000,
            "cachedContentTokenCount": 4096,
            "candidatesTokenCount": 2,
            "totalTokenCount": 5002,
        },
    }
    model = ChatGemini(
        model="gemini-2.5-flash", api_key="k", http_client=httpx.Client(transport=scripted([answer], []))
    )
    usage = model.invoke("Hi").usage_metadata
    assert usage is not None
    assert usage["input_token_details"] == {"cache_read": 4096}
    assert usage["input_tokens"] == 5000
