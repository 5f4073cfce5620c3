"""Rules for `tools` and `toolConfig` beyond what the transcoder and the field rules check, in Google's words.

* "Duplicate function declaration found: <name>": two declarations share a name (quoted in many public reports,
  e.g. the Gemini notes of semspec and google-adk users' MCP setups).
* "google_search_retrieval is not supported. Please use google_search tool instead.": the legacy 1.5 retrieval
  tool on current models (reference 3.3; the message is quoted verbatim by several public clients).
* "Tool use with function calling is unsupported": built-in tools (googleSearch, codeExecution, urlContext) next
  to function declarations, on models that cannot combine them. "Built-in and custom tools combinations are ...
  supported for Gemini 3 models only" (ai.google.dev tool-combination guide); reference 3.3 says the same of the
  2.x docs.
* "Function calling config is set without function_declarations.": a `functionCallingConfig` with no function
  to call (pydantic-ai's Google model tests and several gateways quote it).
"""

from __future__ import annotations

from typing import Any

from langchain_gemini.testing._errors import ApiError, invalid_argument
from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._rules import RequestRule, declarations_with_paths

BUILT_IN_TOOLS = ("googleSearch", "codeExecution", "urlContext", "fileSearch", "googleMaps", "computerUse")


def duplicate_declarations(request: dict[str, Any], model: ModelInfo) -> ApiError | None:
    """Function names are unique across all tools."""
    seen: set[str] = set()
    for _, declaration in declarations_with_paths(request):
        name = declaration.get("name", "")
        if name in seen:
            return invalid_argument(f"Duplicate function declaration found: {name}")
        seen.add(name)
    return None


def legacy_search_retrieval(request: dict[str, Any], model: ModelInfo) -> ApiError | None:
    """Reject `googleSearchRetrieval` (Gemini 1.5's); current models want googleSearch."""
    if any("googleSearchRetrieval" in tool for tool in request.get("tools", ())):
        return invalid_argument("google_search_retrieval is not supported. Please use google_search tool instead.")
    return None


def tool_combination(request: dict[str, Any], model: ModelInfo) -> ApiError | None:
    """Built-in tools and function declarations together only where the model combines them."""
    tools = request.get("tools", ())
    built_in = any(key in tool for tool in tools for key in BUILT_IN_TOOLS)
    functions = any(tool.get("functionDeclarations") for tool in tools)
    if built_in and functions and not model.combines_tools:
        return invalid_argument("Tool use with function calling is unsupported")
    return None


def calling_config_needs_functions(request: dict[str, Any], model: ModelInfo) -> ApiError | None:
    """A functionCallingConfig governs function tools: without any it is an error.

    Except next to built-in tools with `includeServerSideToolInvocations` on (Gemini 3's tool combination): realwire
    pydantic-ai-test_thinking_with_native_tool_wire_contract_google sends mode AUTO with only googleSearch, 200.
    """
    config = request.get("toolConfig", {})
    tools = request.get("tools", ())
    server_side = config.get("includeServerSideToolInvocations") and any(
        key in tool for tool in tools for key in BUILT_IN_TOOLS
    )
    if server_side:
        return None
    if "functionCallingConfig" in config and not any(True for _ in declarations_with_paths(request)):
        return invalid_argument("Function calling config is set without function_declarations.")
    return None


REQUEST_RULES: list[RequestRule] = [
    duplicate_declarations,
    legacy_search_retrieval,
    tool_combination,
    calling_config_needs_functions,
]
