"""JSON Schema -> the two schema forms Gemini accepts (pure functions over plain dicts).

* **JSON Schema**: `FunctionDeclaration.parametersJsonSchema`, `GenerationConfig.responseJsonSchema` [1][2]. Google
  lists what the model honours (`$id $defs $ref $anchor type format title description enum items prefixItems
  minItems maxItems minimum maximum anyOf oneOf properties additionalProperties required propertyOrdering`); other
  keywords are accepted and ignored [3]; a node with `$ref` may carry only other `$` keywords [1][4].
* **The OpenAPI 3.0 subset**: `parameters`, `responseSchema`, i.e. the `Schema` proto message with the 22 fields
  of `OPENAPI_KEYS` [5]. An unknown key is a 400 ("Unknown name ... Cannot find field" [3]); there is no `$ref`,
  `additionalProperties` (Vertex-only [6]), `const`, `oneOf` or `allOf`.

`to_json_schema` keeps the caller's schema, rewriting only what the API would reject or ignore. `to_openapi_schema`
translates into the proto's fields and logs every keyword it cannot carry, with its path, at DEBUG on the
`langchain_gemini` logger. What the OpenAPI form loses: free-form objects (`dict[str, X]`, empty models; OBJECT
needs non-empty `properties` [7], so the property is left out, a required one with a WARNING); objects inside `Any`;
recursion below `MAX_REF_DEPTH` levels; `multipleOf`, `uniqueItems`, `not`, `if`/`then`/`else`,
`patternProperties`, `discriminator`, `examples`, tuple positions, and the exclusivity of non-integer bounds.
`schema_mode` picks the form for a model.

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

import logging
import math
import re
from collections.abc import Mapping
from typing import Any

from langchain_gemini._wire import SchemaMode, SchemaOverride

logger = logging.getLogger("langchain_gemini")


MAX_REF_DEPTH = 3
"""How often one `$ref` may be expanded inside itself in the OpenAPI form before the recursion is cut."""

# The `Schema` message of generativelanguage v1beta [5], in JSON names.
OPENAPI_KEYS = frozenset(
    {
        "type", "format", "title", "description", "nullable", "enum", "items", "maxItems", "minItems",
        "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength", "pattern",
        "example", "anyOf", "propertyOrdering", "default", "minimum", "maximum",
    }
)  # fmt: skip
OPENAPI_TYPES = frozenset({"STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"})

_ANNOTATIONS = ("title", "description", "default", "example")
# Per-type keywords copied as they are; the seed's "valid fields per type" table, extended by the newer proto.
_PLAIN_KEYS: Mapping[str, frozenset[str]] = {
    "STRING": frozenset({"format", "enum", "minLength", "maxLength", "pattern"}),
    "INTEGER": frozenset({"format"}),
    "NUMBER": frozenset({"format"}),
    "BOOLEAN": frozenset(),
    "ARRAY": frozenset({"minItems", "maxItems"}),
    "OBJECT": frozenset({"minProperties", "maxProperties"}),
    "NULL": frozenset(),
}
# Keywords consumed by the structural helpers below rather than copied.
_STRUCTURAL = {
    "INTEGER": frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}),
    "NUMBER": frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}),
    "ARRAY": frozenset({"items", "prefixItems", "additionalItems"}),
    "OBJECT": frozenset({"properties", "required", "propertyOrdering"}),
}
_INLINED = frozenset({"type", "$defs", "definitions"})
_ANY_SCALARS = ("STRING", "NUMBER", "BOOLEAN")
_MISSING = object()


def _log(path: str, keyword: str, why: str) -> None:
    logger.debug("Gemini OpenAPI schema: %s at %s %s", keyword, path, why)


# -- choosing the form ------------------------------------------------------------------------------------------

_VERSION = re.compile(r"^(\d{1,2})(?:\.(\d+))?$")


def schema_mode(model: str, override: SchemaOverride | None = None) -> SchemaMode:
    """Which schema form to send for `model`.

    Rule: an explicit `"json_schema"` or `"openapi"` override wins. Otherwise (`None` or `"auto"`) Gemini models
    numbered 2.5 or later (`gemini-2.5-flash`, `gemini-3-pro-preview`, ...) and the `gemini-*-latest` aliases get
    full JSON Schema (`parametersJsonSchema`/`responseJsonSchema`), which is lossless; Google first shipped it
    for 2.5 and later extended it to every active model [2]. Everything else (`gemini-2.0-flash`, 1.5, unnumbered
    legacy names, Gemma, tuned models, unknown names) gets the OpenAPI subset, which every model accepts.

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
    name = model.rsplit("/", 1)[-1].lower()
    if not name.startswith("gemini-"):
        return "openapi"
    segments = name.split("-")
    for segment in segments[1:]:
        if match := _VERSION.match(segment):
            version = (int(match.group(1)), int(match.group(2) or 0))
            return "json_schema" if version >= (2, 5) else "openapi"
    return "json_schema" if segments[-1] == "latest" else "openapi"


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
    root = _inline_root_ref(dict(schema))
    if root.get("properties") or root.get("patternProperties"):
        return True
    if root.get("additionalProperties") not in (None, False):
        return True
    if any(key in root for key in ("anyOf", "oneOf", "allOf", "$ref")):
        return True
    return root.get("type", "object") not in ("object", "OBJECT")


