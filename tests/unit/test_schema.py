"""JSON Schema -> Gemini's two schema forms (`langchain_gemini._schema`): the JSON form, the keys and the chooser.

The JSON Schema form (`to_json_schema`), that neither conversion modifies its input, `parameters_fields` and
`response_schema_fields`, and `schema_mode`. The OpenAPI form's table tests are in `test_schema_openapi.py`, the
hypothesis invariants of both forms in `test_schema_generated.py`.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from langchain_gemini._schema import (
    parameters_fields,
    response_schema_fields,
    schema_mode,
    to_json_schema,
    to_openapi_schema,
)
from tests.unit.schema_models import Everything, Node, OwnerV1, Pet


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
