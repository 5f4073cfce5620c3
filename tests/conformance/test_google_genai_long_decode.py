"""google-genai's automatic continuation (long decode, `_extra_utils`) against the emulator's Gemini 4 Argon.

The SDK resends the request with each `continuation_token` until the answer ends, merging the hops into one
response (`merge_continuation_responses`) or one stream (`StreamContinuation`); the emulator must answer every hop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from google import genai
from google.genai import types

from langchain_gemini.testing import Fault, GeminiEmulator
from langchain_gemini.testing._state import DEFAULT_STREAM_EVENTS
from tests.conformance.conftest import KEY

ARGON = "gemini-4-argon"
PROMPT = "Write the long report. [emulator:long-answer:70000]"
WHOLE = "".join(f"{number:07d} " for number in range(1, 35_001))  # 70,000 tokens of 4 characters


@pytest.fixture
def sdk(gemini: GeminiEmulator) -> Iterator[genai.Client]:
    gemini.reset()
    options = types.HttpOptions(base_url=gemini.base_url, api_version="v1beta")
    with genai.Client(api_key=KEY, http_options=options) as client:
        yield client


def hops(gemini: GeminiEmulator, action: str) -> list[str | None]:
    return [r.json.get("continuationToken") for r in gemini.requests if r.action == action]


def test_generate_follows_every_token(sdk: genai.Client, gemini: GeminiEmulator) -> None:
    response = sdk.models.generate_content(model=ARGON, contents=PROMPT)
    assert response.text == WHOLE
    assert response.candidates is not None
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    assert response.candidates[0].continuation_token is None
    usage = response.usage_metadata
    assert usage is not None
    assert usage.candidates_token_count == 70_000  # summed over the three hops
    assert usage.prompt_token_count == 3 * 13  # each hop is a request that reads the prompt
    tokens = hops(gemini, "generateContent")
    assert len(tokens) == 3
    assert tokens[0] is None
    assert all(tokens[1:])


def test_generate_async_follows_every_token(sdk: genai.Client, gemini: GeminiEmulator) -> None:
    async def go() -> types.GenerateContentResponse:
        try:
            return await sdk.aio.models.generate_content(model=ARGON, contents=PROMPT)
        finally:
            await sdk.aio.aclose()

    response = asyncio.run(go())
    assert response.text == WHOLE
    assert len(hops(gemini, "generateContent")) == 3


def test_stream_goes_on_across_hops(sdk: genai.Client, gemini: GeminiEmulator) -> None:
    chunks = list(sdk.models.generate_content_stream(model=ARGON, contents=PROMPT))
    assert "".join(chunk.text or "" for chunk in chunks) == WHOLE
    reasons = [c.candidates[0].finish_reason for c in chunks if c.candidates and c.candidates[0].finish_reason]
    assert reasons == [types.FinishReason.STOP]  # the SDK clears the intermediate CONTINUATION
    last = chunks[-1].usage_metadata
    assert last is not None
    assert last.candidates_token_count == 70_000
    assert len(hops(gemini, "streamGenerateContent")) == 2  # 65,536 tokens, then the rest


def test_stream_async_goes_on_across_hops(sdk: genai.Client, gemini: GeminiEmulator) -> None:
    async def go() -> str:
        try:
            stream = await sdk.aio.models.generate_content_stream(model=ARGON, contents=PROMPT)
            return "".join([chunk.text or "" async for chunk in stream])
        finally:
            await sdk.aio.aclose()

    assert asyncio.run(go()) == WHOLE
    assert len(hops(gemini, "streamGenerateContent")) == 2


def test_automatic_continuation_off_returns_the_first_hop(sdk: genai.Client, gemini: GeminiEmulator) -> None:
    config = types.GenerateContentConfig(automatic_continuation=False)
    first = sdk.models.generate_content(model=ARGON, contents=PROMPT, config=config)
    assert first.candidates is not None
    candidate = first.candidates[0]
    assert candidate.finish_reason == types.FinishReason.CONTINUATION
    assert candidate.continuation_token
    assert first.text == WHOLE[: 4 * 32_768]
    resumed = types.GenerateContentConfig(automatic_continuation=False, continuation_token=candidate.continuation_token)
    second = sdk.models.generate_content(model=ARGON, contents=PROMPT, config=resumed)
    assert second.text == WHOLE[4 * 32_768 : 4 * 65_536]
    assert len(hops(gemini, "generateContent")) == 2


@pytest.mark.parametrize("kind", ["truncate_stream", "mid_stream_error"])
def test_stream_cut_mid_hop_resumes_from_the_checkpoint(sdk: genai.Client, gemini: GeminiEmulator, kind: str) -> None:
    # Eight events of 8,192 tokens a hop: every event but the last carries a checkpoint; the first hop is cut after
    # its third event (24,576 tokens), without a finish reason, and google-genai resumes from that event's token
    gemini.configure(stream_events=8)
    gemini.inject(Fault(kind=kind, after_events=3, status=503))
    try:
        chunks = list(sdk.models.generate_content_stream(model=ARGON, contents=PROMPT))
    finally:  # the session emulator's reset keeps its configuration: the other tests expect the default split
        gemini.configure(stream_events=DEFAULT_STREAM_EVENTS)
    assert "".join(chunk.text or "" for chunk in chunks) == WHOLE  # the whole answer, once
    tokens = hops(gemini, "streamGenerateContent")
    assert len(tokens) == 2  # the cut hop, then the rest (45,424 tokens) resumed from its third event's checkpoint
    assert tokens[0] is None
    assert tokens[1]
    last = chunks[-1].usage_metadata
    assert last is not None
    assert last.candidates_token_count == 70_000  # summed over hops: the cut hop counted up to its checkpoint
