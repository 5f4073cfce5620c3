"""Invariants of both schema forms over hypothesis-generated JSON Schemas (`langchain_gemini._schema`).

Generated documents mix every keyword the converters handle, with `$defs` that may recurse; the OpenAPI form must
use only the proto's fields and types, keep `required` honest and keep nullability, and the JSON form must keep
the structure and be a fixed point. Separate from the example-based tests (`test_schema.py`,
`test_schema_openapi.py`) because it is slow and its strategies are long.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langchain_gemini._schema import OPENAPI_KEYS, OPENAPI_TYPES, to_json_schema, to_openapi_schema

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
