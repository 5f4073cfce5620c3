"""The Gemini emulator's tool calls, special outcomes, media, countTokens and embeddings, through raw httpx."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from langchain_gemini.testing import (
    BLOCK_PROMPT_TRIGGER,
    MALFORMED_CALL_TRIGGER,
    RECITATION_TRIGGER,
    SAFETY_TRIGGER,
)
from tests.integration.emulator_helpers import FLASH, PRO3, ask, generate, rejected, text_of

# --- tools --------------------------------------------------------------------------------------------------

MAGIC = {
    "name": "magic_function",
    "parameters": {"type": "OBJECT", "properties": {"input": {"type": "INTEGER"}}, "required": ["input"]},
}
WEATHER = {
    "name": "get_weather",
    "parametersJsonSchema": {
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    },
}


def _tools(mode: str | None = None, allowed: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"tools": [{"functionDeclarations": [MAGIC, WEATHER]}]}
    if mode:
        config: dict[str, Any] = {"mode": mode}
        if allowed:
            config["allowedFunctionNames"] = allowed
        out["toolConfig"] = {"functionCallingConfig": config}
    return out


def _calls(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [p["functionCall"] for p in answer["candidates"][0]["content"]["parts"] if "functionCall" in p]


def test_forced_call_takes_arguments_from_the_prompt(emu_client: httpx.Client) -> None:
    answer = generate(emu_client, ask("What is the value of magic_function(3)? Use the tool.", **_tools("ANY")))
    assert _calls(answer) == [{"name": "magic_function", "args": {"input": 3}}]  # 2.5 models send no call id
    assert "thoughtSignature" in answer["candidates"][0]["content"]["parts"][0]  # thinking + tools
    named = generate(emu_client, ask("Hello!", **_tools("ANY", ["get_weather"])))
    assert _calls(named) == [{"name": "get_weather", "args": {"location": "example location"}}]
    quoted = generate(emu_client, ask("What's the weather for 'Paris'?", **_tools("ANY", ["get_weather"])))
    assert _calls(quoted)[0]["args"] == {"location": "Paris"}


def test_auto_mode_calls_then_answers_after_the_function_response(emu_client: httpx.Client) -> None:
    first = generate(emu_client, ask("What is the weather in San Francisco? use get_weather", **_tools()))
    assert [c["name"] for c in _calls(first)] == ["get_weather"]
    history = {
        "contents": [
            {"role": "user", "parts": [{"text": "What is the weather? use get_weather"}]},
            first["candidates"][0]["content"],
            {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"result": "sunny"}}}]},
        ],
        **_tools(),
    }
    second = generate(emu_client, history)
    assert _calls(second) == []
    assert "sunny" in text_of(second)
    none = generate(emu_client, ask("use get_weather", **_tools("NONE")))
    assert _calls(none) == []


def test_parallel_calls_and_gemini_3_call_ids(emu_client: httpx.Client) -> None:
    both = generate(
        emu_client, ask("Call get_weather and magic_function(7)", **_tools("ANY")), model="gemini-3.6-flash"
    )
    calls = _calls(both)
    assert [c["name"] for c in calls] == ["magic_function", "get_weather"]
    assert calls[0]["args"] == {"input": 7}
    assert all(c["id"] for c in calls)
    assert calls[0]["id"] != calls[1]["id"]


def test_declaration_without_parameters_gets_empty_args(emu_client: httpx.Client) -> None:
    body = ask(
        "go",
        tools=[{"functionDeclarations": [{"name": "no_args"}]}],
        toolConfig={"functionCallingConfig": {"mode": "ANY"}},
    )
    assert _calls(generate(emu_client, body)) == [{"name": "no_args", "args": {}}]


# --- triggers and media -------------------------------------------------------------------------------------


def test_blocked_prompt_is_200_with_prompt_feedback_and_no_candidates(emu_client: httpx.Client) -> None:
    answer = generate(emu_client, ask(f"Please {BLOCK_PROMPT_TRIGGER}"))
    assert "candidates" not in answer
    assert answer["promptFeedback"]["blockReason"] == "SAFETY"
    assert answer["usageMetadata"]["promptTokenCount"] > 0


def test_safety_recitation_and_malformed_call_finishes(emu_client: httpx.Client) -> None:
    safety = generate(emu_client, ask(SAFETY_TRIGGER))["candidates"][0]
    assert safety["finishReason"] == "SAFETY"
    assert "content" not in safety
    assert any(r.get("blocked") for r in safety["safetyRatings"])
    recited = generate(emu_client, ask(RECITATION_TRIGGER))["candidates"][0]
    assert recited["finishReason"] == "RECITATION"
    assert recited["citationMetadata"]["citationSources"][0]["uri"]
    malformed = generate(emu_client, ask(MALFORMED_CALL_TRIGGER))["candidates"][0]
    assert malformed["finishReason"] == "MALFORMED_FUNCTION_CALL"
    assert malformed["finishMessage"]


def test_image_and_speech_output(emu_client: httpx.Client) -> None:
    image = generate(
        emu_client,
        ask("Draw a cat", generationConfig={"responseModalities": ["TEXT", "IMAGE"]}),
        model="gemini-2.5-flash-image",
    )
    parts = image["candidates"][0]["content"]["parts"]
    assert parts[0]["text"]
    assert parts[1]["inlineData"]["mimeType"] == "image/png"
    speech = generate(
        emu_client,
        ask("Say hi", generationConfig={"responseModalities": ["AUDIO"]}),
        model="gemini-2.5-flash-preview-tts",
    )
    (audio,) = speech["candidates"][0]["content"]["parts"]
    assert audio["inlineData"]["mimeType"] == "audio/L16;codec=pcm;rate=24000"


# --- countTokens and embeddings -----------------------------------------------------------------------------


def test_count_tokens_both_forms(emu_client: httpx.Client) -> None:
    contents = [
        {"role": "user", "parts": [{"text": "x" * 40}, {"inlineData": {"mimeType": "image/jpeg", "data": "AAAA"}}]}
    ]
    simple = emu_client.post(f"/v1beta/models/{FLASH}:countTokens", json={"contents": contents}).json()
    assert simple == {
        "totalTokens": 268,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 10}, {"modality": "IMAGE", "tokenCount": 258}],
    }
    system = {"parts": [{"text": "y" * 8}]}
    full = emu_client.post(
        f"/v1beta/models/{FLASH}:countTokens",
        json={
            "generateContentRequest": {"model": f"models/{FLASH}", "contents": contents, "systemInstruction": system}
        },
    ).json()
    assert full["totalTokens"] == 270  # the system instruction counts too


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def test_embeddings_are_deterministic_unit_vectors_with_raw_prefixes(emu_client: httpx.Client) -> None:
    def embed(text: str, **extra: Any) -> list[float]:
        body = {"content": {"parts": [{"text": text}]}, **extra}
        response = emu_client.post("/v1beta/models/gemini-embedding-001:embedContent", json=body)
        assert response.status_code == 200, response.text
        return response.json()["embedding"]["values"]  # type: ignore[no-any-return]

    full = embed("hello")
    assert len(full) == 3072
    assert all(isinstance(v, float) for v in full)
    assert math.isclose(math.sqrt(sum(v * v for v in full)), 1.0, rel_tol=1e-6)
    document = embed("hello", taskType="RETRIEVAL_DOCUMENT", title="Greeting")
    assert 0.2 < _cosine(document, full) < 1.0  # the task type and title move the vector, not far
    assert abs(_cosine(embed("goodbye"), full)) < 0.2
    short = embed("hello", outputDimensionality=768)
    assert short == full[:768]  # the truncated prefix, not renormalized
    assert math.sqrt(sum(v * v for v in short)) < 0.9
    assert embed("hello", outputDimensionality=130) == full[:130]


def test_batch_embeddings_keep_order(emu_client: httpx.Client) -> None:
    texts = ["foo", "bar", "baz"]
    requests = [
        {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": t}]}, "outputDimensionality": 256}
        for t in texts
    ]
    batch = emu_client.post("/v1beta/models/gemini-embedding-001:batchEmbedContents", json={"requests": requests})
    assert batch.status_code == 200
    vectors = [e["values"] for e in batch.json()["embeddings"]]
    singles = [
        emu_client.post(
            "/v1beta/models/gemini-embedding-001:embedContent",
            json={"content": {"parts": [{"text": t}]}, "outputDimensionality": 256},
        ).json()["embedding"]["values"]
        for t in texts
    ]
    assert vectors == singles
    big = emu_client.post(
        "/v1beta/models/gemini-embedding-001:batchEmbedContents", json={"requests": requests[:1] * 100}
    )
    assert len(big.json()["embeddings"]) == 100


# --- tool validation ------------------------------------------------------------------------------------------------

SEARCH = {"googleSearch": {}}


@pytest.mark.parametrize(
    ("body", "model", "message"),
    [
        (
            ask("x", tools=[{"functionDeclarations": [MAGIC]}, {"functionDeclarations": [MAGIC]}]),
            FLASH,
            "Duplicate function declaration found: magic_function",
        ),
        (
            ask("x", tools=[{"googleSearchRetrieval": {"dynamicRetrievalConfig": {"mode": "MODE_DYNAMIC"}}}]),
            FLASH,
            "google_search_retrieval is not supported. Please use google_search tool instead.",
        ),
        (
            ask("x", tools=[{"functionDeclarations": [MAGIC]}, SEARCH]),
            FLASH,
            "Tool use with function calling is unsupported",
        ),
        (
            ask("x", tools=[{"functionDeclarations": [MAGIC], "codeExecution": {}}]),
            "gemini-2.0-flash",
            "Tool use with function calling is unsupported",
        ),
        (
            ask("x", tools=[SEARCH], toolConfig={"functionCallingConfig": {"mode": "AUTO"}}),
            FLASH,
            "Function calling config is set without function_declarations.",
        ),
    ],
    ids=[
        "duplicate-names",
        "legacy-retrieval",
        "search-with-functions",
        "code-with-functions",
        "config-without-functions",
    ],
)
def test_tool_requests_google_rejects(emu_client: httpx.Client, body: dict[str, Any], model: str, message: str) -> None:
    assert rejected(emu_client, body, model=model) == {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}


def test_built_in_tool_shapes_and_gemini_3_combinations(emu_client: httpx.Client) -> None:
    shapes = [
        SEARCH,
        {"codeExecution": {}},
        {"urlContext": {}},
        {"googleSearch": {"timeRangeFilter": {"startTime": "2025-01-01T00:00:00Z"}}},
    ]
    assert generate(emu_client, ask("x", tools=shapes))["candidates"]
    bad = rejected(emu_client, ask("x", tools=[{"codeExecution": {"language": "PYTHON"}}]))
    assert (
        bad["message"]
        == "Invalid JSON payload received. Unknown name \"language\" at 'tools[0].code_execution': Cannot find field."
    )
    combined = ask("use get_weather", tools=[{"functionDeclarations": [WEATHER]}, SEARCH])
    combined["toolConfig"] = {"includeServerSideToolInvocations": True}
    assert _calls(generate(emu_client, combined, model=PRO3))[0]["name"] == "get_weather"


# --- forced calls ---------------------------------------------------------------------------------------------------


def test_mode_any_moves_on_to_functions_not_yet_called(emu_client: httpx.Client) -> None:
    answer_tool = {"name": "FinalAnswer", "parameters": {"type": "OBJECT", "properties": {"text": {"type": "STRING"}}}}
    tools = {
        "tools": [{"functionDeclarations": [WEATHER, answer_tool]}],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY"}},
    }
    first = generate(emu_client, ask("What is the weather in 'Oslo'?", **tools))
    assert [c["name"] for c in _calls(first)] == ["get_weather"]
    history = {
        "contents": [
            {"role": "user", "parts": [{"text": "What is the weather in 'Oslo'?"}]},
            first["candidates"][0]["content"],
            {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"result": "rain"}}}]},
        ],
        **tools,
    }
    assert [c["name"] for c in _calls(generate(emu_client, history))] == ["FinalAnswer"]
    history["contents"] += [
        {"role": "model", "parts": [{"functionCall": {"name": "FinalAnswer", "args": {}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "FinalAnswer", "response": {}}}]},
    ]
    assert [c["name"] for c in _calls(generate(emu_client, history))] == ["get_weather"]  # all called: start over


def test_forced_arguments_follow_json_schema_refs_and_unions(emu_client: httpx.Client) -> None:
    schema = {
        "$defs": {
            "Unit": {"enum": ["celsius", "fahrenheit"]},
            "Place": {
                "type": "object",
                "properties": {"city": {"type": "string", "minLength": 2}, "country": {"type": ["string", "null"]}},
                "required": ["city"],
            },
        },
        "type": "object",
        "properties": {
            "place": {"$ref": "#/$defs/Place"},
            "unit": {"$ref": "#/$defs/Unit"},
            "days": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 14}, {"type": "null"}]},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 3},
        },
        "required": ["place", "unit"],
    }
    body = ask(
        "Forecast for 'Lima' in fahrenheit for 5 days",
        tools=[{"functionDeclarations": [{"name": "forecast", "parametersJsonSchema": schema}]}],
        toolConfig={"functionCallingConfig": {"mode": "ANY"}},
    )
    (call,) = _calls(generate(emu_client, body))
    args = call["args"]
    assert list(args) == ["place", "unit", "days", "tags"]
    assert args["place"]["city"] == "Lima"
    assert isinstance(args["place"]["country"], str)
    assert args["unit"] == "fahrenheit"
    assert args["days"] == 5
    assert 2 <= len(args["tags"]) <= 3


def test_auto_mode_calls_only_when_the_turn_asks_for_it(emu_client: httpx.Client) -> None:
    assert _calls(generate(emu_client, ask("hi", **_tools()))) == []  # a greeting gets text, not a call
    weather = generate(emu_client, ask("What is the weather in 'Paris'?", **_tools()))
    assert [c["name"] for c in _calls(weather)] == ["get_weather"]  # "weather" is in the function's name
    asked = generate(emu_client, ask("Use the tool, please.", **_tools()))
    assert len(_calls(asked)) == 1
    answered = {
        "contents": [
            {"role": "user", "parts": [{"text": "What is the weather in 'Paris'?"}]},
            {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"r": "sun"}}}]},
        ],
        **_tools(),
    }
    assert _calls(generate(emu_client, answered)) == []  # after the turn's results the model answers


def test_forced_mode_prefers_functions_not_called_in_the_current_turn(emu_client: httpx.Client) -> None:
    call = {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]}
    result = {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"r": "sun"}}}]}
    final = {"role": "model", "parts": [{"functionCall": {"name": "magic_function", "args": {"input": 1}}}]}
    final_result = {"role": "user", "parts": [{"functionResponse": {"name": "magic_function", "response": {}}}]}
    first_turn = [{"role": "user", "parts": [{"text": "weather?"}]}, call, result, final, final_result]
    # A new user turn starts afresh: the conversation's earlier calls do not count. Matching nothing, the forced
    # call goes to the last declaration (where LangChain puts its structured-output tool).
    second = {"contents": [*first_turn, {"role": "user", "parts": [{"text": "and again?"}]}], **_tools("ANY")}
    assert [c["name"] for c in _calls(generate(emu_client, second))] == ["get_weather"]
    within = {"contents": [*second["contents"], call, result], **_tools("ANY")}
    assert [c["name"] for c in _calls(generate(emu_client, within))] == ["magic_function"]


def test_embeddings_are_meaningful_and_task_types_change_them(emu_client: httpx.Client) -> None:
    def embed(text: str, model: str = "gemini-embedding-001", **extra: Any) -> list[float]:
        body = {"content": {"parts": [{"text": text}]}, **extra}
        response = emu_client.post(f"/v1beta/models/{model}:embedContent", json=body)
        assert response.status_code == 200, response.text
        return response.json()["embedding"]["values"]  # type: ignore[no-any-return]

    cat = embed("The cat sat on the mat")
    assert _cosine(cat, embed("a cat sat on a mat")) > 0.5  # shared words land close
    assert _cosine(cat, embed("the cats sat")) > 0.4  # plural and singular are the same word
    assert abs(_cosine(cat, embed("Quarterly revenue grew strongly"))) < 0.15  # unrelated texts do not
    query, document = embed("cat", taskType="RETRIEVAL_QUERY"), embed("cat", taskType="RETRIEVAL_DOCUMENT")
    assert query != document
    assert _cosine(query, document) > 0.3
    # gemini-embedding-2: unit length at every size (realwire llm-gemini-test_embedding_gemini-embedding-2-768)
    short = embed("Some text goes here", "gemini-embedding-2", outputDimensionality=768)
    assert len(short) == 768
    assert math.isclose(math.sqrt(sum(v * v for v in short)), 1.0, rel_tol=1e-6)


def test_gemini_embedding_2_reports_usage_and_takes_images(emu_client: httpx.Client) -> None:
    png = {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}

    def batch(parts: list[dict[str, Any]]) -> httpx.Response:
        request = {"model": "models/gemini-embedding-2", "content": {"parts": parts}}
        return emu_client.post("/v1beta/models/gemini-embedding-2:batchEmbedContents", json={"requests": [request]})

    answer = batch([{"text": "Some text goes here"}]).json()
    assert answer["usageMetadata"] == {
        "promptTokenCount": 5,
        "promptTokenDetails": [{"modality": "TEXT", "tokenCount": 5}],
    }
    assert batch([png] * 6).status_code == 200
    seven = batch([png] * 7)
    assert seven.status_code == 400
    assert seven.json()["error"]["message"].startswith(
        "Unable to submit request because the model supports at most 6 image parts per input instance, but 7 were "
        "provided."
    )


def test_functions_the_prompt_names_by_word_are_called_in_parallel(emu_client: httpx.Client) -> None:
    temperature = {"name": "get_temperature", "description": "Temperature of a city."}
    humidity = {"name": "get_humidity", "description": "Humidity of a city."}
    body = ask("Temperature and humidity in 'Oslo'?", tools=[{"functionDeclarations": [temperature, humidity]}])
    assert [c["name"] for c in _calls(generate(emu_client, body))] == ["get_temperature", "get_humidity"]