# -- JSON Schema form -------------------------------------------------------------------------------------------


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
    out = _copy_json(schema)
    if out.pop("$schema", None) is not None:
        logger.debug("Gemini JSON schema: $schema removed (not a supported keyword)")
    _hoist_definitions(out)
    out = _inline_root_ref(out)
    _rewrite_json_nodes(out, "$")
    return out


def _copy_json(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts and lists; leaves are shared), several times faster than deepcopy."""
    if isinstance(value, Mapping):
        return {key: _copy_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_copy_json(item) for item in value]
    return value


def _hoist_definitions(root: dict[str, Any]) -> None:
    definitions = root.pop("definitions", None)
    if isinstance(definitions, dict):
        logger.debug("Gemini JSON schema: definitions moved to $defs")
        root["$defs"] = {**definitions, **root.get("$defs", {})}


def _inline_root_ref(root: dict[str, Any]) -> dict[str, Any]:
    ref = root.get("$ref")
    target = _resolve(root, ref) if isinstance(ref, str) and ref not in ("#", "#/") else _MISSING
    if not isinstance(target, Mapping):
        return root
    logger.debug("Gemini JSON schema: root %s inlined one level", ref)
    rest = {key: value for key, value in root.items() if key != "$ref"}
    return {**_copy_json(target), **rest}


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


def _resolve(root: Any, ref: str) -> Any:
    """Follow a local JSON pointer (`#/$defs/Pet`, `#/properties/a`, `#`); `_MISSING` when it does not resolve."""
    if not ref.startswith("#"):
        return _MISSING
    target = root
    for raw in ref[1:].split("/")[1:] if ref not in ("#", "#/") else ():
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(target, Mapping) and part in target:
            target = target[part]
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            return _MISSING
    return target


# -- OpenAPI subset form ----------------------------------------------------------------------------------------


def to_openapi_schema(schema: Mapping[str, Any], *, max_ref_depth: int = MAX_REF_DEPTH) -> dict[str, Any]:
    """The schema for `parameters`/`responseSchema`: Gemini's OpenAPI-subset `Schema`.

    `$ref`s are inlined (recursion is expanded `max_ref_depth` times, then the recursive property is left out,
    never retyped); `anyOf [X, null]`, `type: [X, "null"]` and `None` in an enum become `nullable`; other unions
    stay `anyOf` (`oneOf` too); `allOf` is merged; `const` becomes a one-value `enum`. `enum` is string-only
    ("only allowed for STRING type" [7]), so each integer/number value becomes a branch pinned by `minimum ==
    maximum`, which is exact and keeps the type. Types are upper-cased; `required` is kept as given (minus left-out
    properties, never invented); `propertyOrdering` is the property order; numeric, string, array and object
    constraints, `format`, `title`, `description`, `default` and `example` are kept. Anything else is logged.

    Args:
        schema: A JSON Schema dict (pydantic v1/v2, langchain-core, hand-written; types in either case). It is
            not modified.
        max_ref_depth: How often one `$ref` may be expanded inside itself.

    Returns:
        A new dict using only `OPENAPI_KEYS`.

    Raises:
        ValueError: If nothing of the root schema can be expressed (for example a bare `dict[str, X]`).
    """
    result = _ToOpenAPI(schema, max_ref_depth).convert(schema, "$")
    if result is None:
        raise ValueError(
            "This schema has no equivalent in Gemini's OpenAPI Schema subset (an object without fixed "
            "properties, or only a recursive reference); send it as JSON Schema instead (schema mode 'json_schema')."
        )
    return result


class _ToOpenAPI:
    """One conversion: the root (for `$ref`) and the chain of references being expanded."""

    def __init__(self, root: Mapping[str, Any], max_ref_depth: int) -> None:
        self._root = root
        self._max_depth = max_ref_depth
        self._expanding: list[str] = []

    def convert(self, node: Any, path: str) -> dict[str, Any] | None:
        """One schema node; `None` when it cannot be expressed and the parent must leave it out."""
        if node is True:
            return _any_schema(path)
        if not isinstance(node, Mapping):
            _log(path, "false schema", "cannot be expressed (it accepts nothing)")
            return None
        node = dict(node)
        if "allOf" in node:
            return self._all_of(node, path)
        if "$ref" in node:
            return self._ref(node, path)
        if "const" in node:
            node["enum"] = [node.pop("const")]
        notes = {key: node.pop(key) for key in _ANNOTATIONS if key in node}
        nullable = bool(node.pop("nullable", False))
        branches = _branches(node, path)
        out = self._typed(node, path) if branches is None else self._union(branches, path)
        if out is None:
            return None
        if out.pop("nullable", False) or out.pop("_null", False):
            nullable = True
        out.update(notes)
        if nullable and out.get("type") != "NULL":
            out["nullable"] = True
        return out

    def _ref(self, node: dict[str, Any], path: str) -> dict[str, Any] | None:
        ref = node.pop("$ref")
        target = _resolve(self._root, ref) if isinstance(ref, str) else _MISSING
        if target is _MISSING:
            _log(path, f"$ref {ref!r}", "does not resolve to a local definition; treated as any value")
            return self.convert(node, path)
        if self._expanding.count(ref) >= self._max_depth:
            _log(path, f"$ref {ref!r}", f"recursion cut after {self._max_depth} levels; left out here")
            return None
        merged = {**target, **node} if isinstance(target, Mapping) else target
        self._expanding.append(ref)
        try:
            return self.convert(merged, path)
        finally:
            self._expanding.pop()

    def _all_of(self, node: dict[str, Any], path: str) -> dict[str, Any] | None:
        # References merged by content count as expansions, so a part that refers back to its own
        # definition is cut like any other recursion.
        parts = node["allOf"]
        refs = [p["$ref"] for p in parts if len(parts) > 1 and isinstance(p, Mapping) and set(p) == {"$ref"}]
        if any(self._expanding.count(ref) >= self._max_depth for ref in refs):
            _log(path, "allOf", f"recursion cut after {self._max_depth} levels; left out here")
            return None
        self._expanding.extend(refs)
        try:
            return self.convert(_merge_all_of(node, path, self._root), path)
        finally:
            del self._expanding[len(self._expanding) - len(refs) :]

    def _union(self, branches: list[Any], path: str) -> dict[str, Any] | None:
        kept: list[dict[str, Any]] = []
        nullable = False
        for index, branch in enumerate(branches):
            if _is_null(branch):
                nullable = True
                continue
            converted = self.convert(branch, f"{path}.anyOf[{index}]")
            if converted is None:
                continue
            if converted.pop("nullable", False) or converted.get("type") == "NULL":
                nullable = True
                if converted.get("type") == "NULL":
                    continue
            # A branch that is itself only a union is flattened into this one.
            kept.extend(converted["anyOf"] if set(converted) == {"anyOf"} else [converted])
        if not kept:
            return {"type": "NULL"} if nullable else None
        out: dict[str, Any] = dict(kept[0]) if len(kept) == 1 else {"anyOf": kept}
        if nullable:
            out["_null"] = True
        return out

    def _typed(self, node: dict[str, Any], path: str) -> dict[str, Any] | None:
        kind = _single_type(node)
        if kind is None or kind.upper() not in OPENAPI_TYPES:
            if kind is not None:
                _log(path, f"type {kind!r}", "is not a JSON Schema type; treated as any value")
            for key in sorted(node.keys() - _INLINED):
                _log(path, key, "is dropped: the value is unconstrained")
            return _any_schema(path)
        kind = kind.upper()
        out: dict[str, Any] = {"type": kind}
        if kind == "OBJECT" and not self._object(node, out, path):
            return None
        if kind == "ARRAY" and not self._array(node, out, path):
            return None
        if kind in ("INTEGER", "NUMBER"):
            out.update(_bounds(node, kind == "INTEGER", path))
        structural = _STRUCTURAL.get(kind, frozenset())
        for key, value in node.items():
            if key in _PLAIN_KEYS[kind]:
                out[key] = value
            elif key not in structural and key not in _INLINED:
                why = f"does not apply to {kind}" if key in OPENAPI_KEYS else "is not in Gemini's Schema message"
                _log(path, key, why)
        return out

    def _object(self, node: dict[str, Any], out: dict[str, Any], path: str) -> bool:
        properties = node.get("properties") or {}
        required = list(node.get("required") or ())
        kept: dict[str, Any] = {}
        for name, sub in properties.items():
            converted = self.convert(sub, f"{path}.properties.{name}")
            if converted is not None:
                kept[name] = converted
            elif name in required:
                logger.warning(
                    "Gemini OpenAPI schema: required property %r at %s cannot be expressed and is left out; "
                    "use schema mode 'json_schema' to keep it",
                    name,
                    path,
                )
        if not kept:
            keywords = ", ".join(sorted(node.keys() - {"type"})) or "no keywords"
            _log(path, f"object ({keywords})", "has no fixed properties the subset can express; left out")
            return False
        out["properties"] = kept
        if "required" in node:
            out["required"] = [name for name in required if name in kept]
            for name in required:
                if name not in properties:
                    _log(path, f"required {name!r}", "names no property; dropped")
        ordering = [name for name in node.get("propertyOrdering") or properties if name in kept]
        out["propertyOrdering"] = ordering + [name for name in kept if name not in ordering]
        return True

    def _array(self, node: dict[str, Any], out: dict[str, Any], path: str) -> bool:
        items = node.get("items", True)
        prefix = node.get("prefixItems")
        if isinstance(items, list):  # draft-07 tuple form
            prefix, items = items, node.get("additionalItems", True)
        if prefix:
            _log(path, "prefixItems", "positions cannot be expressed; items accept any of the tuple's types")
            alternatives = [*prefix, *([items] if isinstance(items, Mapping) and "items" in node else [])]
            items = alternatives[0] if len(alternatives) == 1 else {"anyOf": alternatives}
        converted = self.convert(items if items is not None else True, f"{path}.items")
        if converted is None:
            _log(path, "items", "cannot be expressed, so neither can the array; left out")
            return False
        out["items"] = converted
        return True


def _branches(node: dict[str, Any], path: str) -> list[Any] | None:
    """The alternatives a node stands for, or `None` for a node with one type (or none)."""
    alternatives = node.pop("anyOf", None)
    if "oneOf" in node:
        one_of = node.pop("oneOf")
        if alternatives is None:
            _log(path, "oneOf", "sent as anyOf (the subset has no exclusive union)")
            alternatives = one_of
        else:
            _log(path, "oneOf", "dropped: the node also has anyOf")
    if alternatives is not None:
        # Keywords beside a union apply to every branch.
        return [{**node, **alt} if isinstance(alt, Mapping) else alt for alt in alternatives]
    values = node.get("enum")
    if isinstance(values, list) and any(not isinstance(value, str) for value in values):
        return _enum_branches(node, values, path)
    types = node.get("type")
    if isinstance(types, list) and len(types) != 1:
        rest = {key: value for key, value in node.items() if key != "type"}
        return [{**rest, "type": kind} for kind in dict.fromkeys(types)]
    return None


def _enum_branches(node: dict[str, Any], values: list[Any], path: str) -> list[Any]:
    declared = node.get("type")
    declared_types = {t.lower() for t in ([declared] if isinstance(declared, str) else declared or [])}
    rest = {key: value for key, value in node.items() if key not in ("type", "enum")}
    numeric_rest = {key: value for key, value in rest.items() if key not in _STRUCTURAL["NUMBER"]}
    groups: dict[str, list[Any]] = {}
    for value in values:
        groups.setdefault(_value_type(value, declared_types), []).append(value)
    branches: list[Any] = []
    for kind, members in groups.items():
        if kind == "null":
            branches.append({"type": "null"})
        elif kind == "string":
            branches.append({**rest, "type": "string", "enum": members})
        elif kind in ("integer", "number"):
            branches.extend({**numeric_rest, "type": kind, "minimum": v, "maximum": v} for v in members)
        else:
            if kind != "boolean" or len(set(members)) < 2:
                _log(path, "enum", f"{kind} values {members!r} cannot be listed; any {kind} is accepted")
            branches.append({**rest, "type": kind})
    return branches


def _value_type(value: Any, declared: set[str]) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        integral = isinstance(value, int) or value.is_integer()
        return "integer" if integral and ("integer" in declared or "number" not in declared) else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _single_type(node: Mapping[str, Any]) -> str | None:
    kind = node.get("type")
    if isinstance(kind, list):
        kind = kind[0] if kind else None
    if isinstance(kind, str):
        return kind.lower()
    hints = (
        ("object", ("properties", "additionalProperties", "required", "minProperties", "maxProperties")),
        ("array", ("items", "prefixItems", "minItems", "maxItems")),
        ("string", ("enum", "minLength", "maxLength", "pattern")),
        ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")),
    )
    for name, keys in hints:
        if any(key in node for key in keys):
            return name
    return None


def _is_null(branch: Any) -> bool:
    if not isinstance(branch, Mapping):
        return False
    kind = branch.get("type")
    if isinstance(kind, str) and kind.lower() == "null":
        return True
    if isinstance(kind, list) and [str(t).lower() for t in kind] == ["null"]:
        return True
    return branch.get("enum", ()) == [None] or ("const" in branch and branch["const"] is None)


def _bounds(node: Mapping[str, Any], integer: bool, path: str) -> dict[str, Any]:
    """`minimum`/`maximum`, folding in exclusive bounds (draft-04 booleans or draft-06+ numbers)."""
    out: dict[str, Any] = {}
    for inclusive, exclusive, sign in (("minimum", "exclusiveMinimum", 1), ("maximum", "exclusiveMaximum", -1)):
        value, flag = node.get(inclusive), node.get(exclusive)
        candidates = []
        if isinstance(flag, bool):
            if value is not None:
                candidates.append(_tighten(value, sign, integer, path, exclusive) if flag else value)
        else:
            if value is not None:
                candidates.append(value)
            if flag is not None:
                candidates.append(_tighten(flag, sign, integer, path, exclusive))
        if candidates:
            out[inclusive] = max(candidates) if sign > 0 else min(candidates)
    return out


def _tighten(bound: Any, sign: int, integer: bool, path: str, keyword: str) -> Any:
    if integer:  # exact: the next integer inside the bound
        return math.floor(bound) + 1 if sign > 0 else math.ceil(bound) - 1
    _log(path, keyword, "sent as an inclusive bound (the subset has no exclusive bounds)")
    return bound


def _merge_all_of(node: dict[str, Any], path: str, root: Mapping[str, Any]) -> dict[str, Any]:
    """`allOf` folded into its node: one item is unwrapped; several are merged (properties and required unite)."""
    parts = node.pop("allOf")
    if len(parts) == 1 and isinstance(parts[0], Mapping):
        return {**parts[0], **node}
    _log(path, "allOf", "merged into one schema; conflicting keywords keep their first value")
    merged: dict[str, Any] = {}
    for raw in [*parts, node]:
        # A part that is only a reference is merged by content (its own references stay references).
        part = _resolve(root, raw["$ref"]) if isinstance(raw, Mapping) and set(raw) == {"$ref"} else raw
        part = raw if part is _MISSING else part
        for key, value in part.items() if isinstance(part, Mapping) else ():
            if key == "properties":
                merged.setdefault("properties", {}).update(value)
            elif key == "required":
                merged["required"] = list(dict.fromkeys([*merged.get("required", ()), *value]))
            elif key not in merged:
                merged[key] = value
            elif merged[key] != value:
                _log(path, key, "conflicts between allOf parts; the first value is kept")
    return merged


def _any_schema(path: str) -> dict[str, Any]:
    """Any JSON value, as closely as the subset allows: OBJECT needs fixed properties, so objects are excluded."""
    _log(path, "any value", "sent as string, number, boolean, a list of those, or null (objects cannot be expressed)")
    scalars = [{"type": kind} for kind in _ANY_SCALARS]
    return {"anyOf": [*scalars, {"type": "ARRAY", "items": {"anyOf": _copy_json(scalars)}}], "nullable": True}
