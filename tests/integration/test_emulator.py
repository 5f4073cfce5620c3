"""The Gemini emulator's endpoints and default answers, through raw httpx on loopback.

Fixtures (`emu`, `emu_client`) come from conftest.py, helpers from emulator_helpers.py.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import httpx
import pytest

from langchain_gemini.testing import GeminiEmulator, ModelInfo
from tests.integration.emulator_helpers import FLASH, ask, generate, text_of

# --- models -------------------------------------------------------------------------------------------------


def test_models_list_and_get(emu_client: httpx.Client) -> None:
    listed = emu_client.get("/v1beta/models").json()
    names = [m["name"] for m in listed["models"]]
    assert "models/gemini-2.5-flash" in names
    assert "models/gemini-embedding-001" in names
    assert "nextPageToken" not in listed
    model = emu_client.get("/v1beta/models/gemini-2.5-pro").json()
    assert model["inputTokenLimit"] == 1_048_576
    assert model["outputTokenLimit"] == 65_536
    assert "generateContent" in model["supportedGenerationMethods"]
    assert model["thinking"] is True
    assert "thinking" not in emu_client.get("/v1/models/gemini-2.0-flash").json()


def test_models_paging_walks_every_model_once(emu_client: httpx.Client) -> None:
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page = emu_client.get("/v1beta/models", params={"pageSize": 2, "pageToken": token}).json()
        assert len(page["models"]) <= 2
        seen += [m["name"] for m in page["models"]]
        pages += 1
        token = page.get("nextPageToken", "")
        if not token:
            break
    everything = [m["name"] for m in emu_client.get("/v1beta/models", params={"pageSize": 1000}).json()["models"]]
    assert seen == everything
    assert pages == math.ceil(len(everything) / 2)
    bad = emu_client.get("/v1beta/models", params={"pageToken": "garbage!"})
    assert bad.status_code == 400


def test_unknown_model_is_googles_404(emu_client: httpx.Client) -> None:
    response = emu_client.post("/v1beta/models/gemini-9:generateContent", json=ask("x"))
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": 404,
        "message": "models/gemini-9 is not found for API version v1beta, or is not supported for generateContent. "
        "Call ModelService.ListModels to see the list of available models and their supported methods.",
        "status": "NOT_FOUND",
    }
    # realwire pydantic-ai-TestGoogle.test_embed_error: the batch method is named embedContent, "Call ListModels"
    embed = emu_client.post("/v1beta/models/gemini-9:batchEmbedContents", json={"requests": []})
    assert embed.json()["error"]["message"] == (
        "models/gemini-9 is not found for API version v1beta, or is not supported for embedContent. "
        "Call ListModels to see the list of available models and their supported methods."
    )
    got = emu_client.get("/v1beta/models/gemini-9")
    assert got.status_code == 404
    assert got.json()["error"]["message"] == "Model is not found: models/gemini-9 for api version v1beta"


@pytest.mark.parametrize(
    ("model", "action", "body"),
    [
        ("gemini-embedding-001", "generateContent", ask("x")),
        ("gemini-2.5-flash", "embedContent", {"content": {"parts": [{"text": "x"}]}}),
        ("gemini-2.5-flash-preview-tts", "embedContent", {"content": {"parts": [{"text": "x"}]}}),
    ],
)
def test_method_the_model_does_not_support_is_404(emu_client: httpx.Client, model: str, action: str, body: Any) -> None:
    response = emu_client.post(f"/v1beta/models/{model}:{action}", json=body)
    assert response.status_code == 404
    assert f"or is not supported for {action}." in response.json()["error"]["message"]


def test_unknown_routes_get_googles_html_404(emu_client: httpx.Client) -> None:
    for method, path in [
        ("GET", "/v1beta/files/abc:explode"),
        ("POST", "/v1beta/files/abc:download"),
        ("GET", "/upload/v1beta/files"),
        ("POST", "/v1beta/models/gemini-2.5-flash:explode"),
        ("GET", "/v1beta/models/gemini-2.5-flash:generateContent"),
    ]:
        response = emu_client.request(method, path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "That\u2019s an error." in response.text
    # `files/<id>:download` is a Files API path (google-genai's files.download): a missing file is the API's 403.
    assert emu_client.get("/v1beta/files/abc:download", params={"alt": "media"}).status_code == 403


def test_custom_model_registry() -> None:
    tiny = ModelInfo("tiny-model", "Tiny", input_token_limit=10)
    with GeminiEmulator(models=[tiny]) as emulator, httpx.Client(base_url=emulator.base_url) as emu_client:
        headers = {"x-goog-api-key": "k"}
        assert [m["name"] for m in emu_client.get("/v1beta/models", headers=headers).json()["models"]] == [
            "models/tiny-model"
        ]
        over = emu_client.post("/v1beta/models/tiny-model:generateContent", json=ask("x" * 60), headers=headers)
        assert over.json()["error"]["message"] == (
            "The input token count (15) exceeds the maximum number of tokens allowed (10)."
        )


# --- auth ---------------------------------------------------------------------------------------------------


def test_missing_key_is_403_unregistered_caller(emu: GeminiEmulator) -> None:
    response = httpx.post(f"{emu.base_url}/v1beta/models/{FLASH}:generateContent", json=ask("x"))
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["status"] == "PERMISSION_DENIED"
    assert error["message"].startswith("Method doesn't allow unregistered callers")


def test_key_is_accepted_from_header_query_or_bearer(emu: GeminiEmulator) -> None:
    url = f"{emu.base_url}/v1beta/models/{FLASH}:generateContent"
    assert httpx.post(url, json=ask("x"), params={"key": "k"}).status_code == 200
    assert httpx.post(url, json=ask("x"), headers={"Authorization": "Bearer token"}).status_code == 200
    assert httpx.post(url, json=ask("x"), headers={"x-goog-api-key": ""}).status_code == 403


def test_wrong_key_is_400_api_key_invalid() -> None:
    with GeminiEmulator(api_key="right") as emulator:
        url = f"{emulator.base_url}/v1beta/models/{FLASH}:generateContent"
        assert httpx.post(url, json=ask("x"), headers={"x-goog-api-key": "right"}).status_code == 200
        response = httpx.post(url, json=ask("x"), headers={"x-goog-api-key": "AIzaWRONGKEY"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "API key not valid. Please pass a valid API key."
    info = next(d for d in error["details"] if d["@type"].endswith("ErrorInfo"))
    assert info["reason"] == "API_KEY_INVALID"
    assert info["metadata"] == {"service": "generativelanguage.googleapis.com"}
    assert "AIzaWRONGKEY" not in response.text  # no DebugInfo echoing the key (none of 2025-2026's answers do)


# --- generateContent defaults ---------------------------------------------------------------------------------


def test_default_answer_shape_and_determinism(emu_client: httpx.Client) -> None:
    first = generate(emu_client, ask("Hello there"))
    again = generate(emu_client, ask("Hello there"))
    other = generate(emu_client, ask("Something else"))
    assert text_of(first) == text_of(again)
    assert text_of(first) != text_of(other)
    assert "Hello there" in text_of(first)
    candidate = first["candidates"][0]
    assert candidate["content"]["role"] == "model"
    assert candidate["finishReason"] == "STOP"
    assert candidate["index"] == 0  # realwire: Google sends index 0 on every 2.5 / 3 answer
    assert first["usageMetadata"]["serviceTier"] == "standard"
    legacy = generate(emu_client, ask("Hello there"), model="gemini-2.0-flash")["candidates"][0]
    assert "index" not in legacy  # 2.0 as recorded: no index 0, avgLogprobs instead
    assert legacy["avgLogprobs"] < 0
    assert first["modelVersion"] == FLASH
    assert first["responseId"]
    assert first["responseId"] != again["responseId"]
    usage = first["usageMetadata"]
    assert usage["promptTokenCount"] == 3  # ceil(len("Hello there") / 4)
    assert usage["candidatesTokenCount"] == math.ceil(len(text_of(first)) / 4)
    assert (
        usage["totalTokenCount"]
        == usage["promptTokenCount"] + usage["candidatesTokenCount"] + usage["thoughtsTokenCount"]
    )
    assert usage["promptTokensDetails"] == [{"modality": "TEXT", "tokenCount": 3}]


def test_snake_case_requests_are_accepted_like_camel_case(emu_client: httpx.Client) -> None:
    camel = {
        "contents": [
            {
                "role": "user",
                "parts": [{"text": "Hi"}, {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}],
            }
        ],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "generationConfig": {
            "maxOutputTokens": 1000,
            "stopSequences": ["zzz"],
            "thinkingConfig": {"thinkingBudget": 0},
        },
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    }
    snake = {
        "contents": [
            {
                "role": "user",
                "parts": [{"text": "Hi"}, {"inline_data": {"mime_type": "image/png", "data": "iVBORw0KGgo="}}],
            }
        ],
        "system_instruction": {"parts": [{"text": "Be brief."}]},
        "generation_config": {
            "max_output_tokens": 1000,
            "stop_sequences": ["zzz"],
            "thinking_config": {"thinking_budget": 0},
        },
        "safety_settings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    }
    one, two = generate(emu_client, camel), generate(emu_client, snake)
    assert one["usageMetadata"] == two["usageMetadata"]
    assert one["usageMetadata"]["promptTokensDetails"] == [
        {"modality": "TEXT", "tokenCount": 4},
        {"modality": "IMAGE", "tokenCount": 258},
    ]
    assert "thoughtsTokenCount" not in one["usageMetadata"]  # thinking switched off by budget 0


def test_thinking_models_report_thoughts_and_summaries(emu_client: httpx.Client) -> None:
    plain = generate(emu_client, ask("Think"))
    assert plain["usageMetadata"]["thoughtsTokenCount"] > 0
    assert all(not p.get("thought") for p in plain["candidates"][0]["content"]["parts"])
    summarised = generate(emu_client, ask("Think", generationConfig={"thinkingConfig": {"includeThoughts": True}}))
    parts = summarised["candidates"][0]["content"]["parts"]
    assert parts[0]["thought"] is True
    assert parts[0]["text"]
    assert not parts[1].get("thought")
    lite = generate(emu_client, ask("Think"), model="gemini-2.5-flash-lite")  # does not think by default
    assert "thoughtsTokenCount" not in lite["usageMetadata"]
    level = generate(
        emu_client,
        ask("Think", generationConfig={"thinkingConfig": {"thinkingLevel": "low"}}),
        model="gemini-3-pro-preview",
    )
    assert level["usageMetadata"]["thoughtsTokenCount"] > 0
    old = generate(emu_client, ask("Think"), model="gemini-2.0-flash")
    assert "thoughtsTokenCount" not in old["usageMetadata"]


def test_stop_sequences_and_max_output_tokens(emu_client: httpx.Client) -> None:
    off = {"thinkingConfig": {"thinkingBudget": 0}}
    full = text_of(generate(emu_client, ask("Hello", generationConfig=off)))
    stopped = generate(emu_client, ask("Hello", generationConfig={**off, "stopSequences": ["request", "Hello"]}))
    assert text_of(stopped) == full[: full.index("Hello")]
    assert stopped["candidates"][0]["finishReason"] == "STOP"
    capped = generate(emu_client, ask("Hello", generationConfig={**off, "maxOutputTokens": 3}))
    assert text_of(capped) == full[:12]
    assert capped["candidates"][0]["finishReason"] == "MAX_TOKENS"
    # On thinking models maxOutputTokens also pays for the thoughts: a small limit leaves no answer at all.
    starved = generate(emu_client, ask("Hello", generationConfig={"maxOutputTokens": 5}))
    assert starved["candidates"][0] == {"content": {"role": "model"}, "finishReason": "MAX_TOKENS", "index": 0}
    assert starved["usageMetadata"]["thoughtsTokenCount"] <= 5  # thoughts are paid from the limit too


def test_candidate_count(emu_client: httpx.Client) -> None:
    answer = generate(emu_client, ask("Hello", generationConfig={"candidateCount": 3}))
    candidates = answer["candidates"]
    assert [c.get("index", 0) for c in candidates] == [0, 1, 2]
    assert len({text_of(answer, i) for i in range(3)}) == 3
    total = sum(math.ceil(len(text_of(answer, i)) / 4) for i in range(3))
    assert answer["usageMetadata"]["candidatesTokenCount"] == total


def test_json_mode_with_and_without_schema(emu_client: httpx.Client) -> None:
    schema = {
        "type": "OBJECT",
        "properties": {
            "name": {"type": "STRING"},
            "age": {"type": "INTEGER", "minimum": 0, "maximum": 150},
            "tags": {"type": "ARRAY", "items": {"type": "STRING", "enum": ["a", "b"]}, "minItems": 2},
            "nick": {"type": "STRING", "nullable": True},
            "when": {"type": "STRING", "format": "date-time"},
        },
        "required": ["name", "age"],
        "propertyOrdering": ["name", "age"],
    }
    config = {"responseMimeType": "application/json", "responseSchema": schema}
    value = json.loads(text_of(generate(emu_client, ask("Describe 'Ada', aged 36", generationConfig=config))))
    assert list(value)[:2] == ["name", "age"]
    assert value["name"] == "Ada"
    assert value["age"] == 36
    assert value["tags"] == ["a", "a"]
    assert value["when"] == "2025-01-01T00:00:00Z"
    prompt = "Tell me a joke. Return JSON with 'setup' and 'punchline' keys."
    free = json.loads(
        text_of(generate(emu_client, ask(prompt, generationConfig={"responseMimeType": "application/json"})))
    )
    assert set(free) == {"setup", "punchline"}


def test_response_json_schema_with_refs_and_anyof(emu_client: httpx.Client) -> None:
    schema = {
        "$defs": {
            "Pet": {
                "type": "object",
                "properties": {"kind": {"enum": ["cat", "dog"]}, "age": {"type": "integer"}},
                "required": ["kind"],
            }
        },
        "type": "object",
        "properties": {
            "owner": {"type": "string"},
            "pet": {"$ref": "#/$defs/Pet"},
            "maybe": {"anyOf": [{"type": "null"}, {"type": "number", "minimum": 2.5}]},
            "pair": {"type": "array", "prefixItems": [{"type": "boolean"}, {"const": "x"}]},
        },
        "required": ["owner", "pet"],
    }
    config = {"responseMimeType": "application/json", "responseJsonSchema": schema}
    value = json.loads(text_of(generate(emu_client, ask("My dog is 4", generationConfig=config))))
    assert list(value) == ["owner", "pet", "maybe", "pair"]  # JSON Schema keeps declaration order
    assert value["pet"] == {"kind": "dog", "age": 4}
    assert value["maybe"] == 4.0
    assert value["pair"] == [True, "x"]


def test_enum_mime_type_returns_one_value(emu_client: httpx.Client) -> None:
    config = {
        "responseMimeType": "text/x.enum",
        "responseSchema": {"type": "STRING", "enum": ["Percussion", "Woodwind"]},
    }
    assert (
        text_of(generate(emu_client, ask("What family is the flute? Woodwind?", generationConfig=config))) == "Woodwind"
    )
    assert text_of(generate(emu_client, ask("No hint here", generationConfig=config))) == "Percussion"


def test_the_emulator_imports_only_the_standard_library_and_itself() -> None:
    """`langchain_gemini.testing` must not pull in the client (or anything outside the standard library)."""
    import ast
    import sys
    from pathlib import Path

    import langchain_gemini.testing as package

    # The Vertex flavour's key generation and JWT checks import the `vertex` extra lazily, inside functions.
    lazy = {"_oauth.py": {"google", "cryptography", "rsa"}}
    for source in Path(package.__file__).parent.glob("*.py"):
        tree = ast.parse(source.read_text())
        in_functions = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                allowed = top in sys.stdlib_module_names or top == "__future__"
                allowed = allowed or (id(node) in in_functions and top in lazy.get(source.name, ()))
                assert allowed or name.startswith("langchain_gemini.testing"), f"{source.name} imports {name}"


def test_importing_the_emulator_loads_neither_google_auth_nor_a_crypto_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys, langchain_gemini.testing as t; t.GeminiEmulator(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('google', 'cryptography', 'rsa')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


# --- Google's prettyPrint system parameter ------------------------------------------------------------------

_EMBED_ONE = {"content": {"parts": [{"text": "pretty"}]}, "outputDimensionality": 128}
_EMBED_BATCH = {"requests": [{"model": "models/gemini-embedding-001", **_EMBED_ONE}] * 2}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1beta/models/gemini-embedding-001:embedContent", _EMBED_ONE),
        ("/v1beta/models/gemini-embedding-001:batchEmbedContents", _EMBED_BATCH),
        (f"/v1beta/models/{FLASH}:generateContent", ask("Hello")),
        (f"/v1beta/models/{FLASH}:countTokens", {"contents": ask("Hello")["contents"]}),
    ],
)
def test_json_answers_are_pretty_printed_unless_prettyprint_false(
    emu_client: httpx.Client, path: str, body: dict[str, Any]
) -> None:
    """Google indents JSON answers by default, as json.dumps(indent=2) does; prettyPrint=false makes them compact."""
    pretty = emu_client.post(path, json=body)
    compact = emu_client.post(path, json=body, params={"prettyPrint": "false"})
    dollar = emu_client.post(path, json=body, params={"$prettyPrint": "false"})
    assert pretty.status_code == compact.status_code == dollar.status_code == 200
    same = [{k: v for k, v in answer.json().items() if k != "responseId"} for answer in (pretty, compact, dollar)]
    assert same[0] == same[1] == same[2]  # each generateContent answer has its own responseId
    # The layouts of json.dumps with indent=2 and with no whitespace at all; numbers compared by value (the
    # emulator prints 0.007428080).
    assert _floats_as_repr(pretty.text) == json.dumps(pretty.json(), indent=2, ensure_ascii=False)
    assert _floats_as_repr(compact.text) == json.dumps(compact.json(), separators=(",", ":"), ensure_ascii=False)
    assert dollar.text.replace(dollar.json().get("responseId", ""), "") == compact.text.replace(
        compact.json().get("responseId", ""), ""
    )


def _floats_as_repr(text: str) -> str:
    return re.sub(r"-?\d+\.\d+", lambda number: repr(float(number.group())), text)


def test_get_and_list_answers_honour_prettyprint(emu_client: httpx.Client) -> None:
    for path in ("/v1beta/models", "/v1beta/models/gemini-2.5-pro"):
        assert emu_client.get(path).text.startswith("{\n  ")
        assert "\n" not in emu_client.get(path, params={"prettyPrint": "false"}).text


@pytest.mark.parametrize(
    ("model", "served"),
    [
        ("gemini-3-flash-preview", "gemini-3-flash-preview"),
        ("gemini-3.1-pro-preview", "gemini-3.1-pro-preview"),
        ("gemini-3.1-flash-lite", "gemini-3.1-flash-lite"),
        ("gemini-3.5-flash", "gemini-3.5-flash"),
        ("gemini-3-pro-image-preview", "gemini-3-pro-image-preview"),
        ("gemini-2.5-computer-use-preview-10-2025", "gemini-2.5-computer-use-preview-10-2025"),
        ("gemini-flash-latest", "gemini-3.6-flash"),  # realwire llm-gemini-test_nested_model_*: 3.6 answered
    ],
)
def test_current_models_answer_with_their_model_version(emu_client: httpx.Client, model: str, served: str) -> None:
    response = emu_client.post(f"/v1beta/models/{model}:generateContent", json=ask("x"))
    assert response.status_code == 200, response.text
    assert response.json()["modelVersion"] == served


def test_current_model_limits_and_levels(emu_client: httpx.Client) -> None:
    flash3 = emu_client.get("/v1beta/models/gemini-3-flash-preview").json()
    assert (flash3["inputTokenLimit"], flash3["outputTokenLimit"]) == (1_048_576, 65_536)
    body = {**ask("x"), "generationConfig": {"thinkingConfig": {"thinkingLevel": "minimal"}}}
    assert emu_client.post("/v1beta/models/gemini-3-flash-preview:generateContent", json=body).status_code == 200
    pro = emu_client.post("/v1beta/models/gemini-3-pro-preview:generateContent", json=body)
    assert pro.json()["error"]["message"] == "Thinking level MINIMAL is not supported for this model."
    # langchain-google-genai's published suite turns thinking off (and sets 100) on gemini-3.5-flash
    off = {**ask("x"), "generationConfig": {"thinkingConfig": {"thinkingBudget": 0}}}
    assert emu_client.post("/v1beta/models/gemini-3.5-flash:generateContent", json=off).status_code == 200
    assert emu_client.post("/v1beta/models/gemini-3-pro-preview:generateContent", json=off).status_code == 400
    for embedder in ("gemini-embedding-2", "gemini-embedding-2-preview"):
        info = emu_client.get(f"/v1beta/models/{embedder}").json()
        assert "embedContent" in info["supportedGenerationMethods"]
