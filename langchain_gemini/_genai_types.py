"""google-genai objects (`types.Tool`, `types.FunctionDeclaration`, `types.SafetySetting`, its enums) as REST dicts.

Code written for langchain-google-genai holds these objects everywhere. They are accepted by shape, without importing
google-genai: its types are pydantic models whose camelCase aliases are the REST field names, and its enums are `str`
enums whose values are the REST names (`google/genai/types.py` and `google/genai/_common.py` in
https://github.com/googleapis/python-genai), so `model_dump(mode="json", by_alias=True, exclude_none=True)` is
the request JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from pydantic import BaseModel

# Fields of a REST `FunctionDeclaration`: a pydantic object that dumps to these (with a name) is one declaration.
_DECLARATION_KEYS = frozenset(
    {"name", "description", "parameters", "parametersJsonSchema", "response", "responseJsonSchema", "behavior"}
)


def is_sdk_object(value: Any) -> bool:
    """True for an instance of a pydantic model that is not a LangChain runnable or tool (those are models too)."""
    from langchain_core.runnables import Runnable

    return isinstance(value, BaseModel) and not isinstance(value, Runnable)


def dump(value: BaseModel) -> dict[str, Any]:
    """The REST JSON of a google-genai object: camelCase names, enum values as strings, unset fields left out."""
    return value.model_dump(mode="json", by_alias=True, exclude_none=True)


def plain(value: Any) -> Any:
    """An enum member as its value, a google-genai object as its REST dict; anything else unchanged."""
    if isinstance(value, Enum):
        return value.value
    if is_sdk_object(value):
        return dump(value)
    return value


def sdk_tool(tool: Any, index: int, native_keys: frozenset[str]) -> Any:
    """A google-genai `Tool` or `FunctionDeclaration` as a Gemini tool dict; other tools are returned unchanged.

    Raises:
        TypeError: For a pydantic object that is neither (e.g. a model instance given instead of its class).
        ValueError: For a `Tool` with fields the Gemini Developer API does not take (Vertex AI-only tools).
    """
    from langchain_gemini._to_gemini import camel_case  # not at import: _to_gemini imports safety, which needs us

    if not is_sdk_object(tool):
        return tool
    fields = {camel_case(key): value for key, value in dump(tool).items()}
    if "name" in fields and fields.keys() <= _DECLARATION_KEYS:
        return {"functionDeclarations": [fields]}
    unsupported = sorted(fields.keys() - native_keys)
    if fields and not unsupported:
        return fields
    name = type(tool).__name__
    if fields and name == "Tool":
        msg = f"tools[{index}]: Tool fields {unsupported} are not supported by the Gemini Developer API"
        raise ValueError(msg)
    msg = (
        f"tools[{index}]: a {name} instance is not a tool; pass a function, a BaseTool, a pydantic class (not an "
        "instance), a tool dict, or a google-genai Tool / FunctionDeclaration"
    )
    raise TypeError(msg)


def plain_safety_settings(value: Any) -> Any:
    """`safety_settings` with google-genai enums and `SafetySetting` objects made plain, for validation."""
    if value is None or isinstance(value, str | bytes):
        return value
    if isinstance(value, Mapping):
        return {plain(category): plain(threshold) for category, threshold in value.items()}
    try:
        items = list(value)
    except TypeError:
        return value  # not iterable: the field's own validation reports it
    return [
        {key: plain(item) for key, item in (dump(entry) if is_sdk_object(entry) else entry).items()}
        if isinstance(entry, Mapping) or is_sdk_object(entry)
        else entry
        for entry in items
    ]
