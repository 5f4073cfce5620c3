"""Thought signatures on the emulator: where thinking models put them, and how Gemini 3 checks them on replay."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from langchain_gemini.testing import GeminiEmulator
from tests.integration.emulator_helpers import FLASH, PRO3, ask, generate, parts_of, rejected

WEATHER = {
    "name": "get_weather",
    "parametersJsonSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
TIME = {"name": "get_time", "parameters": {"type": "OBJECT", "properties": {"zone": {"type": "STRING"}}}}
TOOLS = {"tools": [{"functionDeclarations": [WEATHER, TIME]}]}
ANY = {"toolConfig": {"functionCallingConfig": {"mode": "ANY"}}}
THOUGHTS = {"generationConfig": {"thinkingConfig": {"includeThoughts": True}}}
QUESTION = {"role": "user", "parts": [{"text": "Weather in 'Paris'? use get_weather"}]}


def signed(parts: list[dict[str, Any]]) -> list[bool]:
    return ["thoughtSignature" in part for part in parts]


def result(name: str = "get_weather") -> dict[str, Any]:
    return {"role": "user", "parts": [{"functionResponse": {"name": name, "response": {"result": "sunny"}}}]}


def call_turn(
    client: httpx.Client, model: str = PRO3, prompt: str = "Weather in 'Paris'? use get_weather"
) -> dict[str, Any]:
    """The model content of a tool-calling answer."""
    answer = generate(client, ask(prompt, **TOOLS, **ANY), model=model)
    return answer["candidates"][0]["content"]  # type: ignore[no-any-return]


def replay(*contents: dict[str, Any]) -> dict[str, Any]:
    return {"contents": list(contents), **TOOLS}


# -- where signatures go ---------------------------------------------------------------------------------------------


def test_gemini_2_5_signs_the_first_part_of_a_calling_answer(emu_client: httpx.Client) -> None:
    plain = parts_of(generate(emu_client, ask("use get_weather", **TOOLS, **ANY)))
    assert signed(plain) == [True]
    with_thoughts = parts_of(generate(emu_client, ask("use get_weather", **TOOLS, **ANY, **THOUGHTS)))
    assert with_thoughts[0]["thought"] is True
    assert signed(with_thoughts) == [True, False]  # "the signature in the first part (regardless of type)"
    text_only = parts_of(generate(emu_client, ask("hello", **THOUGHTS)))
    assert signed(text_only) == [False, False]  # "Gemini 2.5 won't have a signature in any part"
    # ...except the answer after the turn's function responses, as recorded (realwire, 2.5 text after results)
    call = parts_of(generate(emu_client, ask("use get_weather", **TOOLS, **ANY)))
    history = {
        "contents": [
            {"role": "user", "parts": [{"text": "use get_weather"}]},
            {"role": "model", "parts": call},
            {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"r": "sun"}}}]},
        ],
        **TOOLS,
        **THOUGHTS,
    }
    assert signed(parts_of(generate(emu_client, history))) == [False, True]  # the summary is not, the answer is


def test_gemini_3_signs_the_first_call_and_else_the_last_part(emu_client: httpx.Client) -> None:
    parallel = parts_of(generate(emu_client, ask("use get_weather and get_time", **TOOLS, **ANY), model=PRO3))
    # realwire: gemini-3-pro-preview and gemini-3-flash-preview calls carry no id; gemini-3.6-flash's do
    assert [list(p["functionCall"]) for p in parallel] == [["name", "args"]] * 2
    newer = parts_of(generate(emu_client, ask("use get_weather", **TOOLS, **ANY), model="gemini-3.6-flash"))
    assert list(newer[0]["functionCall"]) == ["id", "name", "args"]
    assert signed(parallel) == [True, False]  # "attached only to the first functionCall part"
    thoughtful = parts_of(generate(emu_client, ask("use get_weather", **TOOLS, **ANY, **THOUGHTS), model=PRO3))
    assert signed(thoughtful) == [False, True]  # the call; realwire: Gemini 3 thought summaries are unsigned
    text = parts_of(generate(emu_client, ask("hello"), model=PRO3))
    assert signed(text) == [True]  # "the signature on the last part if the model generates a thought"
    unthinking = parts_of(
        generate(emu_client, ask("hello", generationConfig={"thinkingConfig": {"thinkingBudget": 0}}))
    )
    assert signed(unthinking) == [False]


def test_signatures_are_opaque_base64_and_deterministic(emu_client: httpx.Client) -> None:
    first = call_turn(emu_client)["parts"][0]["thoughtSignature"]
    assert len(base64.b64decode(first)) >= 32
    assert call_turn(emu_client)["parts"][0]["thoughtSignature"] == first
    assert call_turn(emu_client, prompt="Weather in 'Rome'?")["parts"][0]["thoughtSignature"] != first


def test_streamed_call_keeps_its_signature(emu_client: httpx.Client) -> None:
    body = ask("use get_weather", **TOOLS, **ANY)
    raw = emu_client.post(f"/v1beta/models/{PRO3}:streamGenerateContent", params={"alt": "sse"}, json=body).text
    (event,) = [e for e in raw.split("\r\n\r\n") if '"functionCall"' in e]
    assert '"thoughtSignature"' in event


# -- Gemini 3 replay checks ------------------------------------------------------------------------------------------


def test_replayed_calls_with_their_signatures_are_accepted(emu_client: httpx.Client) -> None:
    turn = call_turn(emu_client)
    assert generate(emu_client, replay(QUESTION, turn, result()), model=PRO3)["candidates"]


def test_a_call_without_its_signature_is_googles_400(emu_client: httpx.Client) -> None:
    turn = call_turn(emu_client)
    del turn["parts"][0]["thoughtSignature"]
    error = rejected(emu_client, replay(QUESTION, turn, result()), model=PRO3)
    assert error == {
        "code": 400,
        "message": "Function call `get_weather` in the `1.` content block is missing a `thought_signature`.",
        "status": "INVALID_ARGUMENT",
    }
    assert generate(emu_client, replay(QUESTION, turn, result()), model=FLASH)["candidates"]  # 2.5: optional


def test_every_step_of_the_current_turn_is_checked(emu_client: httpx.Client) -> None:
    first = call_turn(emu_client)
    second = call_turn(emu_client, prompt="use get_time")
    del second["parts"][0]["thoughtSignature"]
    body = replay(QUESTION, first, result(), second, result("get_time"))
    assert "`get_time` in the `3.` content block" in rejected(emu_client, body, model=PRO3)["message"]


def test_only_the_current_turn_is_checked(emu_client: httpx.Client) -> None:
    old = call_turn(emu_client)
    del old["parts"][0]["thoughtSignature"]
    answered = {"role": "model", "parts": [{"text": "It is sunny."}]}
    new_question = {"role": "user", "parts": [{"text": "Thanks! And tomorrow?"}]}
    body = replay(QUESTION, old, result(), answered, new_question)
    assert generate(emu_client, body, model=PRO3)["candidates"]


@pytest.mark.parametrize("dummy", ["skip_thought_signature_validator", "context_engineering_is_the_way_to_go"])
def test_the_documented_dummy_signatures_skip_validation(emu_client: httpx.Client, dummy: str) -> None:
    injected = {
        "role": "model",
        "parts": [{"functionCall": {"name": "get_weather", "args": {}}, "thoughtSignature": dummy}],
    }
    assert generate(emu_client, replay(QUESTION, injected, result()), model=PRO3)["candidates"]


def test_signatures_the_emulator_did_not_issue_are_corrupted(emu_client: httpx.Client) -> None:
    forged = base64.b64encode(b"not from this emulator").decode()
    made_up = {
        "role": "model",
        "parts": [{"functionCall": {"name": "get_weather", "args": {}}, "thoughtSignature": forged}],
    }
    assert rejected(emu_client, replay(QUESTION, made_up, result()), model=PRO3) == {
        "code": 400,
        "message": "Corrupted thought signature.",
        "status": "INVALID_ARGUMENT",
    }
    turn = call_turn(emu_client)
    raw = bytearray(base64.b64decode(turn["parts"][0]["thoughtSignature"]))
    raw[-1] ^= 1
    turn["parts"][0]["thoughtSignature"] = base64.b64encode(bytes(raw)).decode()
    assert (
        rejected(emu_client, replay(QUESTION, turn, result()), model=PRO3)["message"] == "Corrupted thought signature."
    )


def test_a_signature_moved_to_another_part_is_corrupted(emu_client: httpx.Client) -> None:
    turn = call_turn(emu_client)
    signature = turn["parts"][0]["thoughtSignature"]
    moved = {
        "role": "model",
        "parts": [{"functionCall": {"name": "get_time", "args": {}}, "thoughtSignature": signature}],
    }
    error = rejected(emu_client, replay(QUESTION, moved, result("get_time")), model=PRO3)
    assert error["message"] == "Corrupted thought signature."


def test_another_emulators_signatures_are_corrupted(emu_client: httpx.Client) -> None:
    with GeminiEmulator() as other, httpx.Client(base_url=other.base_url, headers={"x-goog-api-key": "k"}) as client:
        foreign = call_turn(client)
    error = rejected(emu_client, replay(QUESTION, foreign, result()), model=PRO3)
    assert error["message"] == "Corrupted thought signature."


def test_scripted_signatures_are_the_emulators_own_until_reset(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    signature = base64.b64encode(b"scripted-signature").decode()
    part = {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": signature}
    emu.enqueue({"candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP"}]})
    turn = call_turn(emu_client)
    assert turn["parts"][0]["thoughtSignature"] == signature
    assert generate(emu_client, replay(QUESTION, turn, result()), model=PRO3)["candidates"]
    emu.reset()
    assert (
        rejected(emu_client, replay(QUESTION, turn, result()), model=PRO3)["message"] == "Corrupted thought signature."
    )


def test_gemini_2_5_does_not_check_signatures(emu_client: httpx.Client) -> None:
    forged = base64.b64encode(b"anything").decode()
    made_up = {
        "role": "model",
        "parts": [{"functionCall": {"name": "get_weather", "args": {}}, "thoughtSignature": forged}],
    }
    assert generate(emu_client, replay(QUESTION, made_up, result()), model=FLASH)["candidates"]


def test_a_streamed_answer_signs_an_empty_last_part(emu_client: httpx.Client) -> None:
    raw = emu_client.post(f"/v1beta/models/{PRO3}:streamGenerateContent", params={"alt": "sse"}, json=ask("hello"))
    events = [json.loads(block.removeprefix("data: ")) for block in raw.text.split("\r\n\r\n") if block]
    parts = [part for event in events for part in event["candidates"][0]["content"]["parts"]]
    assert len(parts) > 2
    assert signed(parts) == [False] * (len(parts) - 1) + [True]  # FAQ 3: "in a part with an empty text"
    assert parts[-1]["text"] == ""
    assert "finishReason" in events[-1]["candidates"][0]
