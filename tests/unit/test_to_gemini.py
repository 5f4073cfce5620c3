"""LangChain messages and parameters -> Gemini request bodies."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from langchain_core.messages import AIMessage, ChatMessage, HumanMessage, SystemMessage, ToolMessage

from langchain_gemini import HarmBlockThreshold, HarmCategory
from langchain_gemini._request import build_request
from langchain_gemini._to_gemini import camel_case, convert_messages


def test_leading_system_messages_become_system_instruction_in_order() -> None:
    system, contents = convert_messages([SystemMessage("one"), SystemMessage("two\n"), HumanMessage("hi")])
    assert system == {"parts": [{"text": "one"}, {"text": "two\n"}]}
    assert contents == [{"role": "user", "parts": [{"text": "hi"}]}]


def test_mid_conversation_system_message_is_kept_in_place_as_user_turn() -> None:
    messages = [HumanMessage("a"), AIMessage("b"), SystemMessage("now be brief"), HumanMessage("c")]
    system, contents = convert_messages(messages)
    assert system is None
    assert contents[2] == {"role": "user", "parts": [{"text": "now be brief"}]}
    assert [content["role"] for content in contents] == ["user", "model", "user", "user"]


def test_consecutive_same_role_messages_keep_their_boundaries() -> None:
    _, contents = convert_messages([HumanMessage("a"), HumanMessage("b"), AIMessage("c"), AIMessage("d")])
    assert [c["parts"] for c in contents] == [[{"text": "a"}], [{"text": "b"}], [{"text": "c"}], [{"text": "d"}]]


def test_text_is_sent_exactly_including_newlines_and_block_boundaries() -> None:
    message = HumanMessage(content=["line one\n", {"type": "text", "text": "\n  line two  \n"}])
    _, contents = convert_messages([message])
    assert contents[0]["parts"] == [{"text": "line one\n"}, {"text": "\n  line two  \n"}]


@pytest.mark.parametrize(
    ("messages", "fragment"),
    [
        ([], "messages is empty"),
        ([SystemMessage("only")], "only system messages"),
        ([HumanMessage("")], "messages[0] (human) has empty content"),
        ([HumanMessage("x"), AIMessage("")], "messages[1] (ai) has empty content"),
        ([HumanMessage(content=[{"type": "hologram", "data": "x"}])], "'hologram' is not supported"),
        ([ChatMessage(role="critic", content="x")], "unsupported message type 'chat'"),
    ],
)
def test_bad_conversations_fail_before_any_request(messages: list[Any], fragment: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        convert_messages(messages)
    assert fragment in str(info.value)


def test_chat_message_roles_map_to_gemini_roles() -> None:
    system, contents = convert_messages(
        [
            ChatMessage(role="system", content="s"),
            ChatMessage(role="user", content="u"),
            ChatMessage(role="assistant", content="a"),
        ]
    )
    assert system == {"parts": [{"text": "s"}]}
    assert [c["role"] for c in contents] == ["user", "model"]


SYNTH_1 = str(uuid.uuid4())  # ids we generate for calls the API sent without one
SYNTH_2 = str(uuid.uuid4())


def test_tool_calls_and_results_round_trip_in_call_order() -> None:
    ai = AIMessage(
        "", tool_calls=[{"name": "a", "args": {"x": 1}, "id": SYNTH_1}, {"name": "b", "args": {}, "id": SYNTH_2}]
    )
    results = [
        ToolMessage('{"v": 2}', tool_call_id=SYNTH_2),
        ToolMessage("plain", tool_call_id=SYNTH_1, name="a"),
    ]
    _, contents = convert_messages([HumanMessage("go"), ai, *results, HumanMessage("next")])
    assert contents[1]["parts"] == [
        {"functionCall": {"name": "a", "args": {"x": 1}}},
        {"functionCall": {"name": "b", "args": {}}},
    ]
    assert contents[2] == {
        "role": "user",
        "parts": [
            {"functionResponse": {"name": "a", "response": {"result": "plain"}}},
            {"functionResponse": {"name": "b", "response": {"v": 2}}},
        ],
    }
    assert contents[3]["parts"] == [{"text": "next"}]


def test_error_tool_result_is_sent_as_error() -> None:
    ai = AIMessage("", tool_calls=[{"name": "a", "args": {}, "id": SYNTH_1}])
    _, contents = convert_messages([HumanMessage("go"), ai, ToolMessage("boom", tool_call_id=SYNTH_1, status="error")])
    assert contents[2]["parts"] == [{"functionResponse": {"name": "a", "response": {"error": "boom"}}}]


def test_api_issued_call_ids_are_echoed_on_call_and_response() -> None:
    ai = AIMessage("", tool_calls=[{"name": "a", "args": {}, "id": "fc-123"}])
    _, contents = convert_messages([HumanMessage("go"), ai, ToolMessage("[1, 2]", tool_call_id="fc-123")])
    assert contents[1]["parts"] == [{"functionCall": {"name": "a", "args": {}, "id": "fc-123"}}]
    assert contents[2]["parts"] == [{"functionResponse": {"name": "a", "response": {"result": [1, 2]}, "id": "fc-123"}}]


def test_tool_message_without_matching_call_raises() -> None:
    with pytest.raises(ValueError, match="no preceding AI message called"):
        convert_messages([HumanMessage("go"), ToolMessage("x", tool_call_id="nope")])


def test_unset_parameters_are_not_sent() -> None:
    request = build_request([HumanMessage("hi")], {"temperature": None, "stop": [], "model_kwargs": {}})
    assert request == {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}


def test_parameters_map_to_generation_config_and_request_fields() -> None:
    params = {
        "temperature": 0.0,
        "top_p": 0.9,
        "top_k": 3,
        "max_output_tokens": 7,
        "stop": ["END"],
        "seed": 5,
        "presence_penalty": 0.5,
        "frequency_penalty": -0.5,
        "candidate_count": 2,
        "response_mime_type": "application/json",
        "safety_settings": {HarmCategory.HARM_CATEGORY_HARASSMENT: HarmBlockThreshold.BLOCK_NONE},
        "cached_content": "cachedContents/abc",
        "model_kwargs": {"response_logprobs": True, "logprobs": 3, "tool_config": {"x": 1}},
    }
    request = build_request([HumanMessage("hi")], params)
    assert request["generationConfig"] == {
        "temperature": 0.0,
        "topP": 0.9,
        "topK": 3,
        "maxOutputTokens": 7,
        "stopSequences": ["END"],
        "seed": 5,
        "presencePenalty": 0.5,
        "frequencyPenalty": -0.5,
        "candidateCount": 2,
        "responseMimeType": "application/json",
        "responseLogprobs": True,
        "logprobs": 3,
    }
    assert request["safetySettings"] == [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]
    assert request["cachedContent"] == "cachedContents/abc"
    assert request["toolConfig"] == {"x": 1}  # type: ignore[typeddict-item]


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"HARM_CATEGORY_NOPE": "BLOCK_NONE"}, "category 'HARM_CATEGORY_NOPE'"),
        ({"HARM_CATEGORY_HARASSMENT": "BLOCK_SOME"}, "threshold 'BLOCK_SOME'"),
        (
            [
                {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "OFF"},
                {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"},
            ],
            "more than once",
        ),
    ],
)
def test_safety_settings_are_validated(settings: Any, fragment: str) -> None:
    with pytest.raises(ValueError, match="safety_settings") as info:
        build_request([HumanMessage("hi")], {"safety_settings": settings})
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("name", "expected"), [("response_mime_type", "responseMimeType"), ("topK", "topK"), ("seed", "seed")]
)
def test_camel_case(name: str, expected: str) -> None:
    assert camel_case(name) == expected
