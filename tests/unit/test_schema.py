"""JSON Schema -> Gemini's two schema forms (`langchain_gemini._schema`).

The table tests cover every row of the anchor's section-5 table (reference/anchor-langchain-google-genai.md), in
both forms; the hypothesis tests check invariants of the OpenAPI form over generated schemas.
"""

from __future__ import annotations

import copy
import datetime
import logging
from enum import Enum, IntEnum
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.utils.function_calling import convert_to_json_schema
from pydantic import BaseModel, Field
from pydantic import v1 as pydantic_v1
from typing_extensions import TypedDict

from langchain_gemini._schema import (
    MAX_REF_DEPTH,
    OPENAPI_KEYS,
    OPENAPI_TYPES,
    parameters_fields,
    response_schema_fields,
    schema_mode,
    to_json_schema,
    to_openapi_schema,
)

# -- models ------------------------------------------------------------------------------------------------------


class Pet(BaseModel):
    """A pet."""

    name: str = Field(description="The pet's name", min_length=1, max_length=20, pattern=r"^[A-Z]")
    age: int = Field(default=0, ge=0, le=40)


class Node(BaseModel):
    """A tree node."""

    value: int
    children: list[Node] = []


class Chain(BaseModel):
    value: int
    next: Chain | None  # required and nullable


class Color(str, Enum):
    RED = "red"
    BLUE = "blue"


class Level(IntEnum):
    LOW = 1
    HIGH = 2


class Everything(BaseModel):
    """Every row of the anchor's table."""

    pet: Pet = Field(description="The main pet")
    pets: list[Pet]
    grid: list[list[int]] = Field(min_length=1, max_length=3)
    maybe: int | None = None
    either: int | str
    either_or_none: int | str | None = None
    color: Color
    level: Level
    mode: Literal["fast", "slow"]
    fixed: Literal["x"]
    small: Literal[1, 2, 3]
    counts: dict[str, int] = {}
    anything: Any = None
    ratio: float = Field(default=0.5, ge=0, le=1)
    positive: int = Field(gt=0)
    above_zero: float = Field(gt=0)
    when: datetime.datetime


class PetV1(pydantic_v1.BaseModel):
    name: str


class OwnerV1(pydantic_v1.BaseModel):
    """A pydantic v1 owner."""

    pet: PetV1 = pydantic_v1.Field(description="The pet")
    nickname: str | None = None


class Movie(TypedDict):
    """A movie."""

    title: str
    year: int


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


def test_conversions_do_not_modify_their_input() -> None:
    source = Everything.model_json_schema()
    before = copy.deepcopy(source)
    to_openapi_schema(source)
    to_json_schema(source)
    assert source == before


# -- JSON Schema form --------------------------------------------------------------------------------------------


def test_json_form_keeps_everything_but_rewrites_ref_siblings_and_const() -> None:
    source = Everything.model_json_schema()
    schema = to_json_schema(source)
    assert schema["$defs"] == source["$defs"]
    assert schema["required"] == source["required"]
    for name, prop in source["properties"].items():
        if name == "pet":
            assert schema["properties"][name] == {"description": "The main pet", "anyOf": [{"$ref": "#/$defs/Pet"}]}
        elif name == "fixed":
            assert schema["properties"][name] == {"title": "Fixed", "type": "string", "enum": ["x"]}
        else:
            assert schema["properties"][name] == prop, name
    assert schema["properties"]["counts"]["additionalProperties"] == {"type": "integer"}


def test_json_form_recursive_model_keeps_refs_with_an_object_root() -> None:
    source = Node.model_json_schema()
    assert source["$ref"] == "#/$defs/Node"
    schema = to_json_schema(source)
    assert "$ref" not in schema
    assert schema["type"] == "object"
    assert schema["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert schema["$defs"] == source["$defs"]


def test_json_form_pydantic_v1_definitions_become_defs() -> None:
    schema = to_json_schema(OwnerV1.schema())
    assert "definitions" not in schema
    assert schema["$defs"]["PetV1"]["properties"] == {"name": {"title": "Name", "type": "string"}}
    assert schema["properties"]["pet"] == {
        "title": "Pet",
        "description": "The pet",
        "anyOf": [{"$ref": "#/$defs/PetV1"}],
    }


def test_json_form_drops_schema_keyword_and_handles_ref_beside_union() -> None:
    raw = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$defs": {"A": {"type": "string"}},
        "type": "object",
        "properties": {"x": {"$ref": "#/$defs/A", "anyOf": [{"minLength": 1}, {"maxLength": 0}]}},
    }
    schema = to_json_schema(raw)
    assert "$schema" not in schema
    assert schema["properties"]["x"] == {
        "anyOf": [{"minLength": 1}, {"maxLength": 0}],
        "allOf": [{"$ref": "#/$defs/A"}],
    }


