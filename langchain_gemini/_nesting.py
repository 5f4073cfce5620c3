"""How deep a JSON value the package sends may nest, checked before any request (and before any recursion).

Google rejects requests nested too deeply ("A schema in GenerationConfig in the request exceeds the maximum allowed
nesting depth", googleapis/js-genai#882; the same for FunctionDeclarations, google-gemini/gemini-cli#5923) without
publishing the number. Requests are protocol buffers, and protobuf's JSON parser stops at 100 levels by default
(`max_recursion_depth=100` in `google.protobuf.json_format.Parse`,
https://googleapis.dev/python/protobuf/latest/google/protobuf/json_format.html): a value nested deeper cannot reach
the model. Refusing it here gives a clear error instead of a `RecursionError` from our own conversion or from
`json`, whose encoder and decoder recurse once per level.
"""

from __future__ import annotations

from typing import Any

MAX_NESTING = 100


def check_nesting(value: Any, what: str, limit: int = MAX_NESTING) -> None:
    """Raise if `value` (dicts and lists, walked without recursion) nests deeper than `limit` levels.

    Raises:
        ValueError: Naming `what` and the limit.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            msg = f"{what}: nested more than {limit} levels deep; the Gemini API refuses such requests"
            raise ValueError(msg)
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, tuple)))
