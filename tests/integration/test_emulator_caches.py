"""The emulator's cachedContents: create / get / list / patch / delete, expiry, minimum sizes, and use in prompts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from langchain_gemini.testing import GeminiEmulator
from langchain_gemini.testing._models import min_cache_tokens
from tests.conformance.realwire import realwire_dir
from tests.integration.emulator_helpers import FLASH, generate, rejected

DOC = "The quick brown fox jumps over the lazy dog. " * 1000  # 45,000 characters: 11,250 emulator tokens
MISSING = "CachedContent not found (or permission denied)"


def cache_body(**extra: Any) -> dict[str, Any]:
    return {
        "model": f"models/{FLASH}",
        "contents": [{"role": "user", "parts": [{"text": DOC}]}],
        "systemInstruction": {"parts": [{"text": "Answer in one word."}]},
        **extra,
    }


def create(client: httpx.Client, **extra: Any) -> dict[str, Any]:
    response = client.post("/v1beta/cachedContents", json=cache_body(**extra))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def error_of(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["error"]["message"])


def seconds_left(resource: dict[str, Any]) -> float:
    expire = datetime.fromisoformat(resource["expireTime"].replace("Z", "+00:00"))
    return (expire - datetime.now(UTC)).total_seconds()


def test_create_returns_metadata_only(emu_client: httpx.Client) -> None:
    cache = create(emu_client, ttl="300s", displayName="handbook")
    assert cache["name"].startswith("cachedContents/")
    assert len(cache["name"]) == len("cachedContents/") + 40
    assert cache["model"] == f"models/{FLASH}"
    assert cache["displayName"] == "handbook"
    assert cache["usageMetadata"] == {"totalTokenCount": 11250 + 5}  # the document and the instruction
    assert 295 < seconds_left(cache) <= 300
    assert cache["createTime"] == cache["updateTime"]
    assert not {"contents", "systemInstruction", "tools", "ttl"} & cache.keys()  # input only


def test_default_ttl_is_one_hour(emu_client: httpx.Client) -> None:
    assert 3595 < seconds_left(create(emu_client)) <= 3600


def test_expire_time_sets_the_expiry(emu_client: httpx.Client) -> None:
    when = (datetime.now(UTC) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert create(emu_client, expireTime=when)["expireTime"] == when


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"ttl": "300s", "expireTime": "2099-01-01T00:00:00Z"}, "oneof field 'expiration' is already set"),
        ({"ttl": "300"}, "Illegal duration format"),
        ({"ttl": "-5s"}, "ttl must be positive."),
        ({"expireTime": "2001-01-01T00:00:00Z"}, "expire_time must be in the future."),
        ({"expireTime": "tomorrow"}, "Invalid time format"),
        ({"displayName": "x" * 129}, "at most 128 characters"),
        ({"color": "red"}, 'Unknown name "color"'),
        ({"name": "cachedContents/mine"}, "output only"),
        ({"model": "models/gemini-2.0-flash-lite"}, "not supported for createCachedContent"),
        ({"model": "models/nope"}, "models/nope is not found"),
    ],
)
def test_create_rejects(emu_client: httpx.Client, extra: dict[str, Any], message: str) -> None:
    status = 404 if "not" in message and "models/" in str(extra.get("model")) else 400
    assert message in error_of(emu_client.post("/v1beta/cachedContents", json=cache_body(**extra)), status)


def test_minimum_size_per_model(emu_client: httpx.Client) -> None:
    small: dict[str, Any] = {
        "model": f"models/{FLASH}",
        "contents": [{"role": "user", "parts": [{"text": "x" * 4 * 2000}]}],
    }
    message = error_of(emu_client.post("/v1beta/cachedContents", json=small), 400)
    assert message == "Cached content is too small. total_token_count=2000, min_total_token_count=2048"
    assert list(emu_client.get("/v1beta/cachedContents").json()) == []  # the refused cache was not kept
    small["contents"][0]["parts"][0]["text"] = "x" * 4 * 2048
    assert emu_client.post("/v1beta/cachedContents", json=small).status_code == 200
    small["model"] = "models/gemini-3-pro-preview"
    assert "min_total_token_count=4096" in error_of(emu_client.post("/v1beta/cachedContents", json=small), 400)


def test_minimum_table() -> None:
    assert [min_cache_tokens(m) for m in ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-3-pro-preview")] == [
        2048,
        2048,
        4096,
    ]
    assert min_cache_tokens("gemini-2.0-flash") == 4096
    # Gemini 4: "implicit caching applies automatically to shared prompt prefixes of 6,144 tokens or more"
    assert min_cache_tokens("gemini-4-argon") == 6144
    assert min_cache_tokens("gemini-4.2-flash") == 6144


def test_get_patch_delete(emu_client: httpx.Client) -> None:
    cache = create(emu_client, ttl="60s")
    path = f"/v1beta/{cache['name']}"
    assert emu_client.get(path).json() == cache
    patched = emu_client.patch(path, params={"updateMask": "ttl"}, json={"ttl": "7200s"}).json()
    assert 7195 < seconds_left(patched) <= 7200
    assert patched["updateTime"] > cache["updateTime"]
    assert patched["createTime"] == cache["createTime"]
    when = (datetime.now(UTC) + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # google-genai sends no updateMask: the fields present are the mask.
    assert emu_client.patch(path, json={"expireTime": when}).json()["expireTime"] == when
    bad = emu_client.patch(path, params={"updateMask": "displayName"}, json={"displayName": "x"})
    assert "only ttl and expire_time can be updated" in error_of(bad, 400)
    assert emu_client.delete(path).json() == {}
    assert error_of(emu_client.get(path), 403) == MISSING
    assert error_of(emu_client.delete(path), 403) == MISSING
    assert error_of(emu_client.patch(path, json={"ttl": "1s"}), 403) == MISSING


def test_list_pages_oldest_first(emu_client: httpx.Client) -> None:
    names = [create(emu_client)["name"] for _ in range(3)]
    first = emu_client.get("/v1beta/cachedContents", params={"pageSize": 2}).json()
    assert [c["name"] for c in first["cachedContents"]] == names[:2]
    second = emu_client.get(
        "/v1beta/cachedContents", params={"pageSize": 2, "pageToken": first["nextPageToken"]}
    ).json()
    assert [c["name"] for c in second["cachedContents"]] == names[2:]
    assert "nextPageToken" not in second
    assert "Invalid page token" in error_of(emu_client.get("/v1beta/cachedContents", params={"pageToken": "zz"}), 400)


def test_expired_caches_are_gone(emu: GeminiEmulator, emu_client: httpx.Client) -> None:
    short, long = create(emu_client, ttl="60s"), create(emu_client, ttl="600s")
    emu.advance_cache_clock(61)
    assert error_of(emu_client.get(f"/v1beta/{short['name']}"), 403) == MISSING
    listed = emu_client.get("/v1beta/cachedContents").json()["cachedContents"]
    assert [c["name"] for c in listed] == [long["name"]]
    question = {"cachedContent": short["name"], "contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}
    assert rejected(emu_client, question, status=403)["message"] == MISSING


def test_generate_with_cache_reports_cached_tokens(emu_client: httpx.Client) -> None:
    cache = create(emu_client)
    question = {"cachedContent": cache["name"], "contents": [{"role": "user", "parts": [{"text": "Who jumps?"}]}]}
    usage = generate(emu_client, question)["usageMetadata"]
    assert usage["cachedContentTokenCount"] == 11255
    assert usage["promptTokenCount"] == 11255 + 3  # the cached prefix is part of the prompt
    assert usage["cacheTokensDetails"] == [{"modality": "TEXT", "tokenCount": 11255}]
    assert usage["totalTokenCount"] == (
        usage["promptTokenCount"] + usage.get("candidatesTokenCount", 0) + usage.get("thoughtsTokenCount", 0)
    )
    stream = emu_client.post(f"/v1beta/models/{FLASH}:streamGenerateContent", params={"alt": "sse"}, json=question)
    events = [json.loads(line[6:]) for line in stream.text.splitlines() if line.startswith("data: ")]
    assert events[-1]["usageMetadata"]["cachedContentTokenCount"] == 11255


def test_cached_tools_reach_the_model(emu_client: httpx.Client) -> None:
    declaration = {
        "name": "lookup",
        "description": "Look up a word.",
        "parameters": {"type": "OBJECT", "properties": {"word": {"type": "STRING"}}},
    }
    cache = create(
        emu_client,
        tools=[{"functionDeclarations": [declaration]}],
        toolConfig={"functionCallingConfig": {"mode": "ANY"}},
    )
    question = {"cachedContent": cache["name"], "contents": [{"role": "user", "parts": [{"text": "Look it up"}]}]}
    parts = generate(emu_client, question)["candidates"][0]["content"]["parts"]
    assert [p["functionCall"]["name"] for p in parts if "functionCall" in p] == ["lookup"]


@pytest.mark.parametrize(
    "extra",
    [
        {"systemInstruction": {"parts": [{"text": "Be brief."}]}},
        {"tools": [{"googleSearch": {}}]},
        {"toolConfig": {"functionCallingConfig": {"mode": "NONE"}}},
        {"system_instruction": {"parts": [{"text": "Be brief."}]}},
    ],
)
def test_cache_with_instruction_or_tools_is_refused(emu_client: httpx.Client, extra: dict[str, Any]) -> None:
    cache = create(emu_client)
    question = {"cachedContent": cache["name"], "contents": [{"role": "user", "parts": [{"text": "Hi"}]}], **extra}
    assert rejected(emu_client, question)["message"] == (
        "Tool config, tools and system instruction should not be set in the request when using cached content."
    )


def test_cache_contents_are_validated(emu_client: httpx.Client) -> None:
    # What generateContent refuses, a cache refuses too: here a part with no data member.
    body = {**cache_body(), "contents": [{"role": "user", "parts": [{}]}]}
    response = emu_client.post("/v1beta/cachedContents", json=body)
    assert "required oneof field 'data' must have one initialized field" in error_of(response, 400)
    assert emu_client.get("/v1beta/cachedContents").json() == {}


def test_cache_of_another_model_is_refused(emu_client: httpx.Client) -> None:
    cache = create(emu_client)
    question = {"cachedContent": cache["name"], "contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}
    message = rejected(emu_client, question, model="gemini-2.5-pro")["message"]
    assert message == (
        "Model used by GenerateContent request (models/gemini-2.5-pro) and CachedContent "
        f"(models/{FLASH}) has to be the same."
    )


def test_recorded_cached_requests_are_accepted(emu_client: httpx.Client) -> None:
    """The requests Google answered in realwire's cached-content exchanges, against a cache of our own."""
    corpus = realwire_dir()
    if corpus is None:
        pytest.skip("realwire corpus not found (../shared/realwire or GEMINI_REALWIRE_DIR): nothing to replay")
    cases = sorted(corpus.glob("pydantic-ai-test_google_model_cached_content-*.json"))
    assert cases, f"the corpus at {corpus} has no cached-content exchanges"
    cache = create(emu_client)
    for case in cases:
        recorded = json.loads(case.read_text())
        body = {**recorded["request"], "cachedContent": cache["name"]}  # the recorded cache lives in Google's project
        answer = generate(emu_client, body)
        assert set(recorded["response"]["body"]["usageMetadata"]) - {"serviceTier"} <= set(answer["usageMetadata"])