# -- tools, response schemas and the chooser ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["json_schema", "openapi"])
def test_tools_without_arguments_declare_no_parameters(mode: Any) -> None:
    assert parameters_fields(None, mode) is None
    assert parameters_fields({}, mode) is None
    assert parameters_fields({"type": "object", "properties": {}}, mode) is None
    assert parameters_fields({"properties": {}, "additionalProperties": False, "type": "object"}, mode) is None


def test_parameters_and_response_fields_pick_the_key() -> None:
    schema = Pet.model_json_schema()
    assert parameters_fields(schema, "json_schema") == {"parametersJsonSchema": to_json_schema(schema)}
    assert parameters_fields(schema, "openapi") == {"parameters": to_openapi_schema(schema)}
    assert response_schema_fields(schema, "json_schema") == {"responseJsonSchema": to_json_schema(schema)}
    assert response_schema_fields(schema, "openapi") == {"responseSchema": to_openapi_schema(schema)}
    free_form = {"type": "object", "additionalProperties": True}
    assert parameters_fields(free_form, "json_schema") == {"parametersJsonSchema": free_form}
    with pytest.raises(ValueError, match="OpenAPI"):
        parameters_fields(free_form, "openapi")


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gemini-2.5-flash", "json_schema"),
        ("models/gemini-2.5-pro", "json_schema"),
        ("gemini-2.5-flash-lite-preview-09-2025", "json_schema"),
        ("gemini-3-pro-preview", "json_schema"),
        ("gemini-3.1-flash", "json_schema"),
        ("gemini-flash-latest", "json_schema"),
        ("gemini-2.0-flash", "openapi"),
        ("gemini-2.0-flash-thinking-exp-01-21", "openapi"),
        ("gemini-1.5-pro-002", "openapi"),
        ("gemini-1.0-pro-latest", "openapi"),
        ("gemini-pro", "openapi"),
        ("gemini-exp-1206", "openapi"),
        ("gemma-3-27b-it", "openapi"),
        ("tunedModels/my-model", "openapi"),
    ],
)
def test_schema_mode_auto(model: str, expected: str) -> None:
    assert schema_mode(model) == expected
    assert schema_mode(model, "auto") == expected


def test_schema_mode_override_and_bad_value() -> None:
    assert schema_mode("gemini-2.5-flash", "openapi") == "openapi"
    assert schema_mode("gemini-2.0-flash", "json_schema") == "json_schema"
    with pytest.raises(ValueError, match="schema_mode"):
        schema_mode("gemini-2.5-flash", "jsonschema")  # type: ignore[arg-type]


# -- generated schemas: invariants -------------------------------------------------------------------------------

NAMES = st.sampled_from(["a", "b", "c", "d"])
DEFS = ("A", "B")
TEXT = st.text(alphabet="xyz", max_size=3)

LEAVES = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("string")},
        optional={
            "minLength": st.integers(0, 3),
            "maxLength": st.integers(3, 6),
            "pattern": st.just("^x"),
            "format": st.sampled_from(["date-time", "email"]),
            "enum": st.lists(TEXT, min_size=1, max_size=3, unique=True),
            "description": TEXT,
        },
    ),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["integer", "number"])},
        optional={
            "minimum": st.integers(-5, 0),
            "maximum": st.integers(1, 5),
            "exclusiveMaximum": st.integers(6, 9),
            "enum": st.lists(st.integers(-3, 3), min_size=1, max_size=3, unique=True),
            "multipleOf": st.just(2),
        },
    ),
    st.sampled_from([{"type": "boolean"}, {"type": "null"}, {}, {"title": "Anything"}]),
    st.builds(lambda value: {"const": value}, st.one_of(TEXT, st.integers(-3, 3), st.booleans(), st.none())),
    st.builds(
        lambda values: {"enum": values},
        st.lists(st.one_of(TEXT, st.integers(0, 3), st.none(), st.booleans()), min_size=1, max_size=4),
    ),
    st.builds(lambda kind: {"type": [kind, "null"]}, st.sampled_from(["string", "integer", "boolean", "number"])),
    st.builds(lambda name: {"$ref": f"#/$defs/{name}"}, st.sampled_from(DEFS)),
)


def _object(properties: dict[str, Any], names: list[str], with_required: bool, extra: Any) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "object", "properties": properties}
    if with_required:
        node["required"] = [name for name in names if name in properties]
    if extra is not None:
        node["additionalProperties"] = extra
    return node


