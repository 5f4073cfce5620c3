"""bind_tools and tool_choice: every accepted form, converted once, and clear errors before any request."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.tools import tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_gemini._tools import tool_config
from tests.unit.fake_gemini import FakeGemini


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(x: float, y: float) -> float:
    """Multiply two numbers.

    Args:
        x: first factor
        y: second factor
    """
    return x * y


class Person(BaseModel):
    """A person."""

    name: str = Field(description="full name")
    age: int | None = None


class Movie(TypedDict):
    """A movie."""

    title: str
    year: int


RAW_SCHEMA = {
    "title": "lookup",
    "description": "Look something up.",
    "type": "object",
    "properties": {"query": {"type": "string"}},
    "required": ["query"],
}
OPENAI_TOOL = {"type": "function", "function": {"name": "search", "description": "Search.", "parameters": RAW_SCHEMA}}


def declarations(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for t in body.get("tools", []) for d in t.get("functionDeclarations", [])]


def test_every_tool_form_becomes_a_declaration_next_to_builtins() -> None:
    fake = FakeGemini()
    bound = fake.model().bind_tools(
        [add, multiply, Person, Movie, RAW_SCHEMA, OPENAI_TOOL, {"google_search": {}}, {"codeExecution": {}}]
    )
    bound.invoke("hi")
    body = fake.bodies()[0]
    assert [d["name"] for d in declarations(body)] == ["add", "multiply", "Person", "Movie", "lookup", "search"]
    assert {"googleSearch": {}} in body["tools"]
    assert {"codeExecution": {}} in body["tools"]
    person = declarations(body)[2]
    assert person["description"] == "A person."
    schema = person["parametersJsonSchema"]
    assert schema["properties"]["name"]["description"] == "full name"
    assert schema["properties"]["age"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]


# The arguments schema every dict form below carries, and what must reach the wire for it.
QUERY_SCHEMA = {"type": "object", "properties": {"q": {"type": "string", "description": "terms"}}, "required": ["q"]}
QUERY_DECLARATION = {"name": "search", "description": "Search.", "parametersJsonSchema": QUERY_SCHEMA}


class Address(BaseModel):
    city: str


class Customer(BaseModel):
    """A customer."""

    name: str = Field(description="full name")
    address: Address


@tool(args_schema=Customer)
def save_customer(name: str, address: Address) -> str:
    """Save a customer."""
    return name


CUSTOMER_SCHEMA = {
    "$defs": {
        "Address": {
            "properties": {"city": {"title": "City", "type": "string"}},
            "required": ["city"],
            "title": "Address",
            "type": "object",
        }
    },
    "properties": {
        "name": {"description": "full name", "title": "Name", "type": "string"},
        "address": {"$ref": "#/$defs/Address"},
    },
    "required": ["name", "address"],
    "type": "object",
}
NATIVE_DECLARATION = {
    "name": "lookup",
    "description": "Look up a key.",
    "parameters": {"type": "OBJECT", "properties": {"key": {"type": "STRING"}}, "required": ["key"]},
}


@pytest.mark.parametrize(
    ("tool_form", "expected"),
    [
        pytest.param(
            Customer,
            {"name": "Customer", "description": "A customer.", "parametersJsonSchema": CUSTOMER_SCHEMA},
            id="pydantic-model",
        ),
        pytest.param(
            Movie,
            {
                "name": "Movie",
                "description": "A movie.",
                "parametersJsonSchema": {
                    "type": "object",
                    "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
                    "required": ["title", "year"],
                },
            },
            id="typeddict",
        ),
        pytest.param(
            multiply,
            {
                "name": "multiply",
                "description": "Multiply two numbers.",
                "parametersJsonSchema": {
                    "type": "object",
                    "properties": {
                        "x": {"description": "first factor", "type": "number"},
                        "y": {"description": "second factor", "type": "number"},
                    },
                    "required": ["x", "y"],
                },
            },
            id="function",
        ),
        pytest.param(
            add,
            {
                "name": "add",
                "description": "Add two integers.",
                "parametersJsonSchema": {
                    "type": "object",
                    "properties": {"a": {"title": "A", "type": "integer"}, "b": {"title": "B", "type": "integer"}},
                    "required": ["a", "b"],
                },
            },
            id="tool-decorator",
        ),
        pytest.param(
            save_customer,
            {"name": "save_customer", "description": "Save a customer.", "parametersJsonSchema": CUSTOMER_SCHEMA},
            id="tool-with-pydantic-args-schema",
        ),
        pytest.param(
            {"type": "function", "function": {"name": "search", "description": "Search.", "parameters": QUERY_SCHEMA}},
            QUERY_DECLARATION,
            id="openai-tool",
        ),
        pytest.param(
            {"name": "search", "description": "Search.", "parameters": QUERY_SCHEMA},
            QUERY_DECLARATION,
            id="openai-function",
        ),
        pytest.param(
            {"name": "search", "description": "Search.", "input_schema": QUERY_SCHEMA},
            QUERY_DECLARATION,
            id="anthropic-tool",
        ),
        pytest.param(
            {"title": "search", "description": "Search.", **QUERY_SCHEMA},
            QUERY_DECLARATION,
            id="json-schema-with-title",
        ),
        pytest.param({"functionDeclarations": [NATIVE_DECLARATION]}, NATIVE_DECLARATION, id="gemini-native"),
        pytest.param({"function_declarations": [NATIVE_DECLARATION]}, NATIVE_DECLARATION, id="gemini-native-snake"),
    ],
)
def test_each_tool_form_sends_its_declaration_exactly(tool_form: Any, expected: dict[str, Any]) -> None:
    fake = FakeGemini()
    fake.model().bind_tools([tool_form, {"google_search": {}}]).invoke("hi")
    tools = fake.bodies()[0]["tools"]
    assert tools == [{"googleSearch": {}}, {"functionDeclarations": [expected]}]


def test_dict_tool_forms_in_openapi_mode_send_their_parameters() -> None:
    fake = FakeGemini()
    forms = [
        {"type": "function", "function": {"name": "search", "description": "Search.", "parameters": QUERY_SCHEMA}},
        {"name": "find", "parameters": QUERY_SCHEMA},
        {"name": "grep", "description": "Grep.", "input_schema": QUERY_SCHEMA},
    ]
    fake.model(model="gemini-2.0-flash").bind_tools(forms).invoke("hi")
    openapi = {
        "type": "OBJECT",
        "properties": {"q": {"type": "STRING", "description": "terms"}},
        "required": ["q"],
        "propertyOrdering": ["q"],
    }
    assert declarations(fake.bodies()[0]) == [
        {"name": "search", "description": "Search.", "parameters": openapi},
        {"name": "find", "parameters": openapi},
        {"name": "grep", "description": "Grep.", "parameters": openapi},
    ]


def test_tools_are_converted_once_at_bind_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import langchain_gemini._tools as tools_module

    fake = FakeGemini()
    bound = fake.model().bind_tools([Person])
    calls: list[Any] = []
    original = tools_module.function_declaration
    monkeypatch.setattr(tools_module, "function_declaration", lambda *a: calls.append(a) or original(*a))
    bound.invoke("a")
    bound.invoke("b")
    assert calls == []
    assert declarations(fake.bodies()[1])[0]["name"] == "Person"


def test_tool_without_arguments_declares_no_parameters() -> None:
    @tool
    def now() -> str:
        """The time."""
        return "noon"

    fake = FakeGemini()
    fake.model().bind_tools([now]).invoke("hi")
    assert declarations(fake.bodies()[0]) == [{"name": "now", "description": "The time."}]


def test_openapi_schema_mode_is_honoured() -> None:
    fake = FakeGemini()
    fake.model(schema_mode="openapi").bind_tools([Person]).invoke("hi")
    params = declarations(fake.bodies()[0])[0]["parameters"]
    assert params["type"] == "OBJECT"
    assert params["properties"]["age"] == {"type": "INTEGER", "nullable": True, "default": None, "title": "Age"}
    fake2 = FakeGemini()
    fake2.model(model="gemini-2.0-flash").bind_tools([Person]).invoke("hi")
    assert "parameters" in declarations(fake2.bodies()[0])[0]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"functionCallingConfig": {"mode": "AUTO"}}),
        ("any", {"functionCallingConfig": {"mode": "ANY"}}),
        ("required", {"functionCallingConfig": {"mode": "ANY"}}),
        (True, {"functionCallingConfig": {"mode": "ANY"}}),
        ("none", {"functionCallingConfig": {"mode": "NONE"}}),
        ("add", {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["add"]}}),
        (["add", "multiply"], {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["add", "multiply"]}}),
        (
            {"type": "function", "function": {"name": "multiply"}},
            {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["multiply"]}},
        ),
        ({"function_calling_config": {"mode": "ANY"}}, {"functionCallingConfig": {"mode": "ANY"}}),
    ],
)
def test_tool_choice_forms(choice: Any, expected: dict[str, Any]) -> None:
    fake = FakeGemini()
    fake.model().bind_tools([add, multiply], tool_choice=choice).invoke("hi")
    assert fake.bodies()[0]["toolConfig"] == expected


@pytest.mark.parametrize("choice", [None, False])
def test_no_tool_choice_sends_no_config(choice: Any) -> None:
    fake = FakeGemini()
    fake.model().bind_tools([add], tool_choice=choice).invoke("hi")
    assert "toolConfig" not in fake.bodies()[0]


@pytest.mark.parametrize(
    ("choice", "fragment"),
    [
        ("divide", "bound functions are"),
        (["add", "nope"], "nope"),
        ({"type": "function", "function": {"name": "x"}}, "x"),
    ],
)
def test_unknown_tool_choice_raises_before_any_request(choice: Any, fragment: str) -> None:
    fake = FakeGemini()
    with pytest.raises(ValueError, match=fragment):
        fake.model().bind_tools([add, multiply], tool_choice=choice)
    assert fake.requests == []


def test_builtin_tools_only() -> None:
    assert tool_config("auto", []) is None
    with pytest.raises(ValueError, match="needs at least one bound function"):
        tool_config("any", [])


def test_duplicate_names_fail_when_the_request_is_built() -> None:
    fake = FakeGemini()
    bound = fake.model().bind_tools([Person, Person.model_json_schema()])
    with pytest.raises(ValueError, match="Person more than once"):
        bound.invoke("hi")
    assert fake.requests == []


def test_per_call_tools_and_bind_kwargs_are_forwarded() -> None:
    fake = FakeGemini()
    fake.model().invoke("hi", tools=[{"url_context": {}}])
    assert fake.bodies()[0]["tools"] == [{"urlContext": {}}]
    fake.model().bind_tools([add], temperature=0.1).invoke("hi")
    assert fake.bodies()[1]["generationConfig"] == {"temperature": 0.1}


def test_tool_calls_stream_as_indexed_chunks_and_merge_like_invoke() -> None:
    calls = [
        {"functionCall": {"name": "add", "args": {"a": 1, "b": 2}}},
        {"functionCall": {"name": "multiply", "args": {"x": 2.5, "y": 4}}},
    ]
    body = {"candidates": [{"content": {"role": "model", "parts": calls}, "finishReason": "STOP"}]}
    events = [
        {"candidates": [{"content": {"role": "model", "parts": [calls[0]]}}]},
        {"candidates": [{"content": {"role": "model", "parts": [calls[1]]}, "finishReason": "STOP"}]},
    ]
    fake = FakeGemini(responses=[body], streams=[events])
    model = fake.model().bind_tools([add, multiply])
    invoked = model.invoke("go")
    full = None
    for chunk in model.stream("go"):
        assert all(isinstance(c["index"], int) for c in chunk.tool_call_chunks)
        full = chunk if full is None else full + chunk
    assert full is not None
    strip = [(c["name"], c["args"]) for c in invoked.tool_calls]
    assert (
        [(c["name"], c["args"]) for c in full.tool_calls]
        == strip
        == [
            ("add", {"a": 1, "b": 2}),
            ("multiply", {"x": 2.5, "y": 4}),
        ]
    )
    assert all(c["id"] for c in full.tool_calls)
    assert len({c["id"] for c in invoked.tool_calls}) == 2
