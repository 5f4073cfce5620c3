"""Answer fields Google adds for particular settings and tools: log probabilities, tool-use usage, cache hits."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage

from langchain_gemini import ChatGemini, GeminiBadRequestError
from langchain_gemini.testing import GeminiEmulator
from tests.integration.conftest import EMULATOR_KEY
from tests.integration.emulator_helpers import ask, generate, rejected, text_of

LOGPROBS_MODEL = "gemini-2.0-flash"


def _logprobs_request(top: int | None) -> dict[str, Any]:
    config: dict[str, Any] = {"responseLogprobs": True}
    if top is not None:
        config["logprobs"] = top
    return ask("Name a colour", generationConfig=config)


def test_logprobs_follow_the_answer_text(emu_client: httpx.Client) -> None:
    answer = generate(emu_client, _logprobs_request(3), LOGPROBS_MODEL)
    candidate = answer["candidates"][0]
    result = candidate["logprobsResult"]
    chosen, top = result["chosenCandidates"], result["topCandidates"]
    text = text_of(answer)
    assert "".join(entry["token"] for entry in chosen) == text
    assert len(chosen) == len(top) == answer["usageMetadata"]["candidatesTokenCount"]
    for entry, step in zip(chosen, top, strict=True):
        assert set(entry) == {"token", "tokenId", "logProbability"}
        assert entry["logProbability"] < 0
        ranked = step["candidates"]
        assert len(ranked) == 3
        assert ranked[0]["token"] == entry["token"]
        assert len({alt["token"] for alt in ranked}) == 3
        values = [alt["logProbability"] for alt in ranked]
        assert values == sorted(values, reverse=True)  # "sorted by log probability in descending order"
    total = sum(entry["logProbability"] for entry in chosen)
    assert result["logProbabilitySum"] == pytest.approx(total, abs=1e-6)
    assert candidate["avgLogprobs"] == pytest.approx(total / len(chosen), abs=1e-6)
    again = generate(emu_client, _logprobs_request(3), LOGPROBS_MODEL)
    assert again["candidates"] == answer["candidates"]  # deterministic


def test_logprobs_without_top_candidates(emu_client: httpx.Client) -> None:
    result = generate(emu_client, _logprobs_request(None), LOGPROBS_MODEL)["candidates"][0]["logprobsResult"]
    assert "topCandidates" not in result
    assert result["chosenCandidates"]


def test_no_logprobs_unless_asked(emu_client: httpx.Client) -> None:
    candidate = generate(emu_client, ask("Name a colour"), LOGPROBS_MODEL)["candidates"][0]
    assert "logprobsResult" not in candidate


def test_logprobs_are_refused_where_not_enabled(emu_client: httpx.Client) -> None:
    error = rejected(emu_client, _logprobs_request(2), "gemini-2.5-flash")
    assert error["message"] == "Logprobs is not enabled for models/gemini-2.5-flash"
    assert error["status"] == "INVALID_ARGUMENT"


def test_logprobs_streamed(emu_client: httpx.Client) -> None:
    url = f"/v1beta/models/{LOGPROBS_MODEL}:streamGenerateContent?alt=sse"
    events = [
        line.removeprefix("data: ")
        for line in emu_client.post(url, json=_logprobs_request(2)).text.splitlines()
        if line.startswith("data: ")
    ]
    bodies = [json.loads(event) for event in events]
    assert "logprobsResult" in bodies[-1]["candidates"][0]
    parts = [part for body in bodies for part in body["candidates"][0].get("content", {}).get("parts", [])]
    streamed = "".join(part.get("text", "") for part in parts)
    chosen = bodies[-1]["candidates"][0]["logprobsResult"]["chosenCandidates"]
    assert "".join(entry["token"] for entry in chosen) == streamed


def test_chat_gemini_returns_logprobs(emu: GeminiEmulator) -> None:
    chat = ChatGemini(
        model=LOGPROBS_MODEL, api_key=EMULATOR_KEY, base_url=emu.base_url, response_logprobs=True, logprobs=3
    )
    message = chat.invoke("Name a colour")
    entries = message.response_metadata["logprobs"]["content"]
    assert "".join(entry["token"] for entry in entries) == message.content
    assert all(len(entry["top_logprobs"]) == 3 for entry in entries)
    assert entries[0]["top_logprobs"][0]["token"] == entries[0]["token"]
    assert entries[0]["bytes"] == list(entries[0]["token"].encode())
    assert message.response_metadata["avg_logprobs"] == pytest.approx(
        sum(entry["logprob"] for entry in entries) / len(entries), abs=1e-6
    )
    streamed = list(chat.stream("Name a colour"))
    merged = streamed[0]
    for chunk in streamed[1:]:
        merged += chunk
    assert [e["token"] for e in merged.response_metadata["logprobs"]["content"]] == [e["token"] for e in entries]


def test_chat_gemini_logprobs_refused_on_2_5(emu: GeminiEmulator) -> None:
    chat = ChatGemini(model="gemini-2.5-flash", api_key=EMULATOR_KEY, base_url=emu.base_url, response_logprobs=True)
    with pytest.raises(GeminiBadRequestError, match=r"Logprobs is not enabled for models/gemini-2\.5-flash"):
        chat.invoke("hi")


def _sse(client: httpx.Client, body: dict[str, Any], model: str) -> list[dict[str, Any]]:
    response = client.post(f"/v1beta/models/{model}:streamGenerateContent?alt=sse", json=body)
    assert response.status_code == 200, response.text
    return [json.loads(line.removeprefix("data: ")) for line in response.text.splitlines() if line.startswith("data: ")]


@pytest.mark.parametrize(
    ("tool", "prompt", "metadata"),
    [
        ({"googleSearch": {}}, "Who won the match?", ["groundingMetadata"]),
        ({"fileSearch": {"fileSearchStoreNames": ["fileSearchStores/s"]}}, "Capital?", ["groundingMetadata"]),
        (
            {"urlContext": {}},
            "Summarise https://example.com/a.html please",
            ["groundingMetadata", "urlContextMetadata"],  # the page read grounds the answer too
        ),
    ],
)
def test_built_in_tools_report_tool_use_tokens(
    emu_client: httpx.Client, tool: dict[str, Any], prompt: str, metadata: list[str]
) -> None:
    answer = generate(emu_client, ask(prompt, tools=[tool]), "gemini-2.5-pro")
    usage = answer["usageMetadata"]
    fed = json.dumps([answer["candidates"][0][key] for key in metadata], separators=(",", ":"))
    expected = (len(fed) + 3) // 4
    assert usage["toolUsePromptTokenCount"] == expected
    assert usage["toolUsePromptTokensDetails"] == [{"modality": "TEXT", "tokenCount": expected}]
    parts = usage["promptTokenCount"] + usage["candidatesTokenCount"] + usage["thoughtsTokenCount"]
    assert usage["totalTokenCount"] == parts + expected
    events = _sse(emu_client, ask(prompt, tools=[tool]), "gemini-2.5-pro")
    assert len(events) > 1
    assert {event["usageMetadata"]["toolUsePromptTokenCount"] for event in events} == {expected}


def test_no_tool_use_tokens_without_a_tool_run(emu_client: httpx.Client) -> None:
    plain = generate(emu_client, ask("Who won the match?"), "gemini-2.5-pro")["usageMetadata"]
    assert "toolUsePromptTokenCount" not in plain
    no_urls = generate(emu_client, ask("No links here", tools=[{"urlContext": {}}]))["usageMetadata"]
    assert "toolUsePromptTokenCount" not in no_urls


def test_no_tool_use_tokens_with_server_side_invocations(emu_client: httpx.Client) -> None:
    body = ask(
        "Who won the match?",
        tools=[{"googleSearch": {}}],
        toolConfig={"includeServerSideToolInvocations": True},
    )
    usage = generate(emu_client, body, "gemini-3-flash-preview")["usageMetadata"]
    assert "toolUsePromptTokenCount" not in usage


_WEATHER = [
    {
        "functionDeclarations": [
            {
                "name": "get_weather",
                "description": "The weather in a city.",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            }
        ]
    }
]


def _last_parts(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return events[-1]["candidates"][0]["content"]["parts"]  # type: ignore[no-any-return]


def test_gemini_3_function_call_stream_ends_on_an_unsigned_empty_text(emu_client: httpx.Client) -> None:
    body = ask("Weather in Paris?", tools=_WEATHER, toolConfig={"functionCallingConfig": {"mode": "ANY"}})
    events = _sse(emu_client, body, "gemini-3-flash-preview")
    assert _last_parts(events) == [{"text": ""}]
    assert events[-1]["candidates"][0]["finishReason"] == "STOP"
    (call,) = [part for event in events[:-1] for part in event["candidates"][0]["content"]["parts"]]
    assert call["functionCall"]["name"] == "get_weather"
    assert "thoughtSignature" in call
    assert all("finishReason" not in event["candidates"][0] for event in events[:-1])


@pytest.mark.parametrize("alt", ["?alt=sse", ""])
def test_gemini_3_text_stream_ends_on_one_signed_empty_text(emu_client: httpx.Client, alt: str) -> None:
    response = emu_client.post(f"/v1beta/models/gemini-3-flash-preview:streamGenerateContent{alt}", json=ask("Hi"))
    if alt:
        events = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]
    else:
        events = response.json()
    (last,) = _last_parts(events)
    assert last["text"] == ""
    assert last["thoughtSignature"]
    texts = [part for event in events for part in event["candidates"][0]["content"]["parts"]]
    assert [part for part in texts if part.get("text") == ""] == [last]


def test_gemini_2_5_function_call_stream_has_no_empty_text(emu_client: httpx.Client) -> None:
    body = ask("Weather in Paris?", tools=_WEATHER, toolConfig={"functionCallingConfig": {"mode": "ANY"}})
    events = _sse(emu_client, body, "gemini-2.5-flash")
    parts = [part for event in events for part in event["candidates"][0]["content"]["parts"]]
    assert [set(part) - {"thoughtSignature"} for part in parts] == [{"functionCall"}]


_SERVER_SIDE = {"includeServerSideToolInvocations": True}


def test_gemini_3_server_side_search_answers_with_tool_call_and_response(emu_client: httpx.Client) -> None:
    body = ask("Top news today?", tools=[{"googleSearch": {}}], toolConfig=_SERVER_SIDE)
    answer = generate(emu_client, body, "gemini-3-flash-preview")
    call, response, text = answer["candidates"][0]["content"]["parts"]
    assert call["toolCall"]["toolType"] == response["toolResponse"]["toolType"] == "GOOGLE_SEARCH_WEB"
    assert call["toolCall"]["args"] == {"queries": ["Top news today?"]}
    assert call["toolCall"]["id"] == response["toolResponse"]["id"]
    assert set(response["toolResponse"]["response"]) == {"search_suggestions"}
    assert all(part["thoughtSignature"] for part in (call, response, text))
    assert text["text"]
    assert "groundingMetadata" in answer["candidates"][0]
    replay = ask("And tomorrow?", tools=[{"googleSearch": {}}], toolConfig=_SERVER_SIDE)
    replay["contents"][:0] = [body["contents"][0], answer["candidates"][0]["content"]]
    assert generate(emu_client, replay, "gemini-3-flash-preview")["candidates"][0]["content"]["parts"][0]["toolCall"]


@pytest.mark.parametrize(
    ("model", "tool_config"),
    [("gemini-3-flash-preview", None), ("gemini-2.5-flash", _SERVER_SIDE)],
)
def test_no_tool_parts_without_server_side_invocations(
    emu_client: httpx.Client, model: str, tool_config: dict[str, Any] | None
) -> None:
    extra = {"toolConfig": tool_config} if tool_config else {}
    answer = generate(emu_client, ask("Top news today?", tools=[{"googleSearch": {}}], **extra), model)
    parts = answer["candidates"][0]["content"]["parts"]
    assert not [part for part in parts if "toolCall" in part or "toolResponse" in part]


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def test_chat_gemini_server_side_tool_blocks(emu: GeminiEmulator) -> None:
    chat = ChatGemini(model="gemini-3-flash-preview", api_key=EMULATOR_KEY, base_url=emu.base_url)
    bound = chat.bind_tools([{"google_search": {}}, add])
    message = bound.invoke("Search the news of today")
    sent = emu.requests[-1].json
    assert sent["toolConfig"] == _SERVER_SIDE
    blocks: list[dict[str, Any]] = [dict(block) for block in message.content_blocks]
    kinds = [block["type"] for block in blocks]
    assert kinds[:2] == ["server_tool_call", "server_tool_result"]
    call, result = blocks[0], blocks[1]
    assert call["name"] == "google_search_web"
    assert call["args"] == {"queries": ["Search the news of today"]}
    assert result["tool_call_id"] == call["id"]
    assert "text" in kinds
    assert not message.tool_calls
    follow_up = bound.invoke([HumanMessage("Search the news of today"), message, HumanMessage("More?")])
    assert follow_up.content_blocks[0]["type"] == "server_tool_call"
    replayed = emu.requests[-1].json["contents"][1]["parts"]
    assert [next(k for k in part if k != "thoughtSignature") for part in replayed] == [
        "toolCall",
        "toolResponse",
        "text",
    ]