def _composites(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    unions = st.lists(children, min_size=1, max_size=3)
    return st.one_of(
        st.builds(
            _object,
            st.dictionaries(NAMES, children, max_size=3),
            st.lists(NAMES, unique=True),
            st.booleans(),
            st.one_of(st.none(), st.booleans(), children),
        ),
        st.builds(lambda items: {"type": "array", "items": items}, children),
        st.builds(lambda items, low: {"type": "array", "items": items, "minItems": low}, children, st.integers(0, 2)),
        st.builds(lambda alternatives: {"anyOf": alternatives}, unions),
        st.builds(lambda alternatives: {"oneOf": alternatives}, unions),
        st.builds(lambda parts: {"allOf": parts}, st.lists(children, min_size=1, max_size=2)),
        st.builds(lambda value: {"type": "object", "additionalProperties": value}, children),
        st.builds(lambda schema, text: {**schema, "description": text}, children, TEXT),
    )


SCHEMAS = st.recursive(LEAVES, _composites, max_leaves=10)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A root object whose first property is always expressible, with `$defs` that may recurse."""
    properties = {"anchor": {"type": "string"}, **draw(st.dictionaries(NAMES, SCHEMAS, max_size=4))}
    root: dict[str, Any] = {"type": "object", "properties": properties, "$defs": {n: draw(SCHEMAS) for n in DEFS}}
    if draw(st.booleans()):
        root["required"] = draw(st.lists(st.sampled_from(list(properties)), unique=True))
    return root


def check_openapi_node(node: Any, path: str) -> None:
    assert isinstance(node, dict), path
    assert set(node) <= OPENAPI_KEYS, (path, set(node) - OPENAPI_KEYS)
    assert "type" in node or "anyOf" in node, path
    kind = node.get("type")
    assert kind is None or kind in OPENAPI_TYPES, (path, kind)
    if kind == "OBJECT":
        assert node["properties"], path
        assert set(node.get("required", ())) <= set(node["properties"]), path
        assert node["propertyOrdering"] == list(node["properties"]), path
        for name, child in node["properties"].items():
            check_openapi_node(child, f"{path}.{name}")
    else:
        assert not {"properties", "required", "propertyOrdering"} & set(node), path
    if kind == "ARRAY":
        check_openapi_node(node["items"], f"{path}[]")
    else:
        assert "items" not in node, path
    if "enum" in node:
        assert kind == "STRING", path
        assert all(isinstance(value, str) for value in node["enum"]), path
    for index, branch in enumerate(node.get("anyOf", ())):
        check_openapi_node(branch, f"{path}|{index}")


def allows_null(schema: Any, root: dict[str, Any], seen: frozenset[str] = frozenset()) -> bool | None:
    """Whether JSON Schema `schema` admits null; `None` where the test does not model the semantics."""
    if schema is True:
        return True
    if not isinstance(schema, dict) or "allOf" in schema:
        return None
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen or set(schema) - {"$ref", "description"}:
            return None
        return allows_null(root["$defs"][name], root, seen | {name})
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    values = [schema["const"]] if "const" in schema else schema.get("enum")
    if values is not None:
        return None in values
    alternatives = schema.get("anyOf", schema.get("oneOf"))
    if alternatives is not None:
        rest = {key: value for key, value in schema.items() if key not in ("anyOf", "oneOf")}
        answers = [allows_null({**rest, **alt} if isinstance(alt, dict) else alt, root, seen) for alt in alternatives]
        return True if any(answers) else (None if None in answers else False)
    # no type and no structure: unconstrained, so null is allowed
    return kind is None and not {"properties", "items", "additionalProperties"} & set(schema)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_generated_schemas_keep_openapi_invariants(source: dict[str, Any]) -> None:
    before = copy.deepcopy(source)
    schema = to_openapi_schema(source)
    assert source == before
    assert "$ref" not in repr(schema)
    check_openapi_node(schema, "$")
    assert schema["type"] == "OBJECT"
    assert "anchor" in schema["properties"]
    # required is never invented, and only ever loses properties that could not be expressed
    assert schema.get("required", []) == [n for n in source.get("required", []) if n in schema["properties"]]
    assert ("required" in schema) == ("required" in source)
    for name, prop in schema["properties"].items():
        if allows_null(source["properties"][name], source):
            assert prop.get("nullable") is True or prop.get("type") == "NULL", name


def walk_json(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [found for item in node for found in walk_json(item)]
    if not isinstance(node, dict):
        return []
    found = [node]
    for key, value in node.items():
        if key not in ("enum", "default", "const", "example", "examples"):
            found.extend(walk_json(value if key not in ("properties", "$defs") else list(value.values())))
    return found


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_generated_schemas_keep_json_form_invariants(source: dict[str, Any]) -> None:
    before = copy.deepcopy(source)
    schema = to_json_schema(source)
    assert source == before
    assert schema["$defs"].keys() == source["$defs"].keys()
    assert list(schema["properties"]) == list(source["properties"])
    assert schema.get("required") == source.get("required")
    for node in walk_json(schema):
        assert "const" not in node
        if "$ref" in node:
            assert all(key.startswith("$") for key in node), node
            assert node["$ref"].rsplit("/", 1)[-1] in schema["$defs"]
    assert to_json_schema(schema) == schema
