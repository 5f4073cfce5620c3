"""GeminiCaches and ChatGemini with a cache on the emulator's Vertex AI flavour, sync and async.

Authenticated as Vertex users are: a service-account key file through Application Default Credentials
(`vertex_params`). The emulator names caches with the project number, as Vertex does.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from langchain_gemini import (
    ChatGemini,
    GeminiBadRequestError,
    GeminiCaches,
    GeminiPermissionDeniedError,
)
from langchain_gemini.testing import GeminiEmulator
from langchain_gemini.testing._vertex_caches import project_number
from tests.integration.conftest import EMULATOR_KEY, VERTEX_LOCATION, VERTEX_PROJECT
from tests.integration.sync_async import call, listed

FLASH = "gemini-2.5-flash"
DOC = "The quick brown fox jumps over the lazy dog. " * 1000  # 11,250 emulator tokens
SYSTEM = "Answer from the document, in one sentence."
CACHED_TOKENS = 11250 + 11
PARENT = f"/v1beta1/projects/{VERTEX_PROJECT}/locations/{VERTEX_LOCATION}"
NUMBERED = f"projects/{project_number(VERTEX_PROJECT)}/locations/{VERTEX_LOCATION}"
CACHE_NAME = re.compile(rf"{NUMBERED}/cachedContents/[a-z0-9]{{40}}")


@pytest.fixture
def model(vertex_params: dict[str, Any]) -> Iterator[ChatGemini]:
    with ChatGemini(model=FLASH, **vertex_params) as chat:
        yield chat


def test_cache_lifecycle_on_vertex(sync: bool, model: ChatGemini, emulator: GeminiEmulator) -> None:
    caches = GeminiCaches.from_model(model)
    cache = call(sync, caches, "create", [SystemMessage(SYSTEM), HumanMessage(DOC)], ttl=600, display_name="doc")
    assert CACHE_NAME.fullmatch(cache.name)
    assert cache.model == f"{NUMBERED}/publishers/google/models/{FLASH}"
    assert cache.token_count == CACHED_TOKENS
    assert cache.expires_at is not None
    assert timedelta(seconds=595) < cache.expires_at - datetime.now(UTC) <= timedelta(seconds=600)
    sent = emulator.requests[-1]
    assert (sent.method, sent.path) == ("POST", f"{PARENT}/cachedContents")
    assert sent.headers["authorization"].startswith("Bearer ")
    assert "x-goog-api-key" not in sent.headers
    assert sent.json == {
        "model": f"projects/{VERTEX_PROJECT}/locations/{VERTEX_LOCATION}/publishers/google/models/{FLASH}",
        "contents": [{"role": "user", "parts": [{"text": DOC}]}],
        "systemInstruction": {"parts": [{"text": SYSTEM}]},
        "displayName": "doc",
        "ttl": "600s",
    }

    assert call(sync, caches, "get", cache) == cache
    assert emulator.requests[-1].path == f"/v1beta1/{cache.name}"
    short_id = cache.name.rsplit("/", 1)[-1]
    assert call(sync, caches, "get", short_id).name == cache.name  # expanded with the project id: same cache
    assert emulator.requests[-1].path == f"{PARENT}/cachedContents/{short_id}"

    updated = call(sync, caches, "update", cache, ttl=7200)
    assert updated.name == cache.name
    assert updated.expires_at is not None
    assert updated.expires_at - datetime.now(UTC) > timedelta(seconds=7100)
    patch = emulator.requests[-1]
    assert (patch.method, patch.query, patch.json) == ("PATCH", {"updateMask": "ttl"}, {"ttl": "7200s"})

    other = call(sync, caches, "create", [HumanMessage(DOC)])
    assert [c.name for c in listed(sync, caches, page_size=1)] == [cache.name, other.name]
    first, second = emulator.requests[-2:]
    assert (first.path, first.query) == (f"{PARENT}/cachedContents", {"pageSize": "1"})
    assert (second.path, set(second.query)) == (f"{PARENT}/cachedContents", {"pageSize", "pageToken"})

    call(sync, caches, "delete", cache)
    assert (emulator.requests[-1].method, emulator.requests[-1].path) == ("DELETE", f"/v1beta1/{cache.name}")
    with pytest.raises(GeminiPermissionDeniedError, match="CachedContent not found"):
        call(sync, caches, "get", cache)
    call(sync, caches, "delete", other)
    assert listed(sync, caches) == []


def test_with_cache_then_invoke_and_stream_send_only_the_user_turn(
    sync: bool, model: ChatGemini, emulator: GeminiEmulator
) -> None:
    bound = call(sync, model, "with_cache", [SystemMessage(SYSTEM), HumanMessage(DOC)], ttl=300)
    assert CACHE_NAME.fullmatch(bound.cached_content)
    answer = call(sync, bound, "invoke", "What does the fox do?")
    assert answer.usage_metadata["input_token_details"]["cache_read"] == CACHED_TOKENS
    sent = emulator.requests[-1]
    assert sent.path == f"{PARENT}/publishers/google/models/{FLASH}:generateContent"
    assert sent.json["cachedContent"] == bound.cached_content
    assert sent.json["contents"] == [{"role": "user", "parts": [{"text": "What does the fox do?"}]}]
    assert set(sent.json) == {"contents", "cachedContent"}  # no system instruction: the cache holds it

    if sync:
        chunks = list(bound.stream("And the dog?"))
    else:

        async def collect() -> list[Any]:
            return [chunk async for chunk in bound.astream("And the dog?")]

        chunks = asyncio.run(collect())
    last = chunks[-1]
    assert last.usage_metadata["input_token_details"]["cache_read"] == CACHED_TOKENS
    streamed = emulator.requests[-1]
    assert streamed.path == f"{PARENT}/publishers/google/models/{FLASH}:streamGenerateContent"
    assert set(streamed.json) == {"contents", "cachedContent"}
    with pytest.raises(ValueError, match="system message differs from the cache's"):
        call(sync, bound, "invoke", [SystemMessage("Be verbose."), HumanMessage("q")])
    assert emulator.requests[-1] is streamed  # refused before sending
    GeminiCaches.from_model(model).delete(bound.cached_content)


def test_a_cache_named_by_project_id_is_known_as_the_one_named_by_number(model: ChatGemini) -> None:
    # Vertex AI names the cache's project by number; a call may name it by id (a short id is completed so).
    cache = GeminiCaches.from_model(model).create([SystemMessage("Answer in one word."), HumanMessage(DOC)])
    assert cache.name.startswith(f"{NUMBERED}/cachedContents/")
    short_id = cache.name.rpartition("/")[2]
    by_id = f"projects/{VERTEX_PROJECT}/locations/{VERTEX_LOCATION}/cachedContents/{short_id}"
    for name in (by_id, short_id):
        with pytest.raises(ValueError, match="system message differs from the cache's"):
            model.invoke([SystemMessage("Be verbose."), HumanMessage("q")], cached_content=name)
    GeminiCaches.from_model(model).delete(short_id)


def test_the_vertex_emulator_refuses_what_vertex_refuses(model: ChatGemini, emulator: GeminiEmulator) -> None:
    caches = GeminiCaches.from_model(model)
    with pytest.raises(GeminiBadRequestError, match="at least 60 seconds"):
        caches.create([HumanMessage(DOC)], ttl=30)  # "Minimum time before a cache expires ...: 1 minute"
    with pytest.raises(GeminiBadRequestError, match="min_total_token_count=2048"):
        caches.create([HumanMessage("too short " * 100)])
    cache = caches.create([HumanMessage(DOC)])
    # Another project's cache (its full name) reads as missing, before any generation.
    elsewhere = cache.name.replace(project_number(VERTEX_PROJECT), project_number("another-project"))
    with pytest.raises(GeminiPermissionDeniedError, match="CachedContent not found"):
        model.invoke("hi", cached_content=elsewhere)
    caches.delete(cache)


def test_raw_vertex_cache_routes_need_a_bearer_token(emulator: GeminiEmulator) -> None:
    url = f"{emulator.base_url}{PARENT}/cachedContents"
    with httpx.Client() as http:
        keyed = http.get(url, headers={"x-goog-api-key": EMULATOR_KEY})
        anonymous = http.get(url)
    assert keyed.status_code == anonymous.status_code == 401
    assert keyed.json()["error"]["message"].startswith("API keys are not supported by this API")
    assert anonymous.json()["error"]["details"][0]["metadata"]["method"] == (
        "google.cloud.aiplatform.v1beta1.GenAiCacheService.ListCachedContents"
    )


def test_express_mode_refuses_caches(emulator: GeminiEmulator) -> None:
    with pytest.raises(ValueError, match="express mode"):
        GeminiCaches(vertexai=True, api_key=EMULATOR_KEY, base_url=emulator.base_url)
    with ChatGemini(model=FLASH, vertexai=True, api_key=EMULATOR_KEY, base_url=emulator.base_url) as express:
        with pytest.raises(ValueError, match="express mode"):
            express.invoke("hi", cached_content="cachedContents/abc")
    assert emulator.requests == []
