"""Long answers end to end: the emulator is scripted (public `enqueue` API) to answer in CONTINUATION hops."""

from __future__ import annotations

from typing import Any

from langchain_gemini import ChatGemini
from langchain_gemini.testing import GeminiEmulator
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
