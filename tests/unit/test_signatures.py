"""Thought parts, thought signatures and code execution: parsed, merged, serialized and replayed exactly."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.load import dumpd, load
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    ToolMessage,
    messages_from_dict,
    messages_to_dict,
)

from langchain_gemini._replay import FUNCTION_CALL_SIGNATURES_KEY, SKIP_SIGNATURE
from tests.unit.fake_gemini import FakeGemini

SIG_THOUGHT = "c2lnLXRob3VnaHQ="
SIG_TEXT = "c2lnLXRleHQ="
SIG_CALL = "c2lnLWNhbGwtMQ=="


def thinking_response() -> dict[str, Any]:
    parts = [
        {"text": "Let me think about the weather.", "thought": True, "thoughtSignature": SIG_THOUGHT},
        {"text": "Checking now.", "thoughtSignature": SIG_TEXT},
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": SIG_CALL},
    ]
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}],
        "usageMetadata": {
            "promptTokenCount": 9,
            "candidatesTokenCount": 5,
            "thoughtsTokenCount": 20,
            "totalTokenCount": 34,
        },
        "modelVersion": "gemini-2.5-flash",
        "responseId": "r-think",
    }


def test_thoughts_become_reasoning_and_never_text() -> None:
    message = FakeGemini(responses=[thinking_response()]).model().invoke("weather?")
    assert message.text == "Checking now."
    assert message.content[0] == {
        "type": "thinking",
        "thinking": "Let me think about the weather.",
        "signature": SIG_THOUGHT,
    }
    assert message.content[1] == {"type": "text", "text": "Checking now.", "extras": {"signature": SIG_TEXT}}
    call = message.tool_calls[0]
    assert (call["name"], call["args"]) == ("get_weather", {"city": "Paris"})
    assert message.additional_kwargs[FUNCTION_CALL_SIGNATURES_KEY] == {call["id"]: SIG_CALL}
    assert message.usage_metadata["output_token_details"] == {"reasoning": 20}  # type: ignore[index]
    blocks = message.content_blocks
    assert blocks[0]["type"] == "reasoning"
    assert blocks[0].get("extras", {}).get("signature") == SIG_THOUGHT  # type: ignore[union-attr]
    assert [b["type"] for b in blocks] == ["reasoning", "text", "tool_call"]


def test_replay_sends_each_signature_back_on_its_own_part() -> None:
    fake = FakeGemini(responses=[thinking_response()])
    model = fake.model()
    ai = model.invoke("weather?")
    call_id = ai.tool_calls[0]["id"]
    model.invoke([HumanMessage("weather?"), ai, ToolMessage("sunny", tool_call_id=call_id)])
    replayed = fake.bodies()[1]["contents"]
    assert replayed[1] == {
        "role": "model",
        "parts": [
            {"text": "Let me think about the weather.", "thought": True, "thoughtSignature": SIG_THOUGHT},
            {"text": "Checking now.", "thoughtSignature": SIG_TEXT},
            {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": SIG_CALL},
        ],
    }
    assert replayed[2] == {
        "role": "user",
        "parts": [{"functionResponse": {"name": "get_weather", "response": {"result": "sunny"}}}],
    }


def test_signatures_survive_serialization_and_copy() -> None:
    ai = FakeGemini(responses=[thinking_response()]).model().invoke("weather?")
    for restored in (
        messages_from_dict(messages_to_dict([ai]))[0],
        load(dumpd(ai), allowed_objects="messages"),
        ai.model_copy(deep=True),
    ):
        assert restored.content == ai.content
        assert restored.additional_kwargs == ai.additional_kwargs
    assert json.loads(json.dumps(dumpd(ai)))["kwargs"]["additional_kwargs"] == ai.additional_kwargs


def stream_of(parts_per_event: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    events = []
    for position, parts in enumerate(parts_per_event):
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}}
        if position == len(parts_per_event) - 1:
            candidate["finishReason"] = "STOP"
        events.append(
            {
                "candidates": [candidate],
                "usageMetadata": {"promptTokenCount": 3, "totalTokenCount": 3},
                "modelVersion": "gemini-2.5-flash",
            }
        )
    return events


def test_streamed_signatures_are_not_corrupted_by_merging() -> None:
    events = stream_of(
        [
            [{"text": "Thinking ", "thought": True}],
            [{"text": "more.", "thought": True, "thoughtSignature": SIG_THOUGHT}],
            [{"text": "Answer "}],
            [{"text": "here."}],
            [{"functionCall": {"name": "f", "args": {"x": 1}}, "thoughtSignature": SIG_CALL}],
            [{"functionCall": {"name": "g", "args": {}}, "thoughtSignature": "c2lnLTI="}],
        ]
    )
    fake = FakeGemini(streams=[events])
    full: AIMessageChunk | None = None
    for chunk in fake.model().stream("hi"):
        full = chunk if full is None else full + chunk
    assert full is not None
    assert full.text == "Answer here."
    thoughts = [b for b in full.content if isinstance(b, dict) and b["type"] == "thinking"]
    assert [t.get("signature") for t in thoughts] == [None, SIG_THOUGHT]
    assert "".join(t["thinking"] for t in thoughts) == "Thinking more."
    assert [c["name"] for c in full.tool_calls] == ["f", "g"]
    signatures = full.additional_kwargs[FUNCTION_CALL_SIGNATURES_KEY]
    assert signatures == {full.tool_calls[0]["id"]: SIG_CALL, full.tool_calls[1]["id"]: "c2lnLTI="}
    # Replaying the merged stream sends the same parts back.
    replay_fake = FakeGemini()
    replay_fake.model().invoke(
        [
            HumanMessage("hi"),
            AIMessage(content=full.content, tool_calls=full.tool_calls, additional_kwargs=full.additional_kwargs),
        ]
    )
    parts = replay_fake.bodies()[0]["contents"][1]["parts"]
    assert parts[1] == {"text": "more.", "thought": True, "thoughtSignature": SIG_THOUGHT}
    assert parts[-2] == {"functionCall": {"name": "f", "args": {"x": 1}}, "thoughtSignature": SIG_CALL}


def test_gemini_3_history_without_signatures_uses_the_documented_placeholder() -> None:
    fake = FakeGemini()
    hand_written = AIMessage(
        "", tool_calls=[{"name": "f", "args": {}, "id": "a"}, {"name": "g", "args": {}, "id": "b"}]
    )
    history = [HumanMessage("go"), hand_written, ToolMessage("1", tool_call_id="a"), ToolMessage("2", tool_call_id="b")]
    fake.model(model="gemini-3-pro-preview").invoke(history)
    parts = fake.bodies()[0]["contents"][1]["parts"]
    assert parts[0]["thoughtSignature"] == SKIP_SIGNATURE
    assert "thoughtSignature" not in parts[1]  # only the first call of a step needs one
    FakeGemini().model(model="gemini-2.5-flash").invoke(history)


def test_older_turns_are_not_given_placeholders() -> None:
    fake = FakeGemini()
    old = AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "a"}])
    history = [HumanMessage("go"), old, ToolMessage("1", tool_call_id="a"), AIMessage("done"), HumanMessage("again")]
    fake.model(model="gemini-3-pro-preview").invoke(history)
    assert "thoughtSignature" not in fake.bodies()[0]["contents"][1]["parts"][0]


def test_foreign_reasoning_is_not_sent_but_text_and_calls_are() -> None:
    fake = FakeGemini()
    foreign = AIMessage(
        content=[
            {"type": "thinking", "thinking": "anthropic thoughts", "signature": "anthropic-sig"},
            {"type": "text", "text": "Sure."},
            {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
        ],
        tool_calls=[{"name": "f", "args": {}, "id": "toolu_1"}],
        response_metadata={"model_provider": "anthropic"},
    )
    fake.model().invoke([HumanMessage("go"), foreign, ToolMessage("ok", tool_call_id="toolu_1")])
    contents = fake.bodies()[0]["contents"]
    assert contents[1]["parts"] == [{"text": "Sure."}, {"functionCall": {"name": "f", "args": {}, "id": "toolu_1"}}]
    assert contents[2]["parts"][0]["functionResponse"]["id"] == "toolu_1"


def test_code_execution_parts_round_trip() -> None:
    parts = [
        {"text": "Computing."},
        {"executableCode": {"language": "PYTHON", "code": "print(2*2)"}},
        {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "4\n"}},
        {"text": "It is 4."},
    ]
    body = {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}],
        "modelVersion": "gemini-2.5-flash",
    }
    fake = FakeGemini(responses=[body])
    model = fake.model()
    ai = model.invoke("2*2?", tools=[{"code_execution": {}}])
    assert fake.bodies()[0]["tools"] == [{"codeExecution": {}}]
    assert ai.text == "Computing.It is 4."
    assert ai.content[1] == {"type": "executable_code", "executable_code": "print(2*2)", "language": "PYTHON"}
    assert ai.content[2] == {"type": "code_execution_result", "code_execution_result": "4\n", "outcome": "OUTCOME_OK"}
    assert [b["type"] for b in ai.content_blocks] == ["text", "server_tool_call", "server_tool_result", "text"]
    model.invoke([HumanMessage("2*2?"), ai, HumanMessage("and 3*3?")])
    assert fake.bodies()[1]["contents"][1]["parts"] == parts


def test_v1_output_and_v1_history_are_accepted() -> None:
    fake = FakeGemini(responses=[thinking_response()])
    model = fake.model(output_version="v1")
    ai = model.invoke("weather?")
    assert [b["type"] for b in ai.content] == ["reasoning", "text", "tool_call"]  # type: ignore[index]
    call_id = ai.tool_calls[0]["id"]
    model.invoke([HumanMessage("weather?"), ai, ToolMessage("sunny", tool_call_id=call_id)])
    parts = fake.bodies()[1]["contents"][1]["parts"]
    assert parts[0] == {"text": "Let me think about the weather.", "thought": True, "thoughtSignature": SIG_THOUGHT}
    assert parts[-1]["thoughtSignature"] == SIG_CALL


def test_unknown_part_kinds_are_kept_and_replayed() -> None:
    odd = {"someFuturePart": {"x": 1}}
    body = {"candidates": [{"content": {"role": "model", "parts": [{"text": "a"}, odd]}, "finishReason": "STOP"}]}
    fake = FakeGemini(responses=[body])
    model = fake.model()
    ai = model.invoke("hi")
    assert ai.content[1] == {"type": "non_standard", "value": odd}
    model.invoke([HumanMessage("hi"), ai, HumanMessage("more")])
    assert fake.bodies()[1]["contents"][1]["parts"] == [{"text": "a"}, odd]


def test_malformed_call_arguments_become_invalid_tool_calls() -> None:
    parts = [{"functionCall": {"name": "f", "args": ["not", "an", "object"]}}]
    body = {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}]}
    ai = FakeGemini(responses=[body]).model().invoke("hi")
    assert ai.tool_calls == []
    assert ai.invalid_tool_calls[0]["name"] == "f"
    assert "JSON object" in str(ai.invalid_tool_calls[0]["error"])


def test_failed_code_execution_is_an_error_result_in_content_blocks() -> None:
    parts = [
        {"executableCode": {"language": "PYTHON", "code": "1/0"}},
        {"codeExecutionResult": {"outcome": "OUTCOME_FAILED", "output": "ZeroDivisionError"}},
        {"executableCode": {"language": "PYTHON", "code": "print(1)"}},
        {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1"}},
    ]
    body = {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}]}
    ai = FakeGemini(responses=[body]).model().invoke("run")
    results = [b for b in ai.content_blocks if b["type"] == "server_tool_result"]
    assert [r["status"] for r in results] == ["error", "success"]  # type: ignore[typeddict-item]
