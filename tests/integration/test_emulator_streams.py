"""streamGenerateContent on the emulator: both framings, event contents, cumulative usage, scripted streams."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from langchain_gemini.testing import GeminiEmulator
from tests.integration.emulator_helpers import FLASH, ask

URL = f"/v1beta/models/{FLASH}:streamGenerateContent"


def sse_events(raw: bytes) -> list[dict[str, Any]]:
    """Strict parse of Google's SSE framing: `data: <json>` + CRLF CRLF per event, nothing else."""
    assert raw.endswith(b"\r\n\r\n")
    blocks = raw[: -len(b"\r\n\r\n")].split(b"\r\n\r\n")
    events = []
    for block in blocks:
        assert block.startswith(b"data: ")
        assert b"\n" not in block  # one line per event
        events.append(json.loads(block[len(b"data: ") :]))
    return events


def stream(emu_client: httpx.Client, body: dict[str, Any], *, sse: bool = True, model: str = FLASH) -> httpx.Response:
    params = {"alt": "sse"} if sse else {}
    response = emu_client.post(f"/v1beta/models/{model}:streamGenerateContent", json=body, params=params)
    assert response.status_code == 200, response.text
    return response


def joined_text(events: list[dict[str, Any]]) -> str:
    return "".join(
        p.get("text", "")
        for e in events
        for c in e.get("candidates", [])
        for p in c.get("content", {}).get("parts", [])
        if not p.get("thought")
    )


def test_sse_framing_and_event_contents(emu_client: httpx.Client) -> None:
    response = stream(emu_client, ask("Hello stream"))
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["transfer-encoding"] == "chunked"
    events = sse_events(response.content)
    assert len(events) == 4
    assert b"[DONE]" not in response.content
    unary = emu_client.post(f"/v1beta/models/{FLASH}:generateContent", json=ask("Hello stream")).json()
    assert joined_text(events) == unary["candidates"][0]["content"]["parts"][0]["text"]
    ids = {e["responseId"] for e in events}
    assert len(ids) == 1
    assert all(e["modelVersion"] == FLASH for e in events)
    assert [("finishReason" in e["candidates"][0]) for e in events] == [False, False, False, True]


