"""with_structured_output: the three methods, schema kinds, include_raw, streaming, and agents' response_format."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel
from typing_extensions import TypedDict

from tests.unit.fake_gemini import FakeGemini, text_response


class Joke(BaseModel):
    """A joke."""

    setup: str
    punchline: str


class JokeDict(TypedDict):
    setup: str
    punchline: str


JOKE = {"setup": "Why?", "punchline": "Because."}


def call_response(name: str, args: dict[str, Any]) -> dict[str, Any]:
    parts = [{"functionCall": {"name": name, "args": args}}]
    return {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}]}


@pytest.mark.parametrize("schema", [Joke, JokeDict, Joke.model_json_schema()])
def test_json_schema_is_native_and_parsed(schema: Any) -> None:
    fake = FakeGemini(responses=[text_response(json.dumps(JOKE))])
    result = fake.model().with_structured_output(schema).invoke("a joke")
    assert (result.model_dump() if isinstance(result, BaseModel) else result) == JOKE
    config = fake.bodies()[0]["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    sent = config["responseJsonSchema"]
    assert sent["properties"].keys() == {"setup", "punchline"}
    assert "tools" not in fake.bodies()[0]


def test_json_schema_uses_openapi_form_on_older_models() -> None:
    fake = FakeGemini(responses=[text_response(json.dumps(JOKE))])
    fake.model(model="gemini-2.0-flash").with_structured_output(Joke).invoke("a joke")
    assert fake.bodies()[0]["generationConfig"]["responseSchema"]["type"] == "OBJECT"


def test_function_calling_forces_one_function() -> None:
    fake = FakeGemini(responses=[call_response("Joke", JOKE)])
    result = fake.model().with_structured_output(Joke, method="function_calling").invoke("a joke")
    assert result == Joke(**JOKE)
    body = fake.bodies()[0]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["Joke"]}}


def test_json_mode_sends_no_schema() -> None:
    fake = FakeGemini(responses=[text_response(json.dumps(JOKE))])
    assert fake.model().with_structured_output(None, method="json_mode").invoke("a joke") == JOKE
    assert fake.bodies()[0]["generationConfig"] == {"responseMimeType": "application/json"}


@pytest.mark.parametrize("schema", [Joke, JokeDict, Joke.model_json_schema()])
def test_json_mode_with_a_schema_sends_it_as_json_schema_does(schema: Any) -> None:
    # langchain-google-genai's json_mode is an alias of json_schema: migrated code must keep its schema.
    fake = FakeGemini(responses=[text_response(json.dumps(JOKE))] * 2)
    model = fake.model()
    results = [model.with_structured_output(schema, method=m).invoke("a joke") for m in ("json_mode", "json_schema")]
    assert results[0] == results[1]
    json_mode, json_schema = (body["generationConfig"] for body in fake.bodies())
    assert json_mode == json_schema
    assert json_mode["responseMimeType"] == "application/json"
    assert json_mode["responseJsonSchema"]["properties"] == {
        "setup": {"title": "Setup", "type": "string"} if schema is not JokeDict else {"type": "string"},
        "punchline": {"title": "Punchline", "type": "string"} if schema is not JokeDict else {"type": "string"},
    }


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
@pytest.mark.parametrize("strict", [None, False, True])
def test_every_method_and_strict_combination_builds(method: str, strict: bool | None) -> None:
    assert FakeGemini().model().with_structured_output(Joke, method=method, strict=strict)  # type: ignore[arg-type]


def test_include_raw_reports_parsing_errors_instead_of_raising() -> None:
    fake = FakeGemini(responses=[text_response("not json")])
    result = fake.model().with_structured_output(Joke, include_raw=True).invoke("a joke")
    assert result["parsed"] is None
    assert result["parsing_error"] is not None
    assert result["raw"].text == "not json"


def test_unknown_arguments_and_method_raise() -> None:
    with pytest.raises(ValueError, match="unexpected arguments"):
        FakeGemini().model().with_structured_output(Joke, temperature=0)
    with pytest.raises(ValueError, match="method must be"):
        FakeGemini().model().with_structured_output(Joke, method="xml")  # type: ignore[arg-type]


def test_streaming_yields_partial_objects() -> None:
    text = json.dumps(JOKE)
    events = [
        {"candidates": [{"content": {"role": "model", "parts": [{"text": text[:10]}]}}]},
        {"candidates": [{"content": {"role": "model", "parts": [{"text": text[10:]}]}, "finishReason": "STOP"}]},
    ]
    fake = FakeGemini(streams=[events])
    partials = list(fake.model().with_structured_output(JokeDict).stream("a joke"))
    assert partials[0] != partials[-1]
    assert partials[-1] == JOKE


def test_openai_response_format_from_agents_is_native_structured_output() -> None:
    fake = FakeGemini()
    response_format = {"type": "json_schema", "json_schema": {"name": "Joke", "schema": Joke.model_json_schema()}}
    fake.model().bind_tools([], response_format=response_format, strict=True).invoke("a joke")
    config = fake.bodies()[0]["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert "responseJsonSchema" in config
    fake.model().bind(response_format={"type": "json_object"}).invoke("a joke")
    assert fake.bodies()[1]["generationConfig"] == {"responseMimeType": "application/json"}


def test_response_schema_with_text_plain_is_rejected_before_sending() -> None:
    fake = FakeGemini()
    with pytest.raises(ValueError, match="text/plain"):
        fake.model(response_mime_type="text/plain").invoke("x", response_schema={"type": "object"})
    assert fake.requests == []


def test_structured_output_format_reaches_callbacks() -> None:
    from langchain_core.callbacks import BaseCallbackHandler

    seen: list[Any] = []

    class Recorder(BaseCallbackHandler):
        def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
            seen.append(kwargs.get("invocation_params", {}).get("ls_structured_output_format") or kwargs.get("options"))

    fake = FakeGemini(responses=[text_response(json.dumps(JOKE))])
    fake.model().with_structured_output(Joke).invoke("a joke", config={"callbacks": [Recorder()]})
    assert seen
    assert seen[0]["ls_structured_output_format"]["kwargs"]["method"] == "json_schema"
