"""Deterministic values that validate against a Gemini `Schema` or a JSON Schema.

Used for structured output (responseSchema / responseJsonSchema) and for function-call arguments. One
generator reads both dialects: types in either case or as a JSON-Schema list, `enum`, `const`, `anyOf` /
`oneOf` / `allOf` (first usable branch), `$ref` into `$defs` / `definitions`, `items` / `prefixItems`,
`minItems` / `maxItems`, `minimum` / `maximum`, common string formats and `nullable`.

Values are steered by the prompt, so scripted tests can get meaningful answers (the "scripted" policy of
langchain-conventions.md section 2.3): an integer takes the first integer in the prompt, a string the first
'quoted' or "quoted" text, an enum the first of its values the prompt mentions. Objects carry every declared
property, ordered by `propertyOrdering`, else alphabetically for Gemini schemas (the API's documented default,
reference 7.3) and in declaration order for JSON Schema. Recursion stops at a fixed depth, keeping only
required properties below it.
"""

from __future__ import annotations

import re
from typing import Any

_QUOTED = re.compile(r"(?<!\w)'([^']+)'(?!\w)|\"([^\"]+)\"|“([^”]+)”")  # "What's" is no quote
_INTEGER = re.compile(r"(?<![\w.])-?\d+(?![\w.]\d)")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
_MAX_DEPTH = 6
_FORMATS = {
    "date-time": "2025-01-01T00:00:00Z",
    "date": "2025-01-01",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


class Hints:
    """Literals taken from the prompt text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lower = text.lower()
        quoted = _QUOTED.search(text)
        self.quoted: str | None = next((g for g in quoted.groups() if g), None) if quoted else None
        self.quoted_all = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(text)]
        self.integers = [int(m) for m in _INTEGER.findall(text)]
        self.numbers = [float(m) for m in _NUMBER.findall(text)]


def generate(schema: Any, hints: Hints, *, root: Any = None, name: str = "value", json_schema: bool = False) -> Any:
    """A value valid against `schema` (Gemini Schema, or JSON Schema when `json_schema`)."""
    return _Generator(hints, root if root is not None else schema, json_schema).value(schema, name, 0)


def json_without_schema(hints: Hints, fallback: str) -> dict[str, Any]:
    """JSON mode with no schema: keys from the prompt's 'quoted' words, else {"response": fallback}."""
    keys = [k for k in hints.quoted_all if re.fullmatch(r"[A-Za-z_][\w-]{0,63}", k)]
    if not keys:
        return {"response": fallback}
    return {key: f"example {key}" for key in dict.fromkeys(keys)}


class _Generator:
    def __init__(self, hints: Hints, root: Any, json_schema: bool) -> None:
        self.hints = hints
        self.root = root
        self.json_schema = json_schema

    def resolve(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 32:
            schema = self.lookup(schema["$ref"])
            seen += 1
        return schema

    def lookup(self, ref: str) -> Any:
        node = self.root
        for raw in ref.lstrip("#").strip("/").split("/"):
            if not raw:
                continue
            token = raw.replace("~1", "/").replace("~0", "~")
            node = node.get(token, {}) if isinstance(node, dict) else {}
        return node

    def value(self, schema: Any, name: str, depth: int) -> Any:
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return f"example {name}"
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return self.enum(schema["enum"])
        for key in ("anyOf", "oneOf", "allOf"):
            if schema.get(key):
                return self.value(self.branch(schema[key]), name, depth + 1)
        kind = self.kind(schema)
        if kind == "object":
            return self.object(schema, depth)
        if kind == "array":
            return self.array(schema, name, depth)
        if kind in ("integer", "number"):
            return self.number(schema, kind == "integer")
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self.string(schema, name)

    def branch(self, options: list[Any]) -> Any:
        for option in options:
            if self.kind(self.resolve(option)) != "null":
                return option
        return options[0]

    def kind(self, schema: Any) -> str:
        if not isinstance(schema, dict):
            return "string"
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if str(k).lower() != "null"), "null")
        if isinstance(kind, str) and kind.upper() != "TYPE_UNSPECIFIED":
            return kind.lower()
        if "properties" in schema:
            return "object"
        if "items" in schema or "prefixItems" in schema:
            return "array"
        return "string"

    def enum(self, values: list[Any]) -> Any:
        for value in values:
            if isinstance(value, str) and value and value.lower() in self.hints.lower:
                return value
        return values[0]

    def object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        names = list(properties)
        ordering = [n for n in schema.get("propertyOrdering", ()) if n in properties]
        if ordering:
            names = ordering + [n for n in names if n not in ordering]
        elif not self.json_schema:
            names.sort()
        if depth >= _MAX_DEPTH:  # deep or recursive schemas: only what is required
            names = [n for n in names if n in required]
        return {n: self.value(properties[n], n, depth + 1) for n in names if depth < 2 * _MAX_DEPTH}

    def array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        prefix = schema.get("prefixItems") or []
        low = int(schema.get("minItems", 0) or 0)
        count = max(low, len(prefix), 0 if depth >= _MAX_DEPTH else 1)
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        items = schema.get("items", {})
        return [self.value(prefix[i] if i < len(prefix) else items, name, depth + 1) for i in range(count)]

    def number(self, schema: dict[str, Any], integer: bool) -> int | float:
        low, high = schema.get("minimum"), schema.get("maximum")
        candidates: list[float] = list(self.hints.integers if integer else self.hints.numbers)
        for candidate in candidates:
            if (low is None or candidate >= low) and (high is None or candidate <= high):
                return int(candidate) if integer else candidate
        value = float(low) if low is not None else 1.0
        if high is not None:
            value = min(value, float(high))
        return int(value) if integer else value

    def string(self, schema: dict[str, Any], name: str) -> str:
        text = _FORMATS.get(str(schema.get("format", "")).lower())
        if text is None:
            text = self.hints.quoted or f"example {name}"
        if "minLength" in schema:
            text = text.ljust(int(schema["minLength"]), "x")
        if "maxLength" in schema:
            text = text[: int(schema["maxLength"])]
        return text
