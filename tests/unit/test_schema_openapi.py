"""JSON Schema -> Gemini's OpenAPI-subset form (`langchain_gemini._schema_openapi`, via `_schema`).

The table tests cover every row of the anchor's section-5 table (langchain-google-genai's schema conversion cases);
the rest cover recursion, enums, unions, `allOf`, pydantic v1, TypedDicts and the DEBUG log of dropped keywords.
The JSON form and the chooser are in `test_schema.py`, the generated-schema invariants in
`test_schema_generated.py`.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import pytest
from langchain_core.utils.function_calling import convert_to_json_schema
from pydantic import BaseModel, Field

from langchain_gemini._schema import MAX_REF_DEPTH, to_openapi_schema
from tests.unit.schema_models import Chain, Everything, Movie, Node, OwnerV1


def strip_titles(node: Any) -> Any:
    """The schema without `title` keys (pydantic puts one on every field)."""
    if isinstance(node, dict):
        return {key: strip_titles(value) for key, value in node.items() if key != "title"}
    if isinstance(node, list):
        return [strip_titles(item) for item in node]
    return node


def pinned(*values: int) -> list[dict[str, Any]]:
    return [{"type": "INTEGER", "minimum": v, "maximum": v} for v in values]


SCALARS = [{"type": "STRING"}, {"type": "NUMBER"}, {"type": "BOOLEAN"}]
ANY_VALUE = {"anyOf": [*SCALARS, {"type": "ARRAY", "items": {"anyOf": SCALARS}}], "nullable": True}
PET_OPENAPI = {
    "type": "OBJECT",
    "properties": {
        "name": {
            "type": "STRING",
            "maxLength": 20,
            "minLength": 1,
            "pattern": "^[A-Z]",
            "description": "The pet's name",
        },
        "age": {"type": "INTEGER", "minimum": 0, "maximum": 40, "default": 0},
    },
    "required": ["name"],
    "propertyOrdering": ["name", "age"],
    "description": "A pet.",
}

# -- OpenAPI form: the anchor's table, row by row ----------------------------------------------------------------

OPENAPI_ROWS = {
    # $ref/$defs (non-recursive): inlined; the field's description wins over the model docstring
    "pet": {**PET_OPENAPI, "description": "The main pet"},
    # array of objects; nested `required` kept exactly as pydantic gave it (age has a default)
    "pets": {"type": "ARRAY", "items": PET_OPENAPI},
    # nested arrays, minItems/maxItems
    "grid": {"type": "ARRAY", "items": {"type": "ARRAY", "items": {"type": "INTEGER"}}, "maxItems": 3, "minItems": 1},
    # Optional[X] -> nullable
    "maybe": {"type": "INTEGER", "default": None, "nullable": True},
    # Union stays a union, never STRING
    "either": {"anyOf": [{"type": "INTEGER"}, {"type": "STRING"}]},
    "either_or_none": {"anyOf": [{"type": "INTEGER"}, {"type": "STRING"}], "default": None, "nullable": True},
    # enums: string enums as enum, integer enums pinned by minimum == maximum (enum is string-only in the proto)
    "color": {"type": "STRING", "enum": ["red", "blue"]},
    "level": {"anyOf": pinned(1, 2)},
    "mode": {"type": "STRING", "enum": ["fast", "slow"]},
    "fixed": {"type": "STRING", "enum": ["x"]},
    "small": {"anyOf": pinned(1, 2, 3)},
    # Any -> every value the subset can express, not STRING
    "anything": {**ANY_VALUE, "default": None},
    # numeric constraints and defaults; exclusive bounds folded into inclusive ones
    "ratio": {"type": "NUMBER", "minimum": 0, "maximum": 1, "default": 0.5},
    "positive": {"type": "INTEGER", "minimum": 1},
    "above_zero": {"type": "NUMBER", "minimum": 0},
    # format
    "when": {"type": "STRING", "format": "date-time"},
}


@pytest.fixture(scope="module")
def everything_openapi() -> dict[str, Any]:
    return to_openapi_schema(Everything.model_json_schema())


@pytest.mark.parametrize(("name", "expected"), OPENAPI_ROWS.items(), ids=list(OPENAPI_ROWS))
def test_openapi_rows(everything_openapi: dict[str, Any], name: str, expected: dict[str, Any]) -> None:
    assert strip_titles(everything_openapi["properties"][name]) == expected


def test_openapi_keeps_titles_order_and_required(everything_openapi: dict[str, Any]) -> None:
    assert everything_openapi["title"] == "Everything"
    assert everything_openapi["description"] == "Every row of the anchor's table."
    assert everything_openapi["properties"]["pet"]["title"] == "Pet"
    assert everything_openapi["properties"]["pet"]["properties"]["name"]["title"] == "Name"
    names = [name for name in Everything.model_fields if name != "counts"]
    assert everything_openapi["propertyOrdering"] == names
    assert list(everything_openapi["properties"]) == names
    required = Everything.model_json_schema()["required"]
    assert everything_openapi["required"] == required


def test_openapi_dict_field_is_left_out_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="langchain_gemini")
    schema = to_openapi_schema(Everything.model_json_schema())
    assert "counts" not in schema["properties"]
    assert any(
        "$.properties.counts" in r.getMessage() and "additionalProperties" in r.getMessage() for r in caplog.records
    )


def test_openapi_required_dict_field_warns() -> None:
    class Config(BaseModel):
        name: str
        labels: dict[str, str]

    logger = logging.getLogger("langchain_gemini")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        schema = to_openapi_schema(Config.model_json_schema())
    finally:
        logger.removeHandler(handler)
    assert schema["required"] == ["name"]
    assert list(schema["properties"]) == ["name"]
    assert any(r.levelno == logging.WARNING and "'labels'" in r.getMessage() for r in records)


def test_openapi_recursive_model_is_unrolled_to_a_finite_depth(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="langchain_gemini")
    schema = to_openapi_schema(Node.model_json_schema())
    depth, node = 1, schema
    while "children" in node["properties"]:
        children = node["properties"]["children"]
        assert children["type"] == "ARRAY"
        assert children["items"]["type"] == "OBJECT"  # never STRING
        node, depth = children["items"], depth + 1
    assert depth == MAX_REF_DEPTH
    assert node["properties"] == {"value": {"type": "INTEGER", "title": "Value"}}
    assert node["required"] == ["value"]
    assert any("recursion cut" in r.getMessage() for r in caplog.records)


def test_openapi_recursion_depth_is_configurable() -> None:
    schema = to_openapi_schema(Node.model_json_schema(), max_ref_depth=1)
    assert "children" not in schema["properties"]
    deeper = to_openapi_schema(Node.model_json_schema(), max_ref_depth=5)
    for _ in range(4):
        deeper = deeper["properties"]["children"]["items"]
    assert "children" not in deeper["properties"]


def test_openapi_required_nullable_recursion_ends_in_null() -> None:
    schema = to_openapi_schema(Chain.model_json_schema())
    node = schema
    for _ in range(MAX_REF_DEPTH - 1):
        assert node["required"] == ["value", "next"]
        node = node["properties"]["next"]
        assert node["nullable"] is True
    assert node["properties"]["next"] == {"type": "NULL"}
    assert node["required"] == ["value", "next"]


def test_openapi_raw_dict_schema_type_arrays_and_no_invented_required() -> None:
    raw = {
        "type": "object",
        "properties": {
            "a": {"type": ["string", "null"], "description": "text or nothing"},
            "b": {"type": ["integer", "string"]},
            "c": {"type": ["integer", "string", "null"], "minimum": 1, "maxLength": 3},
            "d": {"type": "object", "properties": {"x": {"type": "number"}}},
        },
    }
    schema = to_openapi_schema(raw)
    assert schema == {
        "type": "OBJECT",
        "properties": {
            "a": {"type": "STRING", "description": "text or nothing", "nullable": True},
            "b": {"anyOf": [{"type": "INTEGER"}, {"type": "STRING"}]},
            "c": {"anyOf": [{"type": "INTEGER", "minimum": 1}, {"type": "STRING", "maxLength": 3}], "nullable": True},
            "d": {"type": "OBJECT", "properties": {"x": {"type": "NUMBER"}}, "propertyOrdering": ["x"]},
        },
        "propertyOrdering": ["a", "b", "c", "d"],
    }


def test_openapi_mixed_and_boolean_enums() -> None:
    raw = {
        "type": "object",
        "properties": {
            "mixed": {"enum": ["a", 1, None]},
            "flag": {"type": "boolean", "enum": [True, False]},
            "const_number": {"const": 2.5},
            "const_null": {"const": None},
            "nullable_text": {"type": "string", "enum": ["a", None]},
        },
        "required": ["mixed"],
    }
    props = to_openapi_schema(raw)["properties"]
    assert props["mixed"] == {
        "anyOf": [{"type": "STRING", "enum": ["a"]}, {"type": "INTEGER", "minimum": 1, "maximum": 1}],
        "nullable": True,
    }
    assert props["flag"] == {"type": "BOOLEAN"}
    assert props["const_number"] == {"type": "NUMBER", "minimum": 2.5, "maximum": 2.5}
    assert props["const_null"] == {"type": "NULL"}
    assert props["nullable_text"] == {"type": "STRING", "enum": ["a"], "nullable": True}


def test_openapi_pydantic_v1_allof_ref_and_definitions() -> None:
    schema = to_openapi_schema(OwnerV1.schema())
    assert strip_titles(schema["properties"]["pet"]) == {
        "type": "OBJECT",
        "properties": {"name": {"type": "STRING"}},
        "required": ["name"],
        "propertyOrdering": ["name"],
        "description": "The pet",
    }
    assert strip_titles(schema["properties"]["nickname"]) == {"type": "STRING"}
    assert schema["required"] == ["pet"]


def test_openapi_typed_dict_through_langchain_core() -> None:
    schema = to_openapi_schema(convert_to_json_schema(Movie))
    assert schema["properties"] == {"title": {"type": "STRING"}, "year": {"type": "INTEGER"}}
    assert schema["required"] == ["title", "year"]
    assert schema["description"] == "A movie."


def test_openapi_discriminated_union_and_tuple() -> None:
    class Cat(BaseModel):
        kind: Literal["cat"]
        lives: int

    class Dog(BaseModel):
        kind: Literal["dog"]
        good: bool

    class Home(BaseModel):
        pet: Cat | Dog = Field(discriminator="kind")
        point: tuple[int, str]

    schema = strip_titles(to_openapi_schema(Home.model_json_schema()))
    branches = schema["properties"]["pet"]["anyOf"]
    assert [branch["properties"]["kind"] for branch in branches] == [
        {"type": "STRING", "enum": ["cat"]},
        {"type": "STRING", "enum": ["dog"]},
    ]
    assert schema["properties"]["point"] == {
        "type": "ARRAY",
        "items": {"anyOf": [{"type": "INTEGER"}, {"type": "STRING"}]},
        "maxItems": 2,
        "minItems": 2,
    }


def test_openapi_allof_parts_merge() -> None:
    raw = {
        "$defs": {"Named": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
        "allOf": [
            {"$ref": "#/$defs/Named"},
            {"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]},
        ],
    }
    assert to_openapi_schema(raw) == {
        "type": "OBJECT",
        "properties": {"name": {"type": "STRING"}, "age": {"type": "INTEGER"}},
        "required": ["name", "age"],
        "propertyOrdering": ["name", "age"],
    }


def test_openapi_handwritten_gemini_schema_passes_through() -> None:
    native = {
        "type": "OBJECT",
        "properties": {"city": {"type": "STRING", "nullable": True, "description": "City"}},
        "required": ["city"],
        "propertyOrdering": ["city"],
    }
    assert to_openapi_schema(native) == native


def test_openapi_partial_property_ordering_is_completed() -> None:
    raw = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
        "propertyOrdering": ["b"],
    }
    assert to_openapi_schema(raw)["propertyOrdering"] == ["b", "a"]


def test_openapi_self_reference_through_allof_is_cut() -> None:
    raw = {
        "$defs": {"B": {"anyOf": [{"allOf": [{"type": "string"}, {"$ref": "#/$defs/B"}]}]}},
        "type": "object",
        "properties": {"anchor": {"type": "string"}, "b": {"$ref": "#/$defs/B"}},
    }
    # B is "a string that is also a B": every level needs one more, so the cut leaves nothing to send.
    assert "b" not in to_openapi_schema(raw)["properties"]


def test_openapi_logs_every_dropped_keyword_with_its_path(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="langchain_gemini")
    raw = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "n": {"type": "integer", "multipleOf": 3},
            "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            "word": {"type": "string", "not": {"const": "no"}, "minimum": 2},
            "meta": {"type": "object", "properties": {"k": {"type": "string"}}, "additionalProperties": False},
            "bits": {"type": "array", "prefixItems": [{"type": "integer"}]},
        },
    }
    schema = to_openapi_schema(raw)
    assert schema["properties"]["n"] == {"type": "INTEGER"}
    messages = [r.getMessage() for r in caplog.records if r.name == "langchain_gemini"]
    for keyword, path in [
        ("$schema", "$"),
        ("multipleOf", "$.properties.n"),
        ("uniqueItems", "$.properties.tags"),
        ("not", "$.properties.word"),
        ("minimum", "$.properties.word"),
        ("additionalProperties", "$.properties.meta"),
        ("prefixItems", "$.properties.bits"),
    ]:
        assert any(m.startswith(f"Gemini OpenAPI schema: {keyword} at {path} ") for m in messages), keyword


def test_openapi_root_without_expressible_content_raises() -> None:
    with pytest.raises(ValueError, match="json_schema"):
        to_openapi_schema({"type": "object", "additionalProperties": {"type": "integer"}})
