"""Tools -> Gemini `tools` entries.

Function tools of every form LangChain knows go through `convert_to_openai_tool` and are declared with
`parametersJsonSchema` (full JSON Schema). Gemini-native tool dicts (`functionDeclarations`, `googleSearch`, ...)
pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.utils.function_calling import convert_to_openai_tool

from langchain_gemini._to_gemini import camel_case

# Keys of a Gemini `Tool` object (camelCase); a dict whose keys are all among these is taken as native.
NATIVE_TOOL_KEYS = frozenset(
    {
        "functionDeclarations",
        "googleSearch",
        "googleSearchRetrieval",
        "codeExecution",
        "urlContext",
        "googleMaps",
        "computerUse",
        "fileSearch",
    }
)


def is_native_tool(tool: Any) -> bool:
    """True for a dict that is already a Gemini `Tool` (camelCase or snake_case keys)."""
    return isinstance(tool, dict) and bool(tool) and all(camel_case(key) in NATIVE_TOOL_KEYS for key in tool)


def function_declaration(tool: Any) -> dict[str, Any]:
    """One LangChain tool (function, BaseTool, pydantic model, TypedDict, JSON schema, OpenAI dict) as a declaration."""
    function = convert_to_openai_tool(tool)["function"]
    declaration: dict[str, Any] = {"name": function["name"]}
    if function.get("description"):
        declaration["description"] = function["description"]
    parameters = function.get("parameters") or {}
    # Gemini rejects an object schema with empty properties; a tool without arguments declares no parameters.
    if parameters.get("properties"):
        declaration["parametersJsonSchema"] = parameters
    return declaration


def tools_to_wire(tools: Sequence[Any]) -> list[dict[str, Any]]:
    """Native tools pass through; function tools are gathered into one `functionDeclarations` entry, in order."""
    native = [{camel_case(key): value for key, value in tool.items()} for tool in tools if is_native_tool(tool)]
    declarations = [function_declaration(tool) for tool in tools if not is_native_tool(tool)]
    if declarations:
        native.append({"functionDeclarations": declarations})
    return native
