"""The OpenAPI-subset form: `FunctionDeclaration.parameters` and `GenerationConfig.responseSchema`.

`to_openapi_schema` translates JSON Schema into the fields of Gemini's `Schema` proto message and logs every
keyword it cannot carry, with its path, at DEBUG on the `langchain_gemini` logger. It is separate from the JSON
Schema form (`_schema_json`) because it is a translation with its own rules (types, unions, enums, bounds,
recursion), not a light rewrite; the two share only the `$ref` helpers of `_schema_refs`, and `_schema` chooses.

The subset is the `Schema` message with the 22 fields of `OPENAPI_KEYS` [5]. An unknown key is a 400 ("Unknown
name ... Cannot find field" [3]); there is no `$ref`, `additionalProperties` (Vertex-only [6]), `const`, `oneOf` or
`allOf`. What the form loses: free-form objects (`dict[str, X]`, empty models; OBJECT needs non-empty `properties`
[7], so the property is left out, a required one with a WARNING); objects inside `Any`; recursion below
`MAX_REF_DEPTH` levels; `multipleOf`, `uniqueItems`, `not`, `if`/`then`/`else`, `patternProperties`,
`discriminator`, `examples`, tuple positions, and the exclusivity of non-integer bounds.

Sources (numbered as in `_schema`): [3] googleapis/python-genai#1093: `const` rejected under `parameters`, silently
dropped under `parameters_json_schema`. [5] Gemini API discovery document v1beta `Schema`
(ai.google.dev/api/caching#Schema); Node client `generativelanguage.v1beta.ISchema` 3.7.0. [6] google-genai 3.4.0
`_transformers._raise_for_unsupported_mldev_properties`. [7] API errors "properties: should be non-empty for
OBJECT type" (browser-use/browser-use#3786), "enum: only allowed for STRING type" (directus/directus#27100),
"type: must be specified when not using one_of, any_of or all_of fields" (danny-avila/LibreChat#6971), "items:
missing field" (AstrBotDevs/AstrBot#6029).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from langchain_gemini._schema_refs import MISSING, copy_json, resolve_ref

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


def _log(path: str, keyword: str, why: str) -> None:
    logger.debug("Gemini OpenAPI schema: %s at %s %s", keyword, path, why)


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
        target = resolve_ref(self._root, ref) if isinstance(ref, str) else MISSING
        if target is MISSING:
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
        part = resolve_ref(root, raw["$ref"]) if isinstance(raw, Mapping) and set(raw) == {"$ref"} else raw
        part = raw if part is MISSING else part
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
    return {"anyOf": [*scalars, {"type": "ARRAY", "items": {"anyOf": copy_json(scalars)}}], "nullable": True}
