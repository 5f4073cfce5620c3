"""JSON Schema -> the two schema forms Gemini accepts (pure functions over plain dicts): which form, under which key.

* **JSON Schema** (`parametersJsonSchema`, `responseJsonSchema`) [1][2]: `to_json_schema` in `_schema_json` keeps
  the caller's schema, rewriting only what the API would reject or ignore.
* **The OpenAPI 3.0 subset** (`parameters`, `responseSchema`), the `Schema` proto message [5]: `to_openapi_schema`
  in `_schema_openapi` translates into the proto's fields and logs every keyword it cannot carry, with its path,
  at DEBUG on the `langchain_gemini` logger; free-form objects, objects inside `Any` and deep recursion are lost.

`schema_mode` picks the form for a model; `parameters_fields` and `response_schema_fields` put the converted schema
under the right key. The converters and their constants are re-exported here, so importers need only this module.
Each module's docstring lists the sources it cites; the numbers are shared.

Sources: [1] the `response_json_schema` field comment of generativelanguage v1beta, as published in Google's
clients (googleapis.github.io/kotlin-genai, GenerateContentConfig.responseJsonSchema). [2] "Gemini API structured
outputs", blog.google, Nov 2025: JSON Schema on all actively supported models. [3] googleapis/python-genai#1093:
`const` rejected under `parameters`, silently dropped under `parameters_json_schema`. [4] API error "$ref ... set
alongside unsupported fields" (anomalyco/opencode#12295). [5] Gemini API discovery document v1beta `Schema`
(ai.google.dev/api/caching#Schema); Node client `generativelanguage.v1beta.ISchema` 3.7.0. [6] google-genai
3.4.0 `_transformers._raise_for_unsupported_mldev_properties`. [7] API errors "properties: should be non-empty for
OBJECT type" (browser-use/browser-use#3786), "enum: only allowed for STRING type" (directus/directus#27100),
"type: must be specified when not using one_of, any_of or all_of fields" (danny-avila/LibreChat#6971), "items:
missing field" (AstrBotDevs/AstrBot#6029).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_gemini._schema_json import to_json_schema
from langchain_gemini._schema_openapi import MAX_REF_DEPTH, OPENAPI_KEYS, OPENAPI_TYPES, to_openapi_schema
from langchain_gemini._schema_refs import inline_root_ref
from langchain_gemini._wire import SchemaMode, SchemaOverride

__all__ = [
    "MAX_REF_DEPTH",
    "OPENAPI_KEYS",
    "OPENAPI_TYPES",
    "parameters_fields",
    "response_schema_fields",
    "schema_mode",
    "to_json_schema",
    "to_openapi_schema",
]


def schema_mode(model: str, override: SchemaOverride | None = None) -> SchemaMode:
    """Which schema form to send for `model`.

    Rule: an explicit `"json_schema"` or `"openapi"` override wins. Otherwise (`None` or `"auto"`) the model
    table's `schema_form` applies: full JSON Schema (`parametersJsonSchema`/`responseJsonSchema`, lossless) for
    Gemini 2.5 and later and the `gemini-*-latest` aliases [2]; the OpenAPI subset, which every model accepts, for
    `gemini-2.0-flash`, 1.5, Gemma, tuned models and unknown names.

    Args:
        model: Model name, with or without the `models/` prefix.
        override: `"json_schema"` or `"openapi"` to force a form; `None` or `"auto"` to apply the rule.

    Returns:
        `"json_schema"` or `"openapi"`.

    Raises:
        ValueError: If `override` is not one of the accepted values.
    """
    if override in ("json_schema", "openapi"):
        return override
    if override not in (None, "auto"):
        raise ValueError(f"schema_mode must be 'auto', 'json_schema' or 'openapi', got {override!r}")
    from langchain_gemini._models import facts_for

    return facts_for(model).schema_form


def parameters_fields(schema: Mapping[str, Any] | None, mode: SchemaMode) -> dict[str, Any] | None:
    """The `FunctionDeclaration` key carrying a tool's parameters, or `None` for a tool without arguments.

    A tool without arguments declares no parameters at all: Gemini rejects an OBJECT schema with empty
    `properties` [7].

    Args:
        schema: The tool's JSON Schema (an object schema), or `None`.
        mode: The form to send, usually from `schema_mode`.

    Returns:
        `{"parametersJsonSchema": ...}`, `{"parameters": ...}`, or `None`.

    Raises:
        ValueError: In OpenAPI mode, if no argument can be expressed in the subset (see `to_openapi_schema`).
    """
    if not schema or not _has_arguments(schema):
        return None
    if mode == "openapi":
        return {"parameters": to_openapi_schema(schema)}
    return {"parametersJsonSchema": to_json_schema(schema)}


def response_schema_fields(schema: Mapping[str, Any], mode: SchemaMode) -> dict[str, Any]:
    """The `generationConfig` key carrying a structured-output schema: `responseJsonSchema` or `responseSchema`."""
    if mode == "openapi":
        return {"responseSchema": to_openapi_schema(schema)}
    return {"responseJsonSchema": to_json_schema(schema)}


def _has_arguments(schema: Mapping[str, Any]) -> bool:
    root = inline_root_ref(dict(schema))
    if root.get("properties") or root.get("patternProperties"):
        return True
    if root.get("additionalProperties") not in (None, False):
        return True
    if any(key in root for key in ("anyOf", "oneOf", "allOf", "$ref")):
        return True
    return root.get("type", "object") not in ("object", "OBJECT")
