"""GeminiCaches and ChatGemini with a cache, end to end against the emulator, sync and async."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from langchain_gemini import (
    ChatGemini,
    GeminiBadRequestError,
    GeminiCaches,
    GeminiPermissionDeniedError,
)
from langchain_gemini.testing import GeminiEmulator
from tests.integration.conftest import EMULATOR_KEY
from tests.integration.sync_async import call, listed

DOC = "The quick brown fox jumps over the lazy dog. " * 1000  # 11,250 emulator tokens
SYSTEM = "Answer from the document, in one sentence."
CACHED_TOKENS = 11250 + 11  # the document and the system instruction (42 characters)


def get_weather(city: str) -> str:
    """Weather in a city."""
    return f"Sunny in {city}"


@pytest.fixture
def model(emulator: GeminiEmulator) -> Iterator[ChatGemini]:
    with ChatGemini(model="gemini-2.5-flash", base_url=emulator.base_url, api_key=EMULATOR_KEY) as chat:
        yield chat


def test_cache_lifecycle(sync: bool, model: ChatGemini, emulator: GeminiEmulator) -> None:
    caches = GeminiCaches.from_model(model)
    cache = call(sync, caches, "create", [SystemMessage(SYSTEM), HumanMessage(DOC)], ttl=600, display_name="doc")
    assert cache.model == "models/gemini-2.5-flash"
    assert cache.token_count == CACHED_TOKENS
    assert cache.usage_metadata == {"totalTokenCount": CACHED_TOKENS}
    assert cache.display_name == "doc"
    assert cache.expires_at is not None
    assert timedelta(seconds=595) < cache.expires_at - datetime.now(UTC) <= timedelta(seconds=600)
    assert cache.system_instruction == {"parts": [{"text": SYSTEM}]}
    sent = emulator.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/v1beta/cachedContents")
    assert sent.json == {
        "model": "models/gemini-2.5-flash",
        "contents": [{"role": "user", "parts": [{"text": DOC}]}],
        "systemInstruction": {"parts": [{"text": SYSTEM}]},
        "displayName": "doc",
        "ttl": "600s",
    }

    fetched = call(sync, caches, "get", cache.name)
    assert fetched == cache  # what it holds is remembered; the API returns metadata only

    second = call(sync, caches, "create", [HumanMessage(DOC)])
    assert [c.name for c in listed(sync, caches, page_size=1)] == [cache.name, second.name]
    assert [r.query.get("pageToken") is not None for r in emulator.requests[-2:]] == [False, True]

    when = datetime.now(UTC) + timedelta(hours=3)
    updated = call(sync, caches, "update", cache, expire_time=when)
    assert updated.expires_at == when.replace(microsecond=updated.expires_at.microsecond)
    assert emulator.requests[-1].query == {"updateMask": "expireTime"}
    updated = call(sync, caches, "update", cache.name, ttl=timedelta(minutes=1))
    assert updated.expires_at is not None
    assert updated.expires_at - datetime.now(UTC) <= timedelta(seconds=60)

    call(sync, caches, "delete", cache)
    with pytest.raises(GeminiPermissionDeniedError, match="CachedContent not found"):
        call(sync, caches, "get", cache)
    assert [c.name for c in listed(sync, caches)] == [second.name]


def test_too_small_a_cache_is_refused(sync: bool, model: ChatGemini) -> None:
    caches = GeminiCaches.from_model(model)
    with pytest.raises(GeminiBadRequestError, match="min_total_token_count=2048"):
        call(sync, caches, "create", [HumanMessage("short")])


def test_expired_cache_is_gone(model: ChatGemini, emulator: GeminiEmulator) -> None:
    cached = model.with_cache([HumanMessage(DOC)], ttl=30)
    emulator.advance_cache_clock(31)
    with pytest.raises(GeminiPermissionDeniedError):
        cached.invoke("Who jumps?")


def test_with_cache_sends_only_what_the_cache_does_not_hold(
    sync: bool, model: ChatGemini, emulator: GeminiEmulator
) -> None:
    messages = [SystemMessage(SYSTEM), HumanMessage(DOC)]
    if sync:
        cached = model.with_cache(messages, tools=[get_weather], ttl=600)
    else:
        cached = asyncio.run(model.awith_cache(messages, tools=[get_weather], ttl=600))
    assert cached.cached_content is not None
    assert model.cached_content is None  # the original is untouched
    create = emulator.requests[-1].json
    assert create["tools"][0]["functionDeclarations"][0]["name"] == "get_weather"

    # An agent binds its tools and repeats its system prompt on every call: both are left out.
    agent = cached.bind_tools([get_weather])
    question = [SystemMessage(SYSTEM), HumanMessage("Who jumps?")]
    answer = agent.invoke(question) if sync else asyncio.run(agent.ainvoke(question))
    assert emulator.requests[-1].json == {
        "contents": [{"role": "user", "parts": [{"text": "Who jumps?"}]}],
        "cachedContent": cached.cached_content,
    }
    assert isinstance(answer, AIMessage)
    usage = answer.usage_metadata
    assert usage is not None
    held = GeminiCaches.from_model(model).get(cached.cached_content)
    assert held.token_count is not None
    assert held.token_count > CACHED_TOKENS  # the tool declaration is cached too
    assert usage["input_token_details"]["cache_read"] == held.token_count
    assert usage["input_tokens"] > usage["input_token_details"]["cache_read"]


def test_streams_report_cache_reads(sync: bool, model: ChatGemini, emulator: GeminiEmulator) -> None:
    cached = model.with_cache([SystemMessage(SYSTEM), HumanMessage(DOC)])
    if sync:
        chunks = list(cached.stream("Who jumps?"))
    else:

        async def collect() -> list[Any]:
            return [chunk async for chunk in cached.astream("Who jumps?")]

        chunks = asyncio.run(collect())
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert merged.usage_metadata is not None
    assert merged.usage_metadata["input_token_details"]["cache_read"] == CACHED_TOKENS
    assert emulator.requests[-1].json["cachedContent"] == cached.cached_content


def test_call_that_differs_from_the_cache_sends_nothing(model: ChatGemini, emulator: GeminiEmulator) -> None:
    cached = model.with_cache([SystemMessage(SYSTEM), HumanMessage(DOC)])
    before = len(emulator.requests)
    with pytest.raises(ValueError, match="system message differs from the cache's"):
        cached.invoke([SystemMessage("Be verbose."), HumanMessage("Who jumps?")])
    with pytest.raises(ValueError, match="has a tools, but the cache holds none"):
        cached.bind_tools([get_weather]).invoke("Who jumps?")
    assert len(emulator.requests) == before


def test_cache_made_elsewhere_works_by_name(model: ChatGemini, emulator: GeminiEmulator) -> None:
    """A cache created by another process: usable by name; without a system message or tools it is sent as is."""
    name = GeminiCaches.from_model(model).create([SystemMessage(SYSTEM), HumanMessage(DOC)]).name
    from langchain_gemini._caching import forget

    forget(name)  # as if another process had created it
    answer = model.invoke("Who jumps?", cached_content=name)
    assert answer.usage_metadata is not None
    assert answer.usage_metadata["input_token_details"]["cache_read"] == CACHED_TOKENS
    with pytest.raises(ValueError, match="unknown to this process"):
        model.invoke([SystemMessage(SYSTEM), HumanMessage("Who jumps?")], cached_content=name)


def test_own_and_borrowed_connections(model: ChatGemini, emulator: GeminiEmulator) -> None:
    with GeminiCaches(base_url=emulator.base_url, api_key=EMULATOR_KEY, model="gemini-2.5-flash") as own:
        own.create([HumanMessage(DOC)])
        assert own._gemini_client is not None
    borrowed = GeminiCaches.from_model(model)
    borrowed.create([HumanMessage(DOC)])
    borrowed.close()  # leaves the model's connections alone
    assert model.invoke("Hi").content
    model.close()
    assert len(list(borrowed.list())) == 2  # goes on through the model's new connections
    del borrowed
    gc.collect()
