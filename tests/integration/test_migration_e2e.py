"""Migration friction from langchain-google-genai (issue 15, items 6-10), end to end against the emulator.

google-genai objects in `safety_settings` and `bind_tools` (look-alikes: see tests/fixtures/genai_lookalikes.py),
`GOOGLE_GEMINI_BASE_URL`, zero usage details, refusals and early stops under `with_structured_output`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.exceptions import ModelRefusalError, OutputParserException
from langchain_core.messages import AIMessageChunk
from pydantic import BaseModel

from langchain_gemini import ChatGemini, GeminiEmbeddings, GeminiFiles
from langchain_gemini.testing import GeminiEmulator
from tests.fixtures import genai_lookalikes as types
from tests.integration.conftest import EMULATOR_KEY


def make(emulator: GeminiEmulator, **kwargs: Any) -> ChatGemini:
    kwargs.setdefault("model", "gemini-2.5-flash")
    return ChatGemini(api_key=EMULATOR_KEY, base_url=emulator.base_url, **kwargs)


def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return "sunny"


class Person(BaseModel):
    """A person."""

    name: str
    height_m: float


# -- item 6: google-genai objects ----------------------------------------------------------------------------------

HATE_NONE = [{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_NONE"}]


@pytest.mark.parametrize(
    "settings",
    [
        {types.HarmCategory.HARM_CATEGORY_HATE_SPEECH: types.HarmBlockThreshold.BLOCK_NONE},
        [types.SafetySetting(category=types.HarmCategory.HARM_CATEGORY_HATE_SPEECH, threshold="BLOCK_NONE")],
        [{"category": types.HarmCategory.HARM_CATEGORY_HATE_SPEECH, "threshold": types.HarmBlockThreshold.BLOCK_NONE}],
    ],
    ids=["enum-dict", "SafetySetting", "dict-of-enums"],
)
def test_genai_safety_settings_reach_the_wire_in_rest_form(emulator: GeminiEmulator, settings: Any) -> None:
    model = make(emulator, safety_settings=settings)
    model.invoke("Hi")
    model.invoke("Hi again")  # the list form used to be a one-shot iterator, sent empty from the start
    assert [request.json["safetySettings"] for request in emulator.requests] == [HATE_NONE, HATE_NONE]


def test_genai_safety_settings_per_call(emulator: GeminiEmulator) -> None:
    setting = types.SafetySetting(category="HARM_CATEGORY_HARASSMENT", threshold=types.HarmBlockThreshold.OFF)
    make(emulator).invoke("Hi", safety_settings=[setting])
    sent = emulator.requests[-1].json["safetySettings"]
    assert sent == [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "OFF"}]


def test_a_safety_setting_field_gemini_does_not_take_is_refused_before_sending(emulator: GeminiEmulator) -> None:
    setting = types.SafetySetting(category="HARM_CATEGORY_HARASSMENT", threshold="OFF", method="SEVERITY")
    with pytest.raises(ValueError, match=r"safety_settings\[0\]: unknown fields \['method'\]"):
        make(emulator, safety_settings=[setting])
    assert emulator.requests == []


def test_genai_built_in_tools(emulator: GeminiEmulator) -> None:
    answer = make(emulator).bind_tools([types.Tool(google_search=types.GoogleSearch())]).invoke("Who won in 2024?")
    assert emulator.requests[-1].json["tools"] == [{"googleSearch": {}}]
    assert "grounding_metadata" in answer.response_metadata
    answer = make(emulator).invoke("What is 2*21?", tools=[types.Tool(code_execution=types.ToolCodeExecution())])
    assert emulator.requests[-1].json["tools"] == [{"codeExecution": {}}]
    assert any(block["type"] == "code_execution_result" for block in answer.content)  # type: ignore[index]


def test_genai_function_declarations_next_to_langchain_tools(emulator: GeminiEmulator) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    declaration = types.FunctionDeclaration(
        name="get_time", description="Time in a city.", parameters_json_schema=schema
    )
    tools = [
        types.Tool(function_declarations=[declaration]),
        types.FunctionDeclaration(name="get_rain", parameters_json_schema=schema),
        get_weather,
    ]
    answer = make(emulator).bind_tools(tools, tool_choice="get_time").invoke("Time in 'Lyon'?")
    (sent,) = emulator.requests[-1].json["tools"]
    declarations = sent["functionDeclarations"]
    assert declarations[:2] == [
        {"name": "get_time", "description": "Time in a city.", "parametersJsonSchema": schema},
        {"name": "get_rain", "parametersJsonSchema": schema},
    ]
    assert declarations[2]["name"] == "get_weather"
    assert answer.tool_calls[0]["name"] == "get_time"
    assert answer.tool_calls[0]["args"] == {"city": "Lyon"}


def test_genai_tool_config_as_tool_choice(emulator: GeminiEmulator) -> None:
    config = types.ToolConfig(
        function_calling_config=types.FunctionCallingConfig(mode="ANY", allowed_function_names=["get_weather"])
    )
    make(emulator).bind_tools([get_weather], tool_choice=config).invoke("Hello")
    assert emulator.requests[-1].json["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}
    }


def test_genai_objects_that_are_not_gemini_tools_are_refused_clearly() -> None:
    model = ChatGemini(model="gemini-2.5-flash", api_key="test-key")
    with pytest.raises(ValueError, match=r"tools\[0\]: Tool fields \['retrieval'\] are not supported"):
        model.bind_tools([types.Tool(retrieval=types.Retrieval())])
    with pytest.raises(TypeError, match=r"tools\[1\]: a Person instance is not a tool"):
        model.bind_tools([get_weather, Person(name="Ada", height_m=1.6)])


# -- item 7: GOOGLE_GEMINI_BASE_URL -------------------------------------------------------------------------------


def test_base_url_from_the_environment_reaches_the_emulator(
    emulator: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", emulator.base_url + "/")
    assert ChatGemini(model="gemini-2.5-flash", api_key="test-key").invoke("Hello").text.startswith("Emulated reply")
    assert GeminiEmbeddings(api_key="test-key").embed_query("Hello")
    with GeminiFiles(api_key="test-key") as files:
        assert list(files.list()) == []
    assert [request.path for request in emulator.requests] == [
        "/v1beta/models/gemini-2.5-flash:generateContent",
        "/v1beta/models/gemini-embedding-001:embedContent",
        "/v1beta/files",
    ]


# -- item 8: usage details ----------------------------------------------------------------------------------------


def test_usage_details_are_always_present(emulator: GeminiEmulator) -> None:
    model = make(emulator, model="gemini-2.0-flash")  # no thinking, no cache: Gemini omits both counts
    answer = model.invoke("Hello")
    assert answer.usage_metadata is not None
    assert answer.usage_metadata["input_token_details"] == {"cache_read": 0}
    assert answer.usage_metadata["output_token_details"] == {"reasoning": 0}
    chunks = list(model.stream("Hello"))
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert isinstance(merged, AIMessageChunk)
    assert merged.usage_metadata == answer.usage_metadata  # usage on the last chunk only: nothing added twice


def test_usage_details_carry_gemini_counts(emulator: GeminiEmulator) -> None:
    usage = {
        "promptTokenCount": 10,
        "cachedContentTokenCount": 8,
        "candidatesTokenCount": 2,
        "thoughtsTokenCount": 5,
        "totalTokenCount": 17,
    }
    emulator.enqueue(
        {
            "candidates": [{"content": {"role": "model", "parts": [{"text": "Hi"}]}, "finishReason": "STOP"}],
            "usageMetadata": usage,
        }
    )
    usage_metadata = make(emulator).invoke("Hello").usage_metadata
    assert usage_metadata == {
        "input_tokens": 10,
        "output_tokens": 7,
        "total_tokens": 17,
        "input_token_details": {"cache_read": 8},
        "output_token_details": {"reasoning": 5},
    }


# -- item 9: refusals and early stops -----------------------------------------------------------------------------


def blocked_answer(finish: str, *, message: str | None = None) -> dict[str, Any]:
    candidate: dict[str, Any] = {
        "content": {"role": "model"},
        "finishReason": finish,
        "safetyRatings": [
            {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
            {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "HIGH", "blocked": True},
        ],
    }
    if message:
        candidate["finishMessage"] = message
    return {"candidates": [candidate], "usageMetadata": {"promptTokenCount": 4, "totalTokenCount": 4}}


BLOCKED_PROMPT = {
    "promptFeedback": {
        "blockReason": "OTHER",
        "safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}],
    },
    "usageMetadata": {"promptTokenCount": 4, "totalTokenCount": 4},
}


@pytest.mark.parametrize("finish", ["SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY"])
def test_policy_finishes_give_a_refusal_block(emulator: GeminiEmulator, finish: str) -> None:
    emulator.enqueue(blocked_answer(finish))
    answer = make(emulator).invoke("Tell me something")
    assert answer.content_blocks == [
        {"type": "refusal", "refusal": "", "extras": {"finish_reason": finish, "category": "HARM_CATEGORY_HATE_SPEECH"}}
    ]


def test_a_blocked_prompt_gives_a_refusal_block_streamed_too(emulator: GeminiEmulator) -> None:
    emulator.enqueue([BLOCKED_PROMPT], method="streamGenerateContent")
    chunks = list(make(emulator).stream("Tell me something"))
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    expected = {"block_reason": "OTHER", "category": "HARM_CATEGORY_DANGEROUS_CONTENT"}
    assert merged.content_blocks == [{"type": "refusal", "refusal": "", "extras": expected}]


def test_answers_that_are_not_refusals_have_no_refusal_block(emulator: GeminiEmulator) -> None:
    emulator.enqueue(blocked_answer("RECITATION"))
    assert make(emulator).invoke("Hi").content_blocks == []


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_structured_output_of_a_blocked_answer_raises_a_refusal(emulator: GeminiEmulator, method: str) -> None:
    structured = make(emulator).with_structured_output(Person, method=method)  # type: ignore[arg-type]
    emulator.enqueue(blocked_answer("PROHIBITED_CONTENT", message="Not allowed."))
    blocked = r"Gemini blocked the answer \(finish_reason=PROHIBITED_CONTENT, category="
    with pytest.raises(ModelRefusalError, match=blocked):
        structured.invoke("Who is tall?")
    emulator.enqueue(BLOCKED_PROMPT)
    with pytest.raises(ModelRefusalError, match=r"Gemini blocked the prompt \(block_reason=OTHER"):
        structured.invoke("Who is tall?")


def test_structured_output_refusal_is_the_parsing_error_with_include_raw(emulator: GeminiEmulator) -> None:
    structured = make(emulator).with_structured_output(Person, method="function_calling", include_raw=True)
    emulator.enqueue(blocked_answer("SAFETY"))
    result = structured.invoke("Who is tall?")
    assert result["parsed"] is None
    assert isinstance(result["parsing_error"], ModelRefusalError)
    assert result["raw"].response_metadata["finish_reason"] == "SAFETY"


MALFORMED = {
    "candidates": [
        {
            "content": {"role": "model"},
            "finishReason": "MALFORMED_FUNCTION_CALL",
            "finishMessage": "Malformed function call: Person(name=",
        }
    ]
}


def test_structured_output_of_a_malformed_call_raises_instead_of_returning_none(emulator: GeminiEmulator) -> None:
    structured = make(emulator).with_structured_output(Person, method="function_calling")
    emulator.enqueue(MALFORMED)
    expected = r"finish_reason=MALFORMED_FUNCTION_CALL before giving the structured output: Malformed function call"
    with pytest.raises(OutputParserException, match=expected):
        structured.invoke("Who is tall?")
    emulator.enqueue(MALFORMED)
    raw = make(emulator).with_structured_output(Person, method="function_calling", include_raw=True)
    result = raw.invoke("Who is tall?")
    assert result["parsed"] is None
    assert isinstance(result["parsing_error"], OutputParserException)


def test_structured_output_of_an_answer_cut_before_any_output_says_why(emulator: GeminiEmulator) -> None:
    emulator.enqueue({"candidates": [{"content": {"role": "model"}, "finishReason": "MAX_TOKENS"}]})
    with pytest.raises(OutputParserException, match="finish_reason=MAX_TOKENS"):
        make(emulator).with_structured_output(Person).invoke("Who is tall?")


def test_streamed_and_async_structured_output_check_the_answer_too(emulator: GeminiEmulator) -> None:
    structured = make(emulator).with_structured_output(Person)
    emulator.enqueue(blocked_answer("SAFETY"), method="streamGenerateContent")
    with pytest.raises(ModelRefusalError):
        list(structured.stream("Who is tall?"))
    emulator.enqueue(blocked_answer("SAFETY"))
    with pytest.raises(ModelRefusalError):
        asyncio.run(structured.ainvoke("Who is tall?"))
    assert structured.invoke("'Ada' is 1.6 m tall.") == Person(name="Ada", height_m=1.6)
