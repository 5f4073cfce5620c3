"""Gemini 4 Argon in the emulator (`testing._models._gemini_4`) and long decode (`testing._long_decode`)."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

import httpx
import pytest

from langchain_gemini.testing import DEFAULT_MODELS, LONG_ANSWER_TRIGGER, GeminiEmulator
from tests.integration.emulator_helpers import ask, generate, parts_of, rejected, text_of

ARGON = "gemini-4-argon"
CYBER = "gemini-4-argon-cyber-permissive"
LONG = "Write the long report. [emulator:long-answer:70000]"
REFUSED = "Invalid continuation_token: it was not issued for this request and model."


def numbered(first_word: int, last_word: int) -> str:
    """The words of a long answer, built independently of the emulator: "0000001 0000002 ..."."""
    return "".join(f"{number:07d} " for number in range(first_word, last_word + 1))


def resume(body: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    return {**body, "continuationToken": answer["candidates"][0]["continuationToken"]}


def sse_events(client: httpx.Client, body: dict[str, Any], model: str = ARGON) -> list[dict[str, Any]]:
    response = client.post(f"/v1beta/models/{model}:streamGenerateContent", params={"alt": "sse"}, json=body)
    assert response.status_code == 200, response.text
    blocks = response.content.split(b"\r\n\r\n")
    assert blocks[-1] == b""
    return [json.loads(block.removeprefix(b"data: ")) for block in blocks[:-1]]


def streamed_text(events: list[dict[str, Any]]) -> str:
    return "".join(text_of(event) for event in events)


def test_the_trigger_constant_names_the_phrase() -> None:
    assert LONG_ANSWER_TRIGGER == "[emulator:long-answer:<N>]"


@pytest.mark.parametrize(("model", "name"), [(ARGON, "Gemini 4 Argon"), (CYBER, "Gemini 4 Argon Cyber Permissive")])
def test_rows_and_limits(emu_client: httpx.Client, model: str, name: str) -> None:
    row = emu_client.get(f"/v1beta/models/{model}").json()
    assert row["displayName"] == name
    assert (row["inputTokenLimit"], row["outputTokenLimit"]) == (1_048_576, 65_536)
    assert row["supportedGenerationMethods"] == ["generateContent", "countTokens", "batchGenerateContent"]
    assert row["thinking"] is True
    listed = [m["name"] for m in emu_client.get("/v1beta/models", params={"pageSize": 1000}).json()["models"]]
    assert f"models/{model}" in listed


@pytest.mark.parametrize("level", ["LOW", "MEDIUM", "HIGH"])
def test_levels_low_to_high_are_accepted(emu_client: httpx.Client, level: str) -> None:
    answer = generate(emu_client, ask(generationConfig={"thinkingConfig": {"thinkingLevel": level}}), ARGON)
    assert answer["usageMetadata"]["thoughtsTokenCount"] > 0


def test_minimal_is_refused_and_thinking_cannot_be_disabled(emu_client: httpx.Client) -> None:
    minimal = ask(generationConfig={"thinkingConfig": {"thinkingLevel": "MINIMAL"}})
    assert rejected(emu_client, minimal, ARGON)["message"] == "Thinking level MINIMAL is not supported for this model."
    off = ask(generationConfig={"thinkingConfig": {"thinkingBudget": 0}})
    assert rejected(emu_client, off, ARGON) == rejected(emu_client, off, "gemini-3.1-pro-preview")


def test_explicit_cache_is_refused_as_for_other_models_without_it(emu_client: httpx.Client) -> None:
    body = {"model": f"models/{ARGON}", "contents": [{"role": "user", "parts": [{"text": "x" * 4 * 7000}]}]}
    response = emu_client.post("/v1beta/cachedContents", json=body)
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": 404,
        "message": f"models/{ARGON} is not found for API version v1beta, or is not supported for "
        "createCachedContent. Call ListModels to see the list of available models and their supported methods.",
        "status": "NOT_FOUND",
    }


def manual_request(tokens: int, question: str) -> dict[str, Any]:
    return ask(question, systemInstruction={"parts": [{"text": "abcd" * tokens}]})


def test_implicit_cache_from_6144_tokens(emu_client: httpx.Client) -> None:
    generate(emu_client, manual_request(6144, "First?"), ARGON)
    hit = generate(emu_client, manual_request(6144, "Second?"), ARGON)["usageMetadata"]
    assert hit["cachedContentTokenCount"] == 6144
    assert hit["cacheTokensDetails"] == [{"modality": "TEXT", "tokenCount": 6144}]
    generate(emu_client, manual_request(6143, "First?"), ARGON)
    below = generate(emu_client, manual_request(6143, "Second?"), ARGON)["usageMetadata"]
    assert "cachedContentTokenCount" not in below  # 6,143 tokens: cached on Gemini 3 (4,096), not on Gemini 4
    generate(emu_client, manual_request(6143, "First?"), "gemini-3.1-pro-preview")
    gemini_3 = generate(emu_client, manual_request(6143, "Second?"), "gemini-3.1-pro-preview")["usageMetadata"]
    assert gemini_3["cachedContentTokenCount"] == 6143


def test_a_70000_token_answer_in_three_requests(emu_client: httpx.Client) -> None:
    body = ask(LONG, generationConfig={"thinkingConfig": {"includeThoughts": True}})
    first = generate(emu_client, body, ARGON)
    second = generate(emu_client, resume(body, first), ARGON)
    third = generate(emu_client, resume(body, second), ARGON)
    hops = [first, second, third]
    assert [text_of(a) for a in hops] == [numbered(1, 16384), numbered(16385, 32768), numbered(32769, 35000)]
    assert len("".join(text_of(a) for a in hops)) == 4 * 70_000
    candidates = [a["candidates"][0] for a in hops]
    assert [c["finishReason"] for c in candidates] == ["CONTINUATION", "CONTINUATION", "STOP"]
    assert "continuationToken" in candidates[0]
    assert "continuationToken" in candidates[1]
    assert "continuationToken" not in candidates[2]
    assert candidates[0]["continuationToken"] != candidates[1]["continuationToken"]
    thoughts = first["usageMetadata"]["thoughtsTokenCount"]
    prompt = first["usageMetadata"]["promptTokenCount"]
    assert prompt == 13
    for answer, produced, thought in zip(hops, [32_768, 32_768, 4_464], [thoughts, 0, 0], strict=True):
        usage = answer["usageMetadata"]
        assert usage["promptTokenCount"] == prompt  # every hop is a request: the prompt is counted again
        assert usage["candidatesTokenCount"] == produced
        assert usage.get("thoughtsTokenCount", 0) == thought
        assert usage["totalTokenCount"] == prompt + produced + thought
    # thoughts, their summary and the signature come with the first hop only
    assert parts_of(first)[0]["thought"] is True
    assert "thoughtSignature" in parts_of(first)[-1]
    for later in (second, third):
        assert [set(part) for part in parts_of(later)] == [{"text"}]


def test_a_stream_hop_carries_65536_tokens_and_ends_on_the_token(emu_client: httpx.Client) -> None:
    body = ask(LONG)
    first = sse_events(emu_client, body)
    last = first[-1]["candidates"][0]
    assert last["finishReason"] == "CONTINUATION"
    # Gemini 3 and 4 streams end on an empty text, here carrying the signature of the (thinking) first hop
    assert [set(part) for part in last["content"]["parts"]] == [{"text", "thoughtSignature"}]
    assert last["content"]["parts"][0]["text"] == ""
    token = last["continuationToken"]
    assert all("finishReason" not in event["candidates"][0] for event in first[:-1])
    assert streamed_text(first) == numbered(1, 32768)
    # four events (the emulator's default) of 16,384 tokens each: a checkpoint on each, the last before the empty end
    assert covered(first) == [16384, 32768, 49152, 65536]
    assert first[-1]["usageMetadata"]["candidatesTokenCount"] == 65_536
    rest = sse_events(emu_client, {**body, "continuationToken": token})
    assert streamed_text(rest) == numbered(32769, 35000)
    end = rest[-1]["candidates"][0]
    assert end["finishReason"] == "STOP"
    assert "continuationToken" not in end
    assert end["content"]["parts"] == [{"text": ""}]  # no signature after the first hop
    assert rest[-1]["usageMetadata"]["candidatesTokenCount"] == 4_464
    assert "thoughtsTokenCount" not in rest[-1]["usageMetadata"]


def test_max_output_tokens_is_the_budget_of_the_whole_answer(emu_client: httpx.Client) -> None:
    body = ask(LONG, generationConfig={"maxOutputTokens": 40_000})
    first = generate(emu_client, body, ARGON)
    thoughts = first["usageMetadata"]["thoughtsTokenCount"]
    assert first["usageMetadata"]["candidatesTokenCount"] == 32_768
    second = generate(emu_client, resume(body, first), ARGON)
    left = 40_000 - thoughts - 32_768
    assert second["usageMetadata"]["candidatesTokenCount"] == left
    assert second["candidates"][0]["finishReason"] == "MAX_TOKENS"
    assert text_of(first) + text_of(second) == numbered(1, 35000)[: 4 * (32_768 + left)]
    # The budget is spent; the token still resumes the answer when the budget is raised
    again = generate(emu_client, resume(body, second), ARGON)
    assert again["candidates"][0]["finishReason"] == "MAX_TOKENS"
    assert "candidatesTokenCount" not in again["usageMetadata"]
    raised = {**resume(body, second), "generationConfig": {"maxOutputTokens": 80_000}}
    last = generate(emu_client, raised, ARGON)
    assert last["candidates"][0]["finishReason"] == "STOP"
    assert text_of(first) + text_of(second) + text_of(last) == numbered(1, 35000)


def test_a_model_without_long_decode_stops_at_its_output_limit(emu_client: httpx.Client) -> None:
    answer = generate(emu_client, ask(LONG), "gemini-2.0-flash")  # output limit 8,192, no thinking
    candidate = answer["candidates"][0]
    assert candidate["finishReason"] == "MAX_TOKENS"
    assert "continuationToken" not in candidate
    assert text_of(answer) == numbered(1, 4096)
    budget = generate(emu_client, ask(LONG, generationConfig={"maxOutputTokens": 50}), "gemini-2.0-flash")
    assert text_of(budget) == numbered(1, 25)
    assert budget["candidates"][0]["finishReason"] == "MAX_TOKENS"


def test_a_short_answer_on_argon_ends_stop_without_a_token(emu_client: httpx.Client) -> None:
    answer = generate(emu_client, ask("Write [emulator:long-answer:10]"), ARGON)
    assert text_of(answer) == "0000001 0000002 0000003 0000004 0000005 "
    assert answer["candidates"][0]["finishReason"] == "STOP"
    assert "continuationToken" not in answer["candidates"][0]


def forged(token: str, **changes: Any) -> str:
    raw = base64.b64decode(token)
    payload, mac = raw[:-16], raw[-16:]
    fields = {**json.loads(payload), **changes}
    return base64.b64encode(json.dumps(fields, separators=(",", ":")).encode() + mac).decode()


def test_tokens_the_emulator_did_not_issue_are_refused(emu_client: httpx.Client) -> None:
    body = ask(LONG)
    token = generate(emu_client, body, ARGON)["candidates"][0]["continuationToken"]
    cases = [
        {**body, "continuationToken": base64.b64encode(b"made up by the client").decode()},
        {**body, "continuationToken": forged(token, sent=65_536)},  # altered: the MAC no longer matches
        {**ask(LONG + " Also add a summary."), "continuationToken": token},  # another request
    ]
    for case in cases:
        error = rejected(emu_client, case, ARGON)
        assert error == {"code": 400, "message": REFUSED, "status": "INVALID_ARGUMENT"}
    assert rejected(emu_client, {**body, "continuationToken": token}, CYBER)["message"] == REFUSED  # another model
    assert generate(emu_client, {**body, "continuationToken": token}, ARGON)["candidates"][0]["finishReason"]


def test_an_empty_generation_config_is_the_same_request(emu_client: httpx.Client) -> None:
    first = generate(emu_client, ask(LONG), ARGON)  # google-genai resends `generationConfig: {}` (its conformance test)
    second = generate(emu_client, {**resume(ask(LONG), first), "generationConfig": {}}, ARGON)
    assert text_of(second) == numbered(16385, 32768)


def test_a_token_resumes_on_vertex_too(emu_client: httpx.Client) -> None:
    path = f"/v1beta1/publishers/google/models/{ARGON}:generateContent"
    first = emu_client.post(path, json=ask(LONG))
    assert first.status_code == 200, first.text
    second = emu_client.post(path, json=resume(ask(LONG), first.json()))
    assert second.status_code == 200, second.text
    assert text_of(second.json()) == numbered(16385, 32768)


def covered(events: list[dict[str, Any]]) -> list[int]:
    """The answer tokens streamed up to each event that carries a checkpoint (a token without a finish reason)."""
    out, chars = [], 0
    for event in events:
        chars += len(text_of(event))
        candidate = event["candidates"][0]
        if "continuationToken" in candidate and "finishReason" not in candidate:
            out.append(chars // 4)
    return out


def test_checkpoints_every_8192_tokens_of_a_stream_hop(emu: GeminiEmulator, emu_client: httpx.Client) -> None:
    emu.configure(stream_events=100)  # 65,536 tokens in ~656-token events: checkpoints land past each multiple
    first = sse_events(emu_client, ask(LONG))
    marks = covered(first)
    assert len(marks) == 8  # the first event at or past each multiple of 8,192 (the last is the 65,536th token)
    assert all(8192 * n <= mark < 8192 * n + 1000 for n, mark in enumerate(marks, start=1))
    checkpoints = [e for e in first if "continuationToken" in e["candidates"][0]]
    assert all("finishReason" not in e["candidates"][0] for e in checkpoints[:-1])
    assert checkpoints[-1]["candidates"][0]["finishReason"] == "CONTINUATION"
    tokens = [e["candidates"][0]["continuationToken"] for e in checkpoints]
    assert len(set(tokens[:-1])) == 8  # each its own position
    assert tokens[-1] == tokens[-2]  # the 65,536th token: the hop's own token covers the same text
    non_streaming = generate(emu_client, ask(LONG), ARGON)  # a unary hop has no events, so no checkpoint
    assert non_streaming["candidates"][0]["finishReason"] == "CONTINUATION"


@pytest.mark.parametrize("which", [0, 3, 6])
def test_a_checkpoint_resumes_exactly_after_its_text(emu: GeminiEmulator, emu_client: httpx.Client, which: int) -> None:
    emu.configure(stream_events=100)
    body = ask(LONG)
    first = sse_events(emu_client, body)
    index = [i for i, e in enumerate(first) if "continuationToken" in e["candidates"][0]][which]
    token = first[index]["candidates"][0]["continuationToken"]
    before = streamed_text(first[: index + 1])
    rest: list[dict[str, Any]] = []
    hop = sse_events(emu_client, {**body, "continuationToken": token})
    rest += hop
    while hop[-1]["candidates"][0]["finishReason"] == "CONTINUATION":
        hop = sse_events(emu_client, {**body, "continuationToken": hop[-1]["candidates"][0]["continuationToken"]})
        rest += hop
    assert rest[-1]["candidates"][0]["finishReason"] == "STOP"
    assert before + streamed_text(rest) == numbered(1, 35000)  # no gap, no overlap
    # the resumed hop is a request of its own: its usage counts its own output only, no thoughts again
    resumed = sse_events(emu_client, {**body, "continuationToken": token})
    assert resumed[-1]["usageMetadata"]["candidatesTokenCount"] == min(65_536, 70_000 - len(before) // 4)
    assert "thoughtsTokenCount" not in resumed[-1]["usageMetadata"]


def test_a_checkpoint_token_is_refused_for_another_request(emu: GeminiEmulator, emu_client: httpx.Client) -> None:
    first = sse_events(emu_client, ask(LONG))
    token = next(e["candidates"][0]["continuationToken"] for e in first if "continuationToken" in e["candidates"][0])
    response = emu_client.post(
        f"/v1beta/models/{ARGON}:streamGenerateContent",
        params={"alt": "sse"},
        json={**ask(LONG + " Another one."), "continuationToken": token},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == REFUSED


def test_every_stream_hop_and_framing_carries_its_token(emu_client: httpx.Client) -> None:
    body = ask("Write the longer report. [emulator:long-answer:140000]")
    first = sse_events(emu_client, body)
    # the second hop has no signature: a text-only stream, built by the emulator's fast SSE path
    second = sse_events(emu_client, {**body, "continuationToken": first[-1]["candidates"][0]["continuationToken"]})
    last = second[-1]["candidates"][0]
    assert last["finishReason"] == "CONTINUATION"
    assert last["content"]["parts"] == [{"text": ""}]
    assert streamed_text(second) == numbered(32769, 65536)
    token = last["continuationToken"]
    # the streamed JSON array (no alt=sse) frames the same events
    array = emu_client.post(
        f"/v1beta/models/{ARGON}:streamGenerateContent", json={**body, "continuationToken": token}
    ).json()
    assert "".join(text_of(event) for event in array) == numbered(65537, 70000)
    assert array[-1]["candidates"][0]["finishReason"] == "STOP"
    assert array[-1]["usageMetadata"]["candidatesTokenCount"] == 140_000 - 2 * 65_536


def test_input_and_output_share_the_context_window() -> None:
    argon = next(model for model in DEFAULT_MODELS if model.id == ARGON)
    small = dataclasses.replace(argon, id="gemini-4-small-window", input_token_limit=40_000)
    with (
        GeminiEmulator(models=[small]) as emulator,
        httpx.Client(base_url=emulator.base_url, headers={"x-goog-api-key": "k"}) as client,
    ):
        body = ask(LONG, generationConfig={"thinkingConfig": {"thinkingLevel": "LOW"}})
        first = generate(client, body, small.id)
        second = generate(client, resume(body, first), small.id)
    thoughts, prompt = first["usageMetadata"]["thoughtsTokenCount"], first["usageMetadata"]["promptTokenCount"]
    assert second["candidates"][0]["finishReason"] == "MAX_TOKENS"  # 40,000 tokens minus the prompt are spent
    assert second["usageMetadata"]["candidatesTokenCount"] == 40_000 - prompt - thoughts - 32_768


@pytest.mark.parametrize("events", [1, 4, 50])
def test_fast_sse_path_matches_the_general_framing_on_a_continuation_hop(events: int) -> None:
    from langchain_gemini.testing._generate import default_response
    from langchain_gemini.testing._long_decode import ContinuationTokens, long_decode
    from langchain_gemini.testing._normalize import normalize
    from langchain_gemini.testing._stream import end_on_empty_text, frame_events, split_response, sse_stream

    argon = next(model for model in DEFAULT_MODELS if model.id == ARGON)
    request = normalize(ask(LONG), "GenerateContentRequest")
    context = long_decode(request, argon, True, ContinuationTokens())
    answer = end_on_empty_text(default_response(request, argon, "0badc0de", "rid", long=context))
    assert answer["candidates"][0]["finishReason"] == "CONTINUATION"
    framed = sse_stream(answer, events)
    assert framed is not None
    assert framed == frame_events(split_response(answer, events), sse=True)
    assert b'"continuationToken": ' in framed[-1]


def test_argon_keeps_gemini_3s_tool_rules(emu_client: httpx.Client) -> None:
    weather = {"name": "get_weather", "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}}}
    tools = {"tools": [{"functionDeclarations": [weather]}], "toolConfig": {"functionCallingConfig": {"mode": "ANY"}}}
    question = {"role": "user", "parts": [{"text": "Weather in 'Paris'?"}]}
    turn = generate(emu_client, {"contents": [question], **tools}, ARGON)["candidates"][0]["content"]
    call = turn["parts"][0]
    assert call["functionCall"]["id"]  # function calls carry ids
    assert call["thoughtSignature"]
    del call["thoughtSignature"]  # signatures are validated on replay
    reply = {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"sky": "clear"}}}]}
    error = rejected(emu_client, {"contents": [question, turn, reply], **tools}, ARGON)
    assert error["message"] == "Function call `get_weather` in the `1.` content block is missing a `thought_signature`."
    combined = {"tools": [{"googleSearch": {}}, {"functionDeclarations": [weather]}]}  # built-in tools with functions
    assert generate(emu_client, {"contents": [question], **combined}, ARGON)["candidates"]
    media = {
        "inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="},
        "mediaResolution": {"level": "MEDIA_RESOLUTION_LOW"},  # per-part media resolution
    }
    picture = {"contents": [{"role": "user", "parts": [{"text": "Describe"}, media]}]}
    assert generate(emu_client, picture, ARGON)["candidates"]


def test_a_huge_answer_costs_one_hop_per_request(emu_client: httpx.Client) -> None:
    answer = generate(emu_client, ask("[emulator:long-answer:999999999]"), ARGON)  # ~4 GB if built whole
    assert text_of(answer) == numbered(1, 16384)
    assert answer["candidates"][0]["finishReason"] == "CONTINUATION"
