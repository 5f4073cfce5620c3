"""The JSON Schema form: `FunctionDeclaration.parametersJsonSchema` and `GenerationConfig.responseJsonSchema`.

`to_json_schema` keeps the caller's schema, rewriting only what the API would reject or ignore, and logs each
rewrite at DEBUG on the `langchain_gemini` logger. It is separate from the OpenAPI-subset form (`_schema_openapi`)
because the two share no rules, only the `$ref` helpers of `_schema_refs`; `_schema` chooses between them.

The fields: `FunctionDeclaration.parametersJsonSchema`, `GenerationConfig.responseJsonSchema` [1][2]. Google lists
what the model honours (`$id $defs $ref $anchor type format title description enum items prefixItems minItems
maxItems minimum maximum anyOf oneOf properties additionalProperties required propertyOrdering`); other keywords
are accepted and ignored [3]; a node with `$ref` may carry only other `$` keywords [1][4].

Sources (numbered as in `_schema`): [1] the `response_json_schema` field comment of generativelanguage v1beta, as
published in Google's clients (googleapis.github.io/kotlin-genai, GenerateContentConfig.responseJsonSchema).
[2] "Gemini API structured outputs", blog.google, Nov 2025: JSON Schema on all actively supported models.
[3] googleapis/python-genai#1093: `const` rejected under `parameters`, silently dropped under
`parameters_json_schema`. [4] API error "$ref ... set alongside unsupported fields" (anomalyco/opencode#12295).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from langchain_gemini._schema_refs import copy_json, inline_root_ref

logger = logging.getLogger("langchain_gemini")


def to_json_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema for `parametersJsonSchema`/`responseJsonSchema`, as close to the input as the API allows.

    `$defs`/`$ref`, `anyOf`, `type` arrays, enums, defaults, descriptions and constraints are kept. Rewrites, each
    equivalent under JSON Schema and logged at DEBUG:

    * a `$ref` with sibling keywords not starting with `$` is wrapped: `{"$ref": r, "description": d}` becomes
      `{"description": d, "anyOf": [{"$ref": r}]}` (a one-branch `anyOf` is an `allOf`, and `anyOf` is on
      Google's list while `allOf` is not) [1][4];
    * a root `$ref` is inlined one level, so the root is the object the API expects; `$defs` stay;
    * draft-07 `definitions` move to `$defs` (not on Google's list) and their refs follow;
    * `const` becomes a one-value `enum` (`const` is dropped by the API [3]), and a one-item `allOf` (pydantic
      v1's wrapper for a described reference) an `anyOf`;
    * `$schema` is removed: it is not on Google's list and carries no constraint.

    Args:
        schema: A JSON Schema dict. It is not modified.

    Returns:
        A new dict.
    """
    out = copy_json(schema)
    if out.pop("$schema", None) is not None:
        logger.debug("Gemini JSON schema: $schema removed (not a supported keyword)")
    _hoist_definitions(out)
    out = inline_root_ref(out)
    _rewrite_json_nodes(out, "$")
    return out


def _hoist_definitions(root: dict[str, Any]) -> None:
    definitions = root.pop("definitions", None)
    if isinstance(definitions, dict):
        logger.debug("Gemini JSON schema: definitions moved to $defs")
        root["$defs"] = {**definitions, **root.get("$defs", {})}


def _rewrite_json_nodes(root: dict[str, Any], path: str) -> None:
    for node, where in _walk(root, path):
        if isinstance(ref := node.get("$ref"), str) and ref.startswith("#/definitions/"):
            node["$ref"] = "#/$defs/" + ref.removeprefix("#/definitions/")
        if "const" in node:
            const = node.pop("const")
            if "enum" not in node or const in node["enum"]:
                node["enum"] = [const]
            logger.debug("Gemini JSON schema: const at %s sent as a one-value enum", where)
        all_of = node.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1 and "anyOf" not in node and "oneOf" not in node:
            node["anyOf"] = node.pop("allOf")
            logger.debug("Gemini JSON schema: one-item allOf at %s sent as anyOf", where)
        ref = node.get("$ref")
        if ref is None or all(key.startswith("$") for key in node):
            continue
        del node["$ref"]
        if "anyOf" in node or "oneOf" in node:
            node.setdefault("allOf", []).insert(0, {"$ref": ref})
            logger.debug("Gemini JSON schema: $ref at %s moved into allOf (node also has a union)", where)
        else:
            node["anyOf"] = [{"$ref": ref}]
            logger.debug("Gemini JSON schema: $ref at %s wrapped in anyOf (it had sibling keywords)", where)


_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_VALUES = (
    "items", "additionalProperties", "additionalItems", "not", "if", "then", "else", "contains",
    "propertyNames", "unevaluatedItems", "unevaluatedProperties",
)  # fmt: skip


_SCHEMA_KEYS = frozenset((*_SCHEMA_MAPS, *_SCHEMA_LISTS, *_SCHEMA_VALUES))


def _walk(root: Any, path: str) -> list[tuple[dict[str, Any], str]]:
    """Every schema dict under `root`, pre-order, with its path; values of `enum`/`default`/... are not entered."""
    found: list[tuple[dict[str, Any], str]] = []
    stack = [(root, path)]
    while stack:
        node, where = stack.pop()
        if not isinstance(node, dict):
            continue
        found.append((node, where))
        children: list[tuple[Any, str]] = []
        for key, child in node.items():
            if key not in _SCHEMA_KEYS:
                continue
            if key in _SCHEMA_MAPS and isinstance(child, dict):
                children.extend((sub, f"{where}.{key}.{name}") for name, sub in child.items())
            elif isinstance(child, list):  # also draft-07 tuple `items`
                children.extend((sub, f"{where}.{key}[{index}]") for index, sub in enumerate(child))
            elif key not in _SCHEMA_MAPS:
                children.append((child, f"{where}.{key}"))
        stack.extend(reversed(children))
    return found
