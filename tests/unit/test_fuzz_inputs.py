"""Fuzzed inputs: whatever a user passes, the result is a request or a `ValueError` / `TypeError` before any request.

Messages, content blocks, tool forms, `tool_choice`, settings and embeddings inputs come from hypothesis, partly
random JSON and partly near-valid shapes with wrong types. A refused input must not have sent anything (issue 16).
Seeded and short here; `FUZZ_EXAMPLES=10000` runs the long profile.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage, convert_to_messages

from langchain_gemini import ChatGemini, GeminiEmbeddings
from langchain_gemini._replay import FUNCTION_CALL_SIGNATURES_KEY
from tests.unit.fake_gemini import FAKE_KEY, text_response

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
DOCUMENTED = (ValueError, TypeError)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
block_types = st.sampled_from(
    ["text", "image", "audio", "video", "file", "image_url", "thinking", "reasoning", "tool_call", "non_standard"]
)
blocks = st.one_of(
    st.text(max_size=8),
    json_values,
    st.fixed_dictionaries(
        {"type": block_types},
        optional={
            "text": json_values,
            "base64": st.sampled_from(["iVBORw0KGgo=", "", "@@"]) | json_values,
            "mime_type": st.sampled_from(["image/png", "text/plain", "x"]) | json_values,
            "url": st.sampled_from(["https://example.com/a.png", "data:image/png;base64,AAAA", "ftp://x"]),
            "image_url": json_values | st.fixed_dictionaries({"url": st.text(max_size=12)}),
            "file_id": json_values,
            "extras": json_values,
            "signature": json_values,
        },
    ),
)
tool_calls = st.fixed_dictionaries(
    {"name": st.text(min_size=1, max_size=6), "args": st.dictionaries(st.text(max_size=4), json_values, max_size=3)},
    optional={"id": st.text(max_size=6)},
)


@st.composite
def messages(draw: st.DrawFn) -> list[Any]:
    out: list[Any] = []
    for _ in range(draw(st.integers(1, 4))):
        content = draw(st.text(max_size=8) | st.lists(blocks, max_size=3))
        kind = draw(st.sampled_from(["human", "ai", "system", "tool", "tuple", "dict", "raw"]))
        try:
            if kind == "human":
                out.append(HumanMessage(content))
            elif kind == "system":
                out.append(SystemMessage(content))
            elif kind == "ai":
                extra = draw(st.none() | st.fixed_dictionaries({FUNCTION_CALL_SIGNATURES_KEY: json_values}))
                calls = draw(st.lists(tool_calls, max_size=2))
                out.append(AIMessage(content, tool_calls=calls, additional_kwargs=extra or {}))
            elif kind == "tool":
                out.append(ToolMessage(content, tool_call_id=draw(st.text(max_size=6))))
            elif kind == "tuple":
                out.append((draw(st.sampled_from(["user", "ai", "system", "x"])), content))
            elif kind == "dict":
                out.append({"role": draw(st.sampled_from(["user", "assistant", "tool"])), "content": content})
            else:
                out.append(draw(json_values))
            convert_to_messages(out[-1:])
        except (ValueError, TypeError, KeyError, NotImplementedError):
            # langchain-core itself refuses the message (BaseChatModel turns input into messages before any
            # chat model code runs): nothing of ours to test.
            out = out[:-1]
    return out


def _model(sent: list[httpx.Request], **settings_: Any) -> ChatGemini:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=text_response("ok"))

    return ChatGemini(
        api_key=FAKE_KEY,
        max_retries=0,
        media_fetch="refuse",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        **{"model": "gemini-2.5-flash", **settings_},
    )


def _refused_before_sending(action: Any, sent: list[httpx.Request]) -> None:
    try:
        action()
    except DOCUMENTED:
        assert sent == [], "a refused input must not reach the wire"


@seed(16)
@FUZZ
@given(messages())
def test_fuzzed_messages_give_a_request_or_a_clear_error(history: list[Any]) -> None:
    sent: list[httpx.Request] = []
    model = _model(sent)
    _refused_before_sending(lambda: model.invoke(history), sent)
    model.close()


tools = st.one_of(
    json_values,
    st.fixed_dictionaries({"name": json_values, "description": json_values, "parameters": json_values}),
    st.fixed_dictionaries({"type": st.just("function"), "function": json_values}),
    st.fixed_dictionaries({"title": st.text(max_size=5), "type": json_values, "properties": json_values}),
    st.fixed_dictionaries({"name": st.text(min_size=1, max_size=5), "input_schema": json_values}),
    st.dictionaries(st.sampled_from(["google_search", "codeExecution", "functionDeclarations"]), json_values),
)
tool_choices = st.one_of(
    json_values,
    st.sampled_from(["auto", "any", "none", "required", "lookup", True, False]),
    st.fixed_dictionaries({"type": st.just("function")}, optional={"function": json_values}),
    st.fixed_dictionaries({"function_calling_config": json_values}),
)


@seed(16)
@FUZZ
@given(st.lists(tools, max_size=3), tool_choices)
def test_fuzzed_tools_and_tool_choice_give_a_request_or_a_clear_error(bound: list[Any], choice: Any) -> None:
    sent: list[httpx.Request] = []
    model = _model(sent)
    _refused_before_sending(lambda: model.bind_tools(bound, tool_choice=choice).invoke("hi"), sent)
    model.close()


@seed(16)
@FUZZ
@given(json_values, st.sampled_from(["json_schema", "function_calling", "json_mode"]))
def test_fuzzed_structured_output_schemas_give_a_request_or_a_clear_error(schema: Any, method: str) -> None:
    sent: list[httpx.Request] = []
    model = _model(sent)

    def run() -> None:
        try:
            model.with_structured_output(schema, method=method).invoke("hi")  # type: ignore[arg-type]
        except OutputParserException:
            assert sent, "the answer ('ok') is not JSON: the parser refuses it after the request"

    _refused_before_sending(run, sent)
    model.close()


SETTINGS = [
    "temperature",
    "top_p",
    "top_k",
    "max_output_tokens",
    "candidate_count",
    "stop",
    "seed",
    "thinking_budget",
    "thinking_level",
    "include_thoughts",
    "response_mime_type",
    "response_modalities",
    "safety_settings",
    "model_kwargs",
    "timeout",
    "max_retries",
    "cached_content",
]


@seed(16)
@FUZZ
@given(st.dictionaries(st.sampled_from(SETTINGS), json_values, max_size=3), st.booleans())
def test_fuzzed_settings_give_a_request_or_a_clear_error(values: dict[str, Any], per_call: bool) -> None:
    sent: list[httpx.Request] = []

    def run() -> None:
        if per_call:
            model = _model(sent)
            try:
                list(model.stream("hi", **values))
            finally:
                model.close()
        else:
            model = _model(sent, **values)
            try:
                model.invoke("hi")
            finally:
                model.close()

    _refused_before_sending(run, sent)


@seed(16)
@FUZZ
@given(json_values, st.dictionaries(st.sampled_from(["task_type", "output_dimensionality", "title"]), json_values))
def test_fuzzed_embeddings_inputs_give_vectors_or_a_clear_error(texts: Any, options: dict[str, Any]) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        count = len(httpx.Response(200, content=request.content).json().get("requests", [None]))
        return httpx.Response(
            200, json={"embeddings": [{"values": [1.0, 0.0]}] * count, "embedding": {"values": [1.0]}}
        )

    def run() -> None:
        embeddings = GeminiEmbeddings(
            api_key=FAKE_KEY, max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(handler))
        )
        try:
            if isinstance(texts, str):
                embeddings.embed_query(texts)
            else:
                embeddings.embed_documents(texts, **options)
        finally:
            embeddings.close()

    _refused_before_sending(run, sent)


@pytest.mark.parametrize(
    ("action", "error", "message"),
    [
        (
            lambda m: m.invoke(
                [
                    HumanMessage("hi"),
                    AIMessage(
                        "",
                        tool_calls=[{"name": "f", "args": {}, "id": "c"}],
                        additional_kwargs={FUNCTION_CALL_SIGNATURES_KEY: 1},
                    ),
                ]
            ),
            TypeError,
            "must be a dict of tool call id -> signature, got int",
        ),
        (lambda m: m.bind_tools([_LOOKUP], tool_choice={"type": "function"}), ValueError, '"function" form needs'),
        (lambda m: m.with_structured_output({"type": ["string", "null"]}), ValueError, "with_structured_output schema"),
        (lambda m: m.bind_tools([{"type": ["string", "null"]}]), ValueError, "tools[0]: cannot be converted"),
        (lambda m: ChatGemini(model="gemini-2.5-flash", api_key=FAKE_KEY, model_kwargs=[]), TypeError, "model_kwargs"),
    ],
)
def test_bad_input_is_a_clear_error_before_any_request(action: Any, error: type[Exception], message: str) -> None:
    sent: list[httpx.Request] = []
    model = _model(sent)
    with pytest.raises(error) as caught:
        action(model)
    assert message in str(caught.value)
    assert sent == []
    model.close()


_LOOKUP = {"name": "lookup", "description": "d", "parameters": {"type": "object", "properties": {}}}


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def _nested_schema(depth: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


@pytest.mark.parametrize(
    "action",
    [
        lambda m: m.with_structured_output(_nested_schema(3000), method="json_schema").invoke("hi"),
        lambda m: m.bind_tools([{"name": "f", "parameters": _nested_schema(3000)}]).invoke("hi"),
        lambda m: m.invoke(
            [HumanMessage("hi"), AIMessage("", tool_calls=[{"name": "f", "args": _nested(3000), "id": "c"}])]
        ),
        lambda m: m.invoke(
            [
                HumanMessage("hi"),
                AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "c"}]),
                ToolMessage("[" * 3000 + "]" * 3000, tool_call_id="c"),
            ]
        ),
    ],
    ids=["response schema", "tool schema", "tool call args", "tool result"],
)
def test_nesting_beyond_the_api_limit_is_refused_before_any_request(action: Any) -> None:
    sent: list[httpx.Request] = []
    model = _model(sent)
    with pytest.raises(ValueError, match="nested more than 100 levels deep"):
        action(model)
    assert sent == []
    model.close()


def test_nesting_within_the_limit_is_sent() -> None:
    sent: list[httpx.Request] = []
    model = _model(sent)
    model.invoke([HumanMessage("hi"), AIMessage("", tool_calls=[{"name": "f", "args": _nested(60), "id": "c"}])])
    assert len(sent) == 1
    model.close()
