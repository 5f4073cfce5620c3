"""The plain-text chunk fast path (`_text_chunks`): the same objects the constructors build, and streams that sum to
exactly what `invoke` returns, with and without it."""

from __future__ import annotations

import asyncio
import copy
import pickle
from typing import Any

import pytest
from langchain_core.load import dumpd, load
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import BaseModel

from langchain_gemini import _text_chunks
from langchain_gemini._replay import FUNCTION_CALL_SIGNATURES_KEY
from langchain_gemini._text_chunks import text_chunk
from tests.unit.fake_gemini import FakeGemini

SIG_TEXT = "c2lnLXRleHQ="
SIG_CALL = "c2lnLWNhbGwtMQ=="


def _state(model: BaseModel) -> tuple[Any, ...]:
    """Everything pydantic keeps on an instance, `__dict__` in its order."""
    return (
        type(model),
        list(model.__dict__.items()),
        model.__pydantic_fields_set__,
        model.__pydantic_extra__,
        model.__pydantic_private__,
    )


@pytest.mark.parametrize(("text", "response_id"), [("Hel", "r-1"), ("é ∑ \u2028 😀\n", None), (" ", "")])
def test_a_text_chunk_is_the_constructors_chunk_field_for_field(text: str, response_id: str | None) -> None:
    expected = ChatGenerationChunk(message=AIMessageChunk(content=text, id=response_id))
    chunk = text_chunk(text, response_id)
    assert _state(chunk) == _state(expected)
    assert _state(chunk.message) == _state(expected.message)
    assert repr(chunk) == repr(expected)
    assert chunk.model_dump() == expected.model_dump()
    assert dumpd(chunk.message) == dumpd(expected.message)
    assert chunk.text == chunk.message.text == text


def test_text_chunks_share_no_mutable_state() -> None:
    first, second = text_chunk("a", "r"), text_chunk("b", "r")
    first.message.additional_kwargs["x"] = 1
    first.message.response_metadata["y"] = 2
    first.message.tool_call_chunks.append({"name": "f", "args": "{}", "id": "1", "index": 0, "type": "tool_call_chunk"})
    first.message.__pydantic_fields_set__.add("name")
    assert second.message.additional_kwargs == second.message.response_metadata == {}
    assert second.message.tool_call_chunks == []
    assert "name" not in second.message.model_fields_set
    assert _state(text_chunk("a", "r").message) == _state(AIMessageChunk(content="a", id="r"))


def test_text_chunks_copy_pickle_load_and_add_like_constructed_ones() -> None:
    chunk, expected = text_chunk("Hel", "r"), ChatGenerationChunk(message=AIMessageChunk(content="Hel", id="r"))
    assert _state(copy.deepcopy(chunk).message) == _state(expected.message)
    assert _state(pickle.loads(pickle.dumps(chunk)).message) == _state(expected.message)
    assert load(dumpd(chunk.message), allowed_objects="messages") == expected.message
    summed = chunk + text_chunk("lo", "r")
    assert _state(summed.message) == _state(
        (expected + ChatGenerationChunk(message=AIMessageChunk("lo", id="r"))).message
    )
    chunk.message.response_metadata = {"model_provider": "google_genai"}  # as BaseChatModel.stream assigns it
    assert chunk.message.response_metadata == {"model_provider": "google_genai"}


def test_classes_the_copy_cannot_reproduce_fall_back_to_the_constructors(monkeypatch: pytest.MonkeyPatch) -> None:
    class WithDefaults(AIMessageChunk):
        tags: list[str] = ["kept"]  # noqa: RUF012  # a non-empty default: not a plain field value

    monkeypatch.setattr(_text_chunks, "AIMessageChunk", WithDefaults)
    _text_chunks._template.cache_clear()
    try:
        assert _text_chunks._template() is None
        chunk = text_chunk("a", "r")
        assert type(chunk.message) is WithDefaults
        assert chunk.message.tags == ["kept"]  # type: ignore[attr-defined]
        assert _state(chunk.message) == _state(WithDefaults(content="a", id="r"))
    finally:
        monkeypatch.undo()
        _text_chunks._template.cache_clear()
    assert _text_chunks._template() is not None


# -- whole streams ---------------------------------------------------------------------------------------------------


