"""Token counting of every list LangChain's trim_messages hands over, against the emulator's countTokens."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages.utils import trim_messages

from langchain_gemini import ChatGemini
from langchain_gemini.testing import GeminiEmulator
from tests.integration.conftest import EMULATOR_KEY

SYSTEM = "You answer weather questions with the weather tool, briefly."


def weather_call(city: str, call_id: str) -> dict[str, Any]:
    return {"name": "weather", "args": {"city": city}, "id": call_id, "type": "tool_call"}


# An agent's history: two parallel calls, a text answer, a single call, its result and the final answer.
HISTORY: list[BaseMessage] = [
    SystemMessage(SYSTEM),
    HumanMessage("What is the weather in Paris and in Rome?"),
    AIMessage("", tool_calls=[weather_call("Paris", "c1"), weather_call("Rome", "c2")]),
    ToolMessage('{"temperature": 20, "sky": "clear"}', tool_call_id="c1", name="weather"),
    ToolMessage('{"temperature": 25, "sky": "cloudy"}', tool_call_id="c2", name="weather"),
    AIMessage("Paris is clear at 20 degrees; Rome is cloudy at 25."),
    HumanMessage("And in Oslo?"),
    AIMessage("", tool_calls=[weather_call("Oslo", "c3")]),
    ToolMessage('{"temperature": 3, "sky": "snow"}', tool_call_id="c3", name="weather"),
    AIMessage("Oslo has snow at 3 degrees."),
]


def make(emulator: GeminiEmulator) -> ChatGemini:
    return ChatGemini(model="gemini-2.5-flash", api_key=EMULATOR_KEY, base_url=emulator.base_url)


def count_bodies(emulator: GeminiEmulator) -> list[dict[str, Any]]:
    return [request.json for request in emulator.requests if request.action == "countTokens"]


def assert_valid_for_generate_content(emulator: GeminiEmulator, bodies: list[dict[str, Any]]) -> None:
    # The strictest reading of "valid": each counted request is one generateContent itself would accept.
    with httpx.Client(base_url=emulator.base_url, headers={"x-goog-api-key": EMULATOR_KEY}) as client:
        for body in bodies:
            inner = body["generateContentRequest"]
            answer = client.post("/v1beta/models/gemini-2.5-flash:generateContent", json=inner)
            assert answer.status_code == 200, (inner, answer.text)


def test_a_lone_system_message_is_counted_as_its_text(emulator: GeminiEmulator) -> None:
    model = make(emulator)
    alone = model.get_num_tokens_from_messages([SystemMessage(SYSTEM)])
    assert alone == model.get_num_tokens_from_messages([HumanMessage(SYSTEM)]) > 0
    # A GenerateContentRequest needs contents, so the system text is counted as a user turn.
    assert count_bodies(emulator)[0] == {
        "generateContentRequest": {
            "model": "models/gemini-2.5-flash",
            "contents": [{"role": "user", "parts": [{"text": SYSTEM}]}],
        }
    }


def test_tool_results_without_their_call_are_counted_as_their_content(emulator: GeminiEmulator) -> None:
    model = make(emulator)
    result = HISTORY[8]
    assert model.get_num_tokens_from_messages([result]) == model.get_num_tokens_from_messages(
        [HumanMessage(result.content)]
    )
    assert count_bodies(emulator)[0]["generateContentRequest"]["contents"] == [
        {"role": "user", "parts": [{"text": '{"temperature": 3, "sky": "snow"}'}]}
    ]


def test_a_whole_conversation_keeps_its_function_parts(emulator: GeminiEmulator) -> None:
    make(emulator).get_num_tokens_from_messages(HISTORY)
    request = count_bodies(emulator)[0]["generateContentRequest"]
    assert request["systemInstruction"] == {"parts": [{"text": SYSTEM}]}
    parts = [part for content in request["contents"] for part in content["parts"]]
    assert sum("functionCall" in part for part in parts) == 3
    assert sum("functionResponse" in part for part in parts) == 3


def test_an_empty_list_counts_nothing_without_a_request(emulator: GeminiEmulator) -> None:
    assert make(emulator).get_num_tokens_from_messages([]) == 0
    assert count_bodies(emulator) == []


@pytest.mark.parametrize(
    "trim",
    [
        {"strategy": "last", "include_system": True},
        {"strategy": "last", "include_system": True, "start_on": "human"},
        {"strategy": "last"},
        {"strategy": "first"},
        {"strategy": "first", "end_on": ("human", "tool")},
    ],
    ids=lambda trim: "-".join(str(value) for value in trim.values()),
)
def test_trim_messages_counts_with_the_model(emulator: GeminiEmulator, trim: dict[str, Any]) -> None:
    model = make(emulator)
    total = model.get_num_tokens_from_messages(HISTORY)
    everything = trim_messages(HISTORY, max_tokens=0, token_counter=lambda _: 0, **trim)  # all fits: only end_on
    kept = []
    for budget in [total * eighth // 8 for eighth in range(1, 9)]:
        trimmed = trim_messages(HISTORY, max_tokens=budget, token_counter=model, **trim)
        head = [HISTORY[0]] if trim.get("include_system") else []
        rest = trimmed[len(head) :]
        if trim["strategy"] == "last":
            assert trimmed[: len(head)] == head
            assert rest == (HISTORY[len(HISTORY) - len(rest) :] if rest else [])
        else:
            assert trimmed == HISTORY[: len(trimmed)]
        kept.append(len(trimmed))
    assert kept == sorted(kept)  # a larger budget never keeps less
    assert kept[0] < len(everything)
    assert trimmed == everything  # the whole history fits its own count
    assert_valid_for_generate_content(emulator, count_bodies(emulator))


async def test_async_counting_accepts_the_same_lists(emulator: GeminiEmulator) -> None:
    model = make(emulator)
    for messages in ([SystemMessage(SYSTEM)], [HISTORY[8]], HISTORY[::-1]):
        assert await model.aget_num_tokens_from_messages(messages) == model.get_num_tokens_from_messages(messages)