def test_usage_is_cumulative_on_every_event(emu_client: httpx.Client) -> None:
    events = sse_events(stream(emu_client, ask("Count my tokens please")).content)
    usages = [e["usageMetadata"] for e in events]
    prompts = {u["promptTokenCount"] for u in usages}
    assert prompts == {6}
    produced = [u.get("candidatesTokenCount", 0) for u in usages]
    assert produced == sorted(produced)
    assert produced[-1] == -(-len(joined_text(events)) // 4)
    for usage in usages:
        expected = usage["promptTokenCount"] + usage.get("candidatesTokenCount", 0) + usage.get("thoughtsTokenCount", 0)
        assert usage["totalTokenCount"] == expected


def test_json_array_framing(emu_client: httpx.Client) -> None:
    response = stream(emu_client, ask("Hello array"), sse=False)
    assert response.headers["content-type"].startswith("application/json")
    raw = response.text
    assert raw.startswith("[{\n")
    assert "\n,\r\n{" in raw
    assert raw.endswith("\n]")
    events = json.loads(raw)
    assert len(events) == 4
    assert "finishReason" in events[-1]["candidates"][0]


def test_stream_events_setting_splits_long_enough_text(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    emu.configure(stream_events=200)
    events = sse_events(stream(emu_client, ask("Hi")).content)
    assert len(events) == 200
    text = joined_text(events)
    assert all(e["candidates"][0]["content"]["parts"][0]["text"] for e in events)
    assert events[-1]["usageMetadata"]["candidatesTokenCount"] == -(-len(text) // 4)


def test_thoughts_stream_first_and_function_calls_arrive_whole(emu_client: httpx.Client) -> None:
    thinking = sse_events(
        stream(emu_client, ask("Hi", generationConfig={"thinkingConfig": {"includeThoughts": True}})).content
    )
    flags = [bool(e["candidates"][0]["content"]["parts"][0].get("thought")) for e in thinking]
    assert flags[0] is True
    assert flags == sorted(flags, reverse=True)  # thoughts, then answer
    assert all(e["usageMetadata"]["thoughtsTokenCount"] > 0 for e in thinking)
    declaration = {"name": "lookup", "parameters": {"type": "OBJECT", "properties": {"q": {"type": "STRING"}}}}
    body = ask(
        "find 'x'",
        tools=[{"functionDeclarations": [declaration]}],
        toolConfig={"functionCallingConfig": {"mode": "ANY"}},
    )
    (event,) = sse_events(stream(emu_client, body).content)
    (part,) = event["candidates"][0]["content"]["parts"]
    assert part["functionCall"] == {"name": "lookup", "args": {"q": "x"}}
    assert event["candidates"][0]["finishReason"] == "STOP"


def test_multiple_candidates_stream_with_indices(emu_client: httpx.Client) -> None:
    events = sse_events(stream(emu_client, ask("Hi", generationConfig={"candidateCount": 2})).content)
    last = events[-1]["candidates"]
    assert [c.get("index", 0) for c in last] == [0, 1]
    assert all(c["finishReason"] == "STOP" for c in last)


def test_blocked_prompt_streams_one_event(emu_client: httpx.Client) -> None:
    (event,) = sse_events(stream(emu_client, ask("[emulator:block-prompt]")).content)
    assert event["promptFeedback"]["blockReason"] == "SAFETY"
    assert "candidates" not in event


def test_enqueued_dict_is_split_and_list_is_sent_as_is(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    scripted = {
        "candidates": [
            {"content": {"role": "model", "parts": [{"text": "one two three four five six"}]}, "finishReason": "STOP"}
        ],
        "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 8, "totalTokenCount": 13},
        "modelVersion": "scripted-model",
    }
    emu.enqueue(scripted)
    events = sse_events(stream(emu_client, ask("x")).content)
    assert len(events) == 4
    assert joined_text(events) == "one two three four five six"
    assert events[-1]["usageMetadata"] == scripted["usageMetadata"]
    assert all(e["modelVersion"] == "scripted-model" for e in events)
    raw_events = [{"candidates": [{"content": {"parts": [{"text": "a"}]}}]}, {"weird": True}]
    emu.enqueue(raw_events, method="streamGenerateContent")
    assert sse_events(stream(emu_client, ask("x")).content) == raw_events


def test_early_error_is_plain_json_in_sse_and_list_wrapped_in_array_mode(emu_client: httpx.Client) -> None:
    bad = {"contents": []}
    sse = emu_client.post(URL, params={"alt": "sse"}, json=bad)
    assert sse.status_code == 400
    assert sse.json()["error"]["status"] == "INVALID_ARGUMENT"
    array = emu_client.post(URL, json=bad)
    assert array.status_code == 400
    body = array.json()
    assert isinstance(body, list)
    assert body[0]["error"]["code"] == 400


@pytest.mark.parametrize("events", [1, 3, 17, 200])
@pytest.mark.parametrize(
    ("model", "body"),
    [
        ("gemini-2.5-flash", ask("Hello")),
        ("gemini-2.5-pro", ask('Héllo "quoted" 100%', generationConfig={"thinkingConfig": {"includeThoughts": True}})),
        ("gemini-2.0-flash", ask("[emulator:finish-recitation] " + "long " * 50)),
        ("gemini-2.5-flash", ask("Hi", generationConfig={"maxOutputTokens": 150})),
    ],
)
def test_fast_sse_path_matches_the_general_framing(model: str, body: dict[str, Any], events: int) -> None:
    from langchain_gemini.testing._generate import default_response
    from langchain_gemini.testing._models import DEFAULT_MODELS
    from langchain_gemini.testing._normalize import normalize
    from langchain_gemini.testing._stream import frame_events, pad_text, split_response, sse_stream

    info = next(m for m in DEFAULT_MODELS if m.id == model)
    answer = pad_text(default_response(normalize(body, "GenerateContentRequest"), info, "0badc0de", "rid"), events)
    assert sse_stream(answer, events) == frame_events(split_response(answer, events), sse=True)
