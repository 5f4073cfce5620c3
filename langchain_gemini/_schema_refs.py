"""JSON pointers and copies shared by both schema forms (`_schema_json`, `_schema_openapi`) and the chooser.

Local `$ref` resolution, the root-`$ref` inlining, and a fast deep copy of JSON-like data are needed by the JSON
Schema form, the OpenAPI-subset form and `_schema.parameters_fields` alike; they live here so that neither form
module imports the other and `_schema` can import both without a cycle. Pure functions over plain dicts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger("langchain_gemini")

MISSING = object()
"""What `resolve_ref` returns for a pointer that does not resolve (`None` is a valid JSON value)."""


def copy_json(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts and lists; leaves are shared), several times faster than deepcopy."""
    if isinstance(value, Mapping):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [copy_json(item) for item in value]
    return value


def inline_root_ref(root: dict[str, Any]) -> dict[str, Any]:
    """`root` with its root `$ref` replaced by the target's keywords (the root's own win); else `root` itself."""
    ref = root.get("$ref")
    target = resolve_ref(root, ref) if isinstance(ref, str) and ref not in ("#", "#/") else MISSING
    if not isinstance(target, Mapping):
        return root
    logger.debug("Gemini JSON schema: root %s inlined one level", ref)
    rest = {key: value for key, value in root.items() if key != "$ref"}
    return {**copy_json(target), **rest}


def resolve_ref(root: Any, ref: str) -> Any:
    """Follow a local JSON pointer (`#/$defs/Pet`, `#/properties/a`, `#`); `MISSING` when it does not resolve."""
    if not ref.startswith("#"):
        return MISSING
    target = root
    for raw in ref[1:].split("/")[1:] if ref not in ("#", "#/") else ():
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(target, Mapping) and part in target:
            target = target[part]
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            return MISSING
    return target
