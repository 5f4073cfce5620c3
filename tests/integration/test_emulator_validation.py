"""The emulator's request validation: one table, one row per rule, raw httpx on loopback."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.integration.emulator_helpers import FLASH

TEXT = {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}


def _with(**extra: Any) -> dict[str, Any]:
    return {**TEXT, **extra}


def _config(**config: Any) -> dict[str, Any]:
    return _with(generationConfig=config)


def _parts(*parts: dict[str, Any], role: str = "user") -> dict[str, Any]:
    return {"contents": [{"role": role, "parts": list(parts)}]}


def _tool(declaration: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return _with(tools=[{"functionDeclarations": [declaration]}], **extra)


def _params(schema: dict[str, Any]) -> dict[str, Any]:
    return _tool({"name": "f", "parameters": schema})


OBJ = {"type": "OBJECT", "properties": {"a": {"type": "STRING"}}}
B64_PNG = "iVBORw0KGgo="
F = {"name": "f"}
CALL = {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {}}}]}
ANSWER = {"role": "user", "parts": [{"functionResponse": {"name": "f", "response": {"result": 1}}}]}

# (id, model, action, body, status, fragment of the error message)
CASES: list[tuple[str, str, str, Any, int, str]] = [
    # the JSON transcoder
    ("invalid-json", FLASH, "generateContent", b"{not json", 400, "Invalid JSON payload received."),
    ("root-not-object", FLASH, "generateContent", [TEXT], 400, "Root element must be a message."),
    ("unknown-top-level", FLASH, "generateContent", _with(foo=1), 400, 'Unknown name "foo": Cannot find field.'),
    (
        "unknown-nested",
        FLASH,
        "generateContent",
        _config(topp=1),
        400,
        "Unknown name \"topp\" at 'generation_config': Cannot find field.",
    ),
    (
        "schema-keyword-outside-proto",
        FLASH,
        "generateContent",
        _params({**OBJ, "additionalProperties": False}),
        400,
        "Unknown name \"additionalProperties\" at 'tools[0].function_declarations[0].parameters'",
    ),
    (
        "schema-ref-in-map-entry",
        FLASH,
        "generateContent",
        _params({"type": "OBJECT", "properties": {"a": {"$ref": "#/x"}}}),
        400,
        "at 'tools[0].function_declarations[0].parameters.properties[0].value'",
    ),
    ("wrong-scalar-type", FLASH, "generateContent", _config(temperature="hot"), 400, '(TYPE_FLOAT), "hot"'),
    (
        "unknown-enum",
        FLASH,
        "generateContent",
        _with(safetySettings=[{"category": "NOT_A_CATEGORY", "threshold": "BLOCK_NONE"}]),
        400,
        'v1beta.HarmCategory), "NOT_A_CATEGORY"',
    ),
    ("list-for-singular", FLASH, "generateContent", _with(generationConfig=[{}]), 400, "Proto field is not repeating"),
    (
        "struct-args-not-object",
        FLASH,
        "generateContent",
        _parts({"functionCall": {"name": "f", "args": [1]}}, role="model"),
        400,
        "google.protobuf.Struct",
    ),
    (
        "struct-response-not-object",
        FLASH,
        "generateContent",
        _parts({"functionResponse": {"name": "f", "response": "ok"}}),
        400,
        '(type.googleapis.com/google.protobuf.Struct), "ok"',
    ),
    (
        "two-data-fields",
        FLASH,
        "generateContent",
        _parts({"text": "a", "inlineData": {"mimeType": "image/png", "data": B64_PNG}}),
        400,
        "oneof field 'data' is already set. Cannot set 'inlineData'",
    ),
    (
        "invalid-base64",
        FLASH,
        "generateContent",
        _parts({"inlineData": {"mimeType": "image/png", "data": "not base64!"}}),
        400,
        "Base64 decoding failed",
    ),
    # the request validator
    ("no-contents", FLASH, "generateContent", {}, 400, "* GenerateContentRequest.contents: contents is not specified"),
    ("empty-contents", FLASH, "generateContent", {"contents": []}, 400, "contents is not specified"),
    (
        "empty-parts",
        FLASH,
        "generateContent",
        _parts(),
        400,
        "* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.",
    ),
    (
        "part-without-data",
        FLASH,
        "generateContent",
        _parts({"thought": True}),
        400,
        "contents[0].parts[0].data: required oneof field 'data' must have one initialized field",
    ),
    (
        "signature-without-data",
        FLASH,
        "generateContent",
        _parts({"thought": True, "thoughtSignature": "c2ln"}),
        400,
        "contents[0].parts[0].data: required oneof field 'data' must have one initialized field",
    ),
    (
        "empty-system-instruction",
        FLASH,
        "generateContent",
        _with(systemInstruction={"parts": []}),
        400,
        "system_instruction.parts: contents.parts must not be empty.",
    ),
    (
        "inline-data-without-mime",
        FLASH,
        "generateContent",
        _parts({"inlineData": {"data": B64_PNG}}),
        400,
        "contents[0].parts[0].inline_data.mime_type: required field is not set",
    ),
    (
        "file-data-without-uri",
        FLASH,
        "generateContent",
        _parts({"fileData": {"mimeType": "video/mp4"}}),
        400,
        "file_data.file_uri: required field is not set",
    ),
    (
        "function-response-without-name",
        FLASH,
        "generateContent",
        _parts({"functionResponse": {"response": {"result": 1}}}),
        400,
        "contents[0].parts[0].function_response.name: Name cannot be empty.",
    ),
    (
        "function-call-without-name",
        FLASH,
        "generateContent",
        _parts({"functionCall": {"args": {}}}, role="model"),
        400,
        "function_call.name: Name cannot be empty.",
    ),
    (
        "temperature-high",
        FLASH,
        "generateContent",
        _config(temperature=2.5),
        400,
        "generation_config.temperature: must be in the range [0, 2].",
    ),
    ("temperature-negative", FLASH, "generateContent", _config(temperature=-0.1), 400, "generation_config.temperature"),
    ("top-p", FLASH, "generateContent", _config(topP=1.5), 400, "generation_config.top_p"),
    ("top-k", FLASH, "generateContent", _config(topK=0), 400, "generation_config.top_k"),
    (
        "candidate-count-high",
        FLASH,
        "generateContent",
        _config(candidateCount=9),
        400,
        "generation_config.candidate_count",
    ),
    (
        "candidate-count-zero",
        FLASH,
        "generateContent",
        _config(candidateCount=0),
        400,
        "generation_config.candidate_count",
    ),
    (
        "max-output-tokens",
        FLASH,
        "generateContent",
        _config(maxOutputTokens=0),
        400,
        "generation_config.max_output_tokens",
    ),
    (
        "stop-sequences",
        FLASH,
        "generateContent",
        _config(stopSequences=list("abcdef")),
        400,
        "generation_config.stop_sequences",
    ),
    (
        "presence-penalty",
        FLASH,
        "generateContent",
        _config(presencePenalty=2.0),
        400,
        "generation_config.presence_penalty",
    ),
    (
        "frequency-penalty",
        FLASH,
        "generateContent",
        _config(frequencyPenalty=-2.5),
        400,
        "generation_config.frequency_penalty",
    ),
    (
        "logprobs-range",
        FLASH,
        "generateContent",
        _config(responseLogprobs=True, logprobs=21),
        400,
        "generation_config.logprobs: must be",
    ),
    (
        "logprobs-without-flag",
        FLASH,
        "generateContent",
        _config(logprobs=3),
        400,
        "only supported when response_logprobs is true",
    ),
    (
        "schema-without-mime",
        FLASH,
        "generateContent",
        _config(responseSchema=OBJ),
        400,
        "generation_config.response_mime_type: response_mime_type must be one of",
    ),
    (
        "schema-with-text-plain",
        FLASH,
        "generateContent",
        _config(responseMimeType="text/plain", responseJsonSchema={"type": "object"}),
        400,
        "response_mime_type must be one of",
    ),
    (
        "both-schema-forms",
        FLASH,
        "generateContent",
        _config(responseMimeType="application/json", responseSchema=OBJ, responseJsonSchema={"type": "object"}),
        400,
        "response_json_schema and response_schema cannot both be set.",
    ),
    (
        "safety-duplicate",
        FLASH,
        "generateContent",
        _with(safetySettings=[{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}] * 2),
        400,
        "safety_settings[1].category: duplicate setting",
    ),
    (
        "safety-palm-category",
        FLASH,
        "generateContent",
        _with(safetySettings=[{"category": "HARM_CATEGORY_TOXICITY", "threshold": "BLOCK_NONE"}]),
        400,
        "is not supported by Gemini models",
    ),
    (
        "safety-unknown-threshold",
        FLASH,
        "generateContent",
        _with(safetySettings=[{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_SOME"}]),
        400,
        'HarmBlockThreshold), "BLOCK_SOME"',
    ),
    (
        "function-name-space",
        FLASH,
        "generateContent",
        _tool({"name": "get weather"}),
        400,
        "function_declarations[0].name: Invalid function name.",
    ),
    ("function-name-digit", FLASH, "generateContent", _tool({"name": "1abc"}), 400, "Invalid function name."),
    ("function-name-too-long", FLASH, "generateContent", _tool({"name": "a" * 65}), 400, "maximum length of 64"),
    ("function-name-empty", FLASH, "generateContent", _tool({"description": "no name"}), 400, "Invalid function name."),
    (
        "parameters-and-json-schema",
        FLASH,
        "generateContent",
        _tool({"name": "f", "parameters": OBJ, "parametersJsonSchema": {"type": "object"}}),
        400,
        "parameters_json_schema and parameters cannot both be set.",
    ),
    (
        "unknown-enum-name",
        FLASH,
        "generateContent",
        _with(toolConfig={"functionCallingConfig": {"mode": "sometimes"}}),
        400,
        "Invalid value at 'tool_config.function_calling_config.mode'",
    ),
    (
        "required-unknown-property",
        FLASH,
        "generateContent",
        _params({**OBJ, "required": ["b"]}),
        400,
        "parameters.required[0]: property is not defined",
    ),
    (
        "allowed-names-with-auto",
        FLASH,
        "generateContent",
        _params(OBJ) | {"toolConfig": {"functionCallingConfig": {"mode": "AUTO", "allowedFunctionNames": ["f"]}}},
        400,
        "allowed_function_names should only be set when the mode is ANY.",
    ),
    (
        "allowed-name-undeclared",
        FLASH,
        "generateContent",
        _params(OBJ) | {"toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["g"]}}},
        400,
        "function g is not declared in tools.",
    ),
    # request rules
    *[
        (
            f"role-{role}",
            FLASH,
            "generateContent",
            _parts({"text": "x"}, role=role),
            400,
            "Please use a valid role: user, model.",
        )
        for role in ("function", "tool", "system", "assistant")
    ],
    (
        "history-starts-with-a-call",
        FLASH,
        "generateContent",
        {"contents": [CALL, ANSWER]},
        400,
        "Please ensure that function call turn comes immediately after a user turn or after a function response turn.",
    ),
    (
        "response-without-call",
        FLASH,
        "generateContent",
        {"contents": [{"role": "user", "parts": [{"text": "q"}]}, ANSWER]},
        400,
        "Please ensure that function response turn comes immediately after a function call turn.",
    ),
    (
        "response-count-mismatch",
        FLASH,
        "generateContent",
        {
            "contents": [
                {"role": "user", "parts": [{"text": "q"}]},
                CALL,
                {"role": "user", "parts": ANSWER["parts"] * 2},
            ]
        },
        400,
        "Please ensure that the number of function response parts is equal to the number of function call parts",
    ),
    (
        "thinking-on-non-thinking-model",
        "gemini-2.0-flash",
        "generateContent",
        _config(thinkingConfig={"thinkingBudget": 0}),
        400,
        "thinking_config is not supported.",
    ),
    (
        "pro-cannot-disable",
        "gemini-2.5-pro",
        "generateContent",
        _config(thinkingConfig={"thinkingBudget": 0}),
        400,
        "Budget 0 is invalid. This model only works in thinking mode.",
    ),
    (
        "budget-above-range",
        FLASH,
        "generateContent",
        _config(thinkingConfig={"thinkingBudget": 50000}),
        400,
        "The thinking budget 50000 is invalid. Please choose a value between 0 and 24576.",
    ),
    (
        "budget-below-lite-range",
        "gemini-2.5-flash-lite",
        "generateContent",
        _config(thinkingConfig={"thinkingBudget": 100}),
        400,
        "Please choose a value between 512 and 24576.",
    ),
    (
        "level-on-2.5",
        FLASH,
        "generateContent",
        _config(thinkingConfig={"thinkingLevel": "low"}),
        400,
        "Thinking level is not supported for this model.",
    ),
    (
        "level-medium-on-3-pro",
        "gemini-3-pro-preview",
        "generateContent",
        _config(thinkingConfig={"thinkingLevel": "MEDIUM"}),
        400,
        "Thinking level MEDIUM is not supported for this model.",
    ),
    (
        "budget-and-level",
        "gemini-3-pro-preview",
        "generateContent",
        _config(thinkingConfig={"thinkingLevel": "high", "thinkingBudget": 1024}),
        400,
        "You can only set only one of thinking budget and thinking level.",
    ),
    (
        "image-output-on-text-model",
        FLASH,
        "generateContent",
        _config(responseModalities=["TEXT", "IMAGE"]),
        400,
        "The requested combination of response modalities (IMAGE, TEXT) is not supported",
    ),
    (
        "tts-needs-audio",
        "gemini-2.5-flash-preview-tts",
        "generateContent",
        TEXT,
        400,
        "accepts the following combination of response modalities:\n* AUDIO",
    ),
    (
        "missing-cache",
        FLASH,
        "generateContent",
        _with(cachedContent="cachedContents/nope"),
        403,
        "CachedContent not found (or permission denied)",
    ),
    (
        "context-overflow",
        "gemini-2.5-flash-image",
        "generateContent",
        _parts({"text": "x" * (4 * 32768 + 4)}),
        400,
        "The input token count (32769) exceeds the maximum number of tokens allowed (32768).",
    ),
    # countTokens
    (
        "count-both-forms",
        FLASH,
        "countTokens",
        {**TEXT, "generateContentRequest": {"model": f"models/{FLASH}", **TEXT}},
        400,
        "never both",
    ),
    (
        "count-empty-parts",
        FLASH,
        "countTokens",
        _parts(),
        400,
        "* CountTokensRequest.contents[0].parts: contents.parts must not be empty.",
    ),
    (
        "count-inner-validated",
        FLASH,
        "countTokens",
        {"generateContentRequest": {"model": f"models/{FLASH}", **_config(topK=0)}},
        400,
        "* CountTokensRequest.generate_content_request.generation_config.top_k",
    ),
    # embeddings
    (
        "embed-title-needs-retrieval-document",
        "gemini-embedding-001",
        "embedContent",
        {"content": {"parts": [{"text": "a"}]}, "taskType": "RETRIEVAL_QUERY", "title": "T"},
        400,
        "* EmbedContentRequest.title: title is only applicable when task_type is RETRIEVAL_DOCUMENT.",
    ),
    (
        "embed-unknown-task",
        "gemini-embedding-001",
        "embedContent",
        {"content": {"parts": [{"text": "a"}]}, "taskType": "SEARCH"},
        400,
        'v1beta.TaskType), "SEARCH"',
    ),
    (
        "embed-dims-low",
        "gemini-embedding-001",
        "embedContent",
        {"content": {"parts": [{"text": "a"}]}, "outputDimensionality": 64},
        400,
        "output_dimensionality: must be in the range [128, 3072].",
    ),
    (
        "embed-dims-high",
        "gemini-embedding-001",
        "embedContent",
        {"content": {"parts": [{"text": "a"}]}, "outputDimensionality": 4096},
        400,
        "output_dimensionality",
    ),
    (
        "embed-non-text",
        "gemini-embedding-001",
        "embedContent",
        {"content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": B64_PNG}}]}},
        400,
        "only text parts are supported",
    ),
    (
        "embed-no-content",
        "gemini-embedding-001",
        "embedContent",
        {},
        400,
        "* EmbedContentRequest.content: content is not specified",
    ),
    ("batch-empty", "gemini-embedding-001", "batchEmbedContents", {"requests": []}, 400, "requests is not specified"),
    (
        "batch-too-large",
        "gemini-embedding-001",
        "batchEmbedContents",
        {"requests": [{"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "a"}]}}] * 101},
        400,
        "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch",
    ),
    (
        "batch-model-format",
        "gemini-embedding-001",
        "batchEmbedContents",
        {"requests": [{"model": "gemini-embedding-001", "content": {"parts": [{"text": "a"}]}}]},
        400,
        "requests[0].model: unexpected model name format",
    ),
    (
        "batch-model-mismatch",
        "gemini-embedding-001",
        "batchEmbedContents",
        {"requests": [{"model": "models/text-embedding-004", "content": {"parts": [{"text": "a"}]}}]},
        400,
        "requests[0].model: model must match the batch model models/gemini-embedding-001.",
    ),
    (
        "batch-item-validated",
        "gemini-embedding-001",
        "batchEmbedContents",
        {"requests": [{"model": "models/gemini-embedding-001", "content": {"parts": []}}]},
        400,
        "* BatchEmbedContentsRequest.requests[0].content.parts: contents.parts must not be empty.",
    ),
]


@pytest.mark.parametrize(
    ("model", "action", "body", "status", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_invalid_request_is_rejected_with_googles_error(
    emu_client: httpx.Client, model: str, action: str, body: Any, status: int, fragment: str
) -> None:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = emu_client.post(f"/v1beta/models/{model}:{action}", content=content)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == status
    assert error["status"] == ("INVALID_ARGUMENT" if status == 400 else "PERMISSION_DENIED")
    assert fragment in error["message"]


def test_transcoder_errors_carry_field_violations_and_are_reported_together(emu_client: httpx.Client) -> None:
    body = _with(bogus=True, generationConfig={"temperature": "hot", "unknownKnob": 1})
    error = emu_client.post(f"/v1beta/models/{FLASH}:generateContent", json=body).json()["error"]
    violations = error["details"][0]["fieldViolations"]
    assert error["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    assert {"description": 'Invalid JSON payload received. Unknown name "bogus": Cannot find field.'} in violations
    fields = [v.get("field") for v in violations]
    assert fields.count("generation_config") == 1
    assert "generation_config.temperature" in fields
    assert error["message"].count("\n") == 2  # three problems, one line each


def test_validator_reports_every_violation_at_once(emu_client: httpx.Client) -> None:
    body = {"contents": [{"role": "user", "parts": []}, {"role": "model", "parts": [{"thought": True}]}]}
    message = emu_client.post(f"/v1beta/models/{FLASH}:generateContent", json=body).json()["error"]["message"]
    assert message == (
        "* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.\n"
        "* GenerateContentRequest.contents[1].parts[0].data: required oneof field 'data' must have one "
        "initialized field\n"
    )


def test_payload_over_20_mb_is_rejected(emu_client: httpx.Client) -> None:
    body = json.dumps(_parts({"text": "x" * (20 * 1024 * 1024)})).encode()
    response = emu_client.post(f"/v1beta/models/{FLASH}:generateContent", content=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Request payload size exceeds the limit: 20971520 bytes."


@pytest.mark.parametrize(
    "body",
    [
        {
            "contents": [
                {"role": "user", "parts": [{"text": "q"}]},
                {"role": "model", "parts": [{"text": "", "thoughtSignature": "c2ln"}, {"text": "a"}]},
                {"parts": [{"text": "again"}]},
            ]
        },
        _parts({"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo"}}),  # unpadded base64 is accepted
        _parts({"inlineData": {"mimeType": "image/png", "data": "-_-_"}}),  # so is the URL-safe alphabet
        _params({"type": "object", "properties": {"a": {"type": "string", "nullable": True}}, "required": ["a"]}),
        _tool({"name": "no_params"}),
        {
            "contents": [
                {"role": "user", "parts": [{"text": "q"}]},
                CALL,
                ANSWER,
                {"role": "model", "parts": [{"text": "a"}]},
            ]
        },
        _tool({"name": "ns.tool-name_1"}),
        _config(thinkingConfig={"thinkingBudget": -1, "includeThoughts": True}),
        _config(thinkingConfig={"thinkingBudget": 0}),
        _config(candidateCount=8, stopSequences=list("abcde"), temperature=2, topP=1, topK=1),
        _with(generationConfig=None, tools=None),  # null means unset
        _parts({"text": ""}),  # realwire pydantic-ai-test_google_model_empty_user_prompt: 200
        {
            "contents": [
                {"parts": [{"text": "Hi"}]},
                {"role": "model", "parts": [{"text": ""}]},
                {"parts": [{"text": "?"}]},
            ]
        },
        _params({"type": "OBJECT", "properties": {}}),  # realwire llm-gemini-test_tools-0: 200
        _params({"type": "object", "properties": {}, "required": []}),
        _params({"type": "object"}),
        _with(toolConfig={"functionCallingConfig": {"mode": "any"}}, tools=[{"functionDeclarations": [F]}]),
        _with(toolConfig={"functionCallingConfig": {"mode": "none"}}, tools=[{"functionDeclarations": [F]}]),
        # realwire pydantic-ai-test_thinking_with_native_tool_wire_contract_google: mode with built-in tools only
        _with(
            toolConfig={"functionCallingConfig": {"mode": "AUTO"}, "includeServerSideToolInvocations": True},
            tools=[{"googleSearch": {}}],
        ),
        _with(serviceTier="flex", store=False, labels={"team": "a"}),  # google-genai top-level fields
        _config(audioTranscriptionConfig={"languageCodes": ["en-US"]}),
        _with(tools=[{"fileSearch": {"fileSearchStoreNames": ["fileSearchStores/s-1"], "topK": 3}}]),
        _with(tools=[{"googleMaps": {"enableWidget": True}}]),
        _with(tools=[{"googleSearch": {"searchTypes": {"webSearch": {}, "imageSearch": {}}}}]),
        {
            "contents": [
                {"role": "user", "parts": [{"text": "run"}]},
                {
                    "role": "model",
                    "parts": [
                        {"executableCode": {"language": "PYTHON", "code": "print(1)", "id": "c1"}},
                        {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1", "id": "c1"}},
                        {"toolCall": {"id": "t1", "toolType": "FILE_SEARCH", "args": {"q": "x"}}},
                        {"toolResponse": {"id": "t1", "toolType": "FILE_SEARCH", "response": {"r": 1}}},
                        {"text": "done"},
                    ],
                },
                {"parts": [{"text": "again"}]},
            ]
        },
    ],
    ids=[
        "signature-only-part",
        "unpadded-b64",
        "urlsafe-b64",
        "lowercase-types",
        "no-params",
        "call-history",
        "dots-dashes",
        "dynamic-budget",
        "flash-off",
        "edges",
        "nulls",
        "empty-user-text",
        "empty-model-text",
        "empty-properties",
        "empty-properties-required",
        "object-without-properties",
        "lowercase-mode-any",
        "lowercase-mode-none",
        "mode-with-server-side-tools",
        "top-level-sdk-fields",
        "audio-transcription",
        "file-search",
        "google-maps",
        "search-types",
        "server-side-tool-parts",
    ],
)
def test_valid_edge_cases_are_accepted(emu_client: httpx.Client, body: dict[str, Any]) -> None:
    response = emu_client.post(f"/v1beta/models/{FLASH}:generateContent", json=body)
    assert response.status_code == 200, response.text
