"""Long answers end to end: the emulator is scripted (public `enqueue` API) to answer in CONTINUATION hops."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from langchain_gemini import ChatGemini
from langchain_gemini.errors import GeminiBadRequestError, GeminiStreamError
from langchain_gemini.testing import Fault, GeminiEmulator
from tests.integration.conftest import EMULATOR_KEY


def make(emulator: GeminiEmulator) -> ChatGemini:
    return ChatGemini(model="gemini-2.5-flash", api_key=EMULATOR_KEY, base_url=emulator.base_url)


def hop(text: str, token: str | None) -> dict[str, Any]:
    candidate: dict[str, Any] = {
        "content": {"role": "model", "parts": [{"text": text}]},
        "finishReason": "CONTINUATION" if token else "STOP",
        "index": 0,
    }
    if token:
        candidate["continuationToken"] = token
    usage = {"promptTokenCount": 6, "candidatesTokenCount": 3, "totalTokenCount": 9}
    return {"candidates": [candidate], "usageMetadata": usage, "modelVersion": "gemini-2.5-flash"}


def test_invoke_returns_the_whole_answer(emulator: GeminiEmulator) -> None:
    for answer in (hop("Chapter 1. ", "c1"), hop("Chapter 2. ", "c2"), hop("The end.", None)):
        emulator.enqueue(answer, method="generateContent")
    message = make(emulator).invoke("Write a long book.")
    assert message.text == "Chapter 1. Chapter 2. The end."
    assert message.usage_metadata is not None
    assert message.usage_metadata["total_tokens"] == 27
    sent = [request.json for request in emulator.requests if request.action == "generateContent"]
    assert [body.get("continuationToken") for body in sent] == [None, "c1", "c2"]
    assert all(body["contents"] == sent[0]["contents"] for body in sent)


def test_stream_goes_on_across_requests(emulator: GeminiEmulator) -> None:
    # Events as a list are sent as given (the emulator's own splitting keeps only the fields it models).
    first = hop("upon ", "s1")
    emulator.enqueue([{"candidates": [{"content": {"role": "model", "parts": [{"text": "Once "}]}}]}, first])
    emulator.enqueue([hop("a time.", None)])
    chunks = list(make(emulator).stream("Tell a story."))
    assert "".join(chunk.text for chunk in chunks) == "Once upon a time."
    assert sum(1 for chunk in chunks if chunk.chunk_position == "last") == 1
    last = chunks[-1]
    assert last.usage_metadata is not None
    assert last.usage_metadata["total_tokens"] == 18
    sent = [request.json for request in emulator.requests if request.action == "streamGenerateContent"]
    assert [body.get("continuationToken") for body in sent] == [None, "s1"]


# Real hops: the emulator's Gemini 4 Argon answers `[emulator:long-answer:N]` by long decode (32,768 answer tokens a
# request, 65,536 when streamed), so the client's continuation runs against tokens it cannot predict.
ARGON = "gemini-4-argon"
LONG_PROMPT = "Report [emulator:long-answer:70000]"  # 35 characters: 9 prompt tokens a request
WHOLE = "".join(f"{number:07d} " for number in range(1, 35_001))  # 70,000 tokens of 4 characters


def argon(emulator: GeminiEmulator, **extra: Any) -> ChatGemini:
    return ChatGemini(model=ARGON, api_key=EMULATOR_KEY, base_url=emulator.base_url, **extra)


def sent_tokens(emulator: GeminiEmulator, action: str) -> list[str | None]:
    return [request.json.get("continuationToken") for request in emulator.requests if request.action == action]


def test_invoke_follows_the_emulators_long_decode(emulator: GeminiEmulator) -> None:
    message = argon(emulator).invoke(LONG_PROMPT)
    assert message.text == WHOLE
    tokens = sent_tokens(emulator, "generateContent")
    assert len(tokens) == 3  # 32,768 + 32,768 + 4,464
    assert tokens[0] is None
    assert tokens[1] != tokens[2]
    metadata = message.response_metadata
    assert metadata["finish_reason"] == "STOP"
    assert metadata["model_name"] == ARGON
    assert metadata["continuation_token"] == tokens[2]  # docs/chat.md: the last token stays
    usage = message.usage_metadata
    assert usage is not None
    reasoning = usage["output_token_details"]["reasoning"]
    assert reasoning > 0  # thoughts come with the first hop only, counted once
    assert usage["input_tokens"] == 3 * 9
    assert usage["output_tokens"] == 70_000 + reasoning
    assert usage["total_tokens"] == 3 * 9 + 70_000 + reasoning


async def test_ainvoke_follows_the_emulators_long_decode(emulator: GeminiEmulator) -> None:
    message = await argon(emulator).ainvoke(LONG_PROMPT)
    assert message.text == WHOLE
    assert len(sent_tokens(emulator, "generateContent")) == 3


def test_stream_follows_the_emulators_long_decode(emulator: GeminiEmulator) -> None:
    chunks = list(argon(emulator).stream(LONG_PROMPT))
    assert "".join(chunk.text for chunk in chunks) == WHOLE
    assert [chunk.chunk_position for chunk in chunks].count("last") == 1
    assert chunks[-1].chunk_position == "last"
    tokens = sent_tokens(emulator, "streamGenerateContent")
    assert len(tokens) == 2  # 65,536 + 4,464
    assert tokens[0] is None
    last = chunks[-1]
    assert last.response_metadata["finish_reason"] == "STOP"
    assert last.response_metadata["continuation_token"] == tokens[1]
    usage = last.usage_metadata
    assert usage is not None
    reasoning = usage["output_token_details"]["reasoning"]
    assert usage["input_tokens"] == 2 * 9
    assert usage["output_tokens"] == 70_000 + reasoning


def test_without_continuations_the_partial_answer_resumes_by_token(emulator: GeminiEmulator) -> None:
    model = argon(emulator, max_continuations=0)
    first = model.invoke(LONG_PROMPT)
    assert first.response_metadata["finish_reason"] == "CONTINUATION"
    assert first.text == WHOLE[: 4 * 32_768]
    token = first.response_metadata["continuation_token"]
    second = model.invoke(LONG_PROMPT, continuation_token=token)
    assert second.text == WHOLE[4 * 32_768 : 4 * 65_536]
    assert sent_tokens(emulator, "generateContent") == [None, token]


# A stream hop broken part way: the client resumes from the latest checkpoint (`_continuation.ContinuedStream.broken`).


def collect(chat: ChatGemini, sync: bool) -> list[Any]:
    if sync:
        return list(chat.stream(LONG_PROMPT))

    async def go() -> list[Any]:
        return [chunk async for chunk in chat.astream(LONG_PROMPT)]

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("kind", "events", "after"),
    [
        ("truncate_stream", 8, 3),  # cut right after a checkpoint (8,192 tokens an event)
        ("mid_stream_error", 8, 3),
        ("truncate_stream", 12, 4),  # cut one event past the checkpoint of event 3: that text comes again, dropped
    ],
)
def test_stream_cut_mid_hop_resumes_from_its_checkpoint(
    emulator: GeminiEmulator, sync: bool, kind: Any, events: int, after: int
) -> None:
    emulator.configure(stream_events=events)
    emulator.inject(Fault(kind=kind, after_events=after))
    chunks = collect(argon(emulator, max_retries=0), sync)
    assert "".join(chunk.text for chunk in chunks) == WHOLE  # the whole answer, once
    tokens = sent_tokens(emulator, "streamGenerateContent")
    assert len(tokens) == 2  # the cut hop, then the rest from its checkpoint
    assert tokens[0] is None
    assert tokens[1]
    last = chunks[-1]
    assert last.usage_metadata is not None
    assert last.usage_metadata["output_tokens"] >= 70_000  # two hops' output summed (the re-sent text counts twice)
    assert last.response_metadata["finish_reason"] == "STOP"


def test_a_cut_before_any_checkpoint_after_content_raises(emulator: GeminiEmulator, sync: bool) -> None:
    emulator.configure(stream_events=12)  # 5,461 tokens an event: the first event carries no checkpoint
    emulator.inject(Fault(kind="truncate_stream", after_events=1))
    with pytest.raises(GeminiStreamError):
        collect(argon(emulator, max_retries=0), sync)
    assert len(sent_tokens(emulator, "streamGenerateContent")) == 1  # content came, no checkpoint: not resumed


def test_an_error_before_any_event_is_raised_at_once(emulator: GeminiEmulator, sync: bool) -> None:
    emulator.inject(Fault(kind="status", status=400, method="streamGenerateContent"))
    with pytest.raises(GeminiBadRequestError):
        collect(argon(emulator, max_retries=0), sync)
    assert len(sent_tokens(emulator, "streamGenerateContent")) == 1