def _event(parts: list[dict[str, Any]], *, tokens: int, finish: str | None = None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    usage = {"promptTokenCount": 7, "candidatesTokenCount": tokens, "thoughtsTokenCount": 11}
    usage["totalTokenCount"] = 18 + tokens
    return {
        "candidates": [candidate],
        "usageMetadata": usage,
        "modelVersion": "gemini-2.5-flash-002",
        "responseId": "r7",
    }


# Streams whose first events are plain answer text (the fast path), then what may follow it in real answers; and one
# that starts with thoughts, so every chunk holds blocks. (Consecutive unsigned text blocks merge into one block in a
# stream but stay one block per part in a whole answer, so each such run of text here is one event.)
STREAMS: dict[str, list[dict[str, Any]]] = {
    "plain text": [
        _event([{"text": "Hel"}], tokens=1),
        _event([{"text": "lo, "}, {"text": "wor"}], tokens=3),
        _event([{"text": "ld\u2028!\n"}], tokens=4, finish="STOP"),
    ],
    "text then a signed call": [
        _event([{"text": "Let me "}], tokens=1),
        _event([{"text": "check."}], tokens=2),
        _event(
            [
                {
                    "functionCall": {"name": "get_weather", "args": {"city": "Paris"}, "id": "c1"},
                    "thoughtSignature": SIG_CALL,
                }
            ],
            tokens=5,
        ),
        _event([{"functionCall": {"name": "get_time", "args": {}, "id": "c2"}}], tokens=6, finish="STOP"),
    ],
    "thoughts first": [
        _event([{"text": "Thinking", "thought": True}], tokens=0),
        _event([{"text": "Hel", "thoughtSignature": SIG_TEXT}], tokens=1),
        _event([{"text": "lo there"}], tokens=3, finish="STOP"),
    ],
    "text, then metadata only": [
        _event([{"text": "Hi"}], tokens=1),
        _event([], tokens=1, finish="MAX_TOKENS"),
    ],
}


def _answer(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The generateContent answer the stream is a split of: every part in order, the last event's metadata."""
    parts = [part for event in events for part in event["candidates"][0]["content"]["parts"]]
    last = events[-1]
    return {**last, "candidates": [{**last["candidates"][0], "content": {"role": "model", "parts": parts}}]}


def _without_index(content: Any) -> Any:
    # Streamed blocks carry the `index` they merge under (LangChain's convention); a whole answer has none.
    if isinstance(content, list):
        return [{k: v for k, v in b.items() if k != "index"} if isinstance(b, dict) else b for b in content]
    return content


def _summed(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    return full


def _assert_same_message(full: BaseMessage, invoked: BaseMessage) -> None:
    assert isinstance(full, AIMessageChunk)
    assert isinstance(invoked, AIMessage)
    assert _without_index(full.content) == invoked.content
    assert full.tool_calls == invoked.tool_calls
    assert full.invalid_tool_calls == invoked.invalid_tool_calls
    assert full.usage_metadata == invoked.usage_metadata
    assert full.response_metadata == invoked.response_metadata
    assert full.additional_kwargs == invoked.additional_kwargs
    assert full.id == invoked.id
    assert full.text == invoked.text


def _stream_and_invoke(events: list[dict[str, Any]], sync: bool) -> tuple[list[AIMessageChunk], AIMessage]:
    model = FakeGemini(responses=[_answer(events)], streams=[events]).model()
    if sync:
        return list(model.stream("hi")), model.invoke("hi")

    async def run() -> tuple[list[AIMessageChunk], AIMessage]:
        return [chunk async for chunk in model.astream("hi")], await model.ainvoke("hi")

    return asyncio.run(run())


@pytest.mark.parametrize("sync", [True, False], ids=["stream", "astream"])
@pytest.mark.parametrize("name", list(STREAMS))
def test_a_stream_sums_to_the_invoked_message(name: str, sync: bool) -> None:
    chunks, invoked = _stream_and_invoke(STREAMS[name], sync)
    _assert_same_message(_summed(chunks), invoked)


def test_the_summed_stream_keeps_call_chunks_signatures_and_usage() -> None:
    chunks, _ = _stream_and_invoke(STREAMS["text then a signed call"], sync=True)
    full = _summed(chunks)
    assert full.content == "Let me check."
    assert [(c["name"], c["args"], c["id"], c["index"]) for c in full.tool_call_chunks] == [
        ("get_weather", '{"city": "Paris"}', "c1", 0),
        ("get_time", "{}", "c2", 1),
    ]
    assert full.additional_kwargs == {FUNCTION_CALL_SIGNATURES_KEY: {"c1": SIG_CALL}}
    assert full.usage_metadata == {
        "input_tokens": 7,
        "output_tokens": 17,
        "total_tokens": 24,
        "input_token_details": {"cache_read": 0},
        "output_token_details": {"reasoning": 11},
    }


@pytest.mark.parametrize("output_version", ["v0", "v1"])
@pytest.mark.parametrize("name", list(STREAMS))
def test_streams_are_the_same_with_and_without_the_fast_path(
    name: str, output_version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def chunks() -> list[AIMessageChunk]:
        model = FakeGemini(streams=[STREAMS[name]]).model(output_version=output_version)
        return list(model.stream("hi"))

    fast = chunks()
    monkeypatch.setattr(_text_chunks, "_template", lambda: None)  # as when the template cannot be used
    built = chunks()
    assert [_state(chunk) for chunk in fast] == [_state(chunk) for chunk in built]
    assert [repr(chunk) for chunk in fast] == [repr(chunk) for chunk in built]
    assert _state(_summed(fast)) == _state(_summed(built))
