"""Tools and tool_choice -> Gemini `tools` and `toolConfig` (pure functions, run once at bind time).

Function tools of every form LangChain knows (functions, `BaseTool`s, pydantic models, TypedDicts, JSON-schema
dicts, OpenAI and Anthropic tool dicts) become `functionDeclarations`. Pydantic models and tools with a pydantic
argument schema keep their full JSON Schema (with `$defs`), so nothing is lost before `_schema` picks the wire form.
Gemini-native tool dicts (`functionDeclarations`, `googleSearch`, `codeExecution`, ... in camelCase or snake_case)
pass through, so built-in tools can be bound next to function tools.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

from langchain_gemini._genai_types import plain, sdk_tool
from langchain_gemini._nesting import check_nesting
from langchain_gemini._schema import parameters_fields, schema_mode
from langchain_gemini._to_gemini import camel_case
from langchain_gemini._wire import SchemaMode, SchemaOverride

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
        # Remote MCP servers the API connects to itself (google-genai types.Tool.mcp_servers; Developer API only).
        "mcpServers",
    }
)
_MODES = {"auto": "AUTO", "any": "ANY", "required": "ANY", "none": "NONE", "validated": "VALIDATED"}


def is_native_tool(tool: Any) -> bool:
    """True for a dict that is already a Gemini `Tool` (camelCase or snake_case keys)."""
    return isinstance(tool, Mapping) and bool(tool) and all(camel_case(key) in NATIVE_TOOL_KEYS for key in tool)


# Keys that make a dict one of LangChain's tool formats rather than a bare JSON Schema (OpenAI, Anthropic, Bedrock:
# see `convert_to_openai_function` in langchain_core/utils/function_calling.py). None is a JSON Schema keyword.
_TOOL_FORMAT_KEYS = frozenset({"function", "name", "input_schema", "toolSpec"})


def _raw_json_schema(tool: Any) -> dict[str, Any] | None:
    """The untouched JSON Schema of a tool whose schema LangChain would rewrite, or None to take LangChain's.

    Pydantic models and pydantic-backed tools keep `$defs` (LangChain inlines them); a bare JSON Schema with a
    `title` is kept whole (LangChain drops it unless it has `properties`). Tool-format dicts (OpenAI, Anthropic)
    are not schemas: their parameters come from `convert_to_openai_tool`, untouched.
    """
    if isinstance(tool, Mapping):
        return dict(tool) if not _TOOL_FORMAT_KEYS & tool.keys() else None
    model = tool.tool_call_schema if isinstance(tool, BaseTool) else tool
    if isinstance(model, dict):
        return model
    if isinstance(model, type) and is_basemodel_subclass(model):
        # pydantic v2 models have model_json_schema(); pydantic.v1 models only schema().
        schema = model.model_json_schema() if hasattr(model, "model_json_schema") else model.schema()  # type: ignore[attr-defined]
        return dict(schema)
    return None


def openai_function(tool: Any, what: str) -> dict[str, Any]:
    """langchain-core's OpenAI function form of `tool` (name, description, parameters).

    Raises:
        ValueError: Naming `what`, for a tool or schema that is nested too deeply or that langchain-core cannot
            read (it raises AttributeError or KeyError on odd dicts such as `{"type": ["string", "null"]}`).
    """
    if isinstance(tool, Mapping):
        check_nesting(tool, what)
    try:
        function = convert_to_openai_tool(tool)["function"]
    except (AttributeError, KeyError, TypeError, IndexError) as exc:
        msg = f"{what}: cannot be converted to a function declaration ({type(exc).__name__}: {exc})"
        raise ValueError(msg) from exc
    if not isinstance(function, Mapping):
        msg = f"{what}: cannot be converted to a function declaration (no function object)"
        raise ValueError(msg)  # noqa: TRY004 - bind_tools documents ValueError for any tool it cannot convert
    if not isinstance(function.get("parameters", {}), Mapping):
        kind = type(function["parameters"]).__name__
        msg = f"{what}: the parameters must be a JSON Schema object, got {kind}"
        raise ValueError(msg)  # noqa: TRY004 - as above
    if not isinstance(function.get("name"), str) or not function["name"]:
        msg = f"{what}: a function declaration needs a name (a non-empty string)"
        raise ValueError(msg)
    return dict(function)


def function_declaration(tool: Any, mode: SchemaMode, what: str = "tool") -> dict[str, Any]:
    """One LangChain tool as a Gemini function declaration, its schema in the form `mode` names."""
    function = openai_function(tool, what)
    declaration: dict[str, Any] = {"name": function["name"]}
    if function.get("description"):
        declaration["description"] = function["description"]
    raw = _raw_json_schema(tool) or function.get("parameters") or {}
    parameters = {key: value for key, value in raw.items() if key not in {"title", "description"}}
    declaration.update(parameters_fields(parameters, mode) or {})
    return declaration


def convert_tools(tools: Sequence[Any], *, model: str, schema: SchemaOverride | None = None) -> list[dict[str, Any]]:
    """Native tools pass through (keys camelCased); function tools go into one `functionDeclarations` entry."""
    mode = schema_mode(model, schema)
    tools = [sdk_tool(tool, index, NATIVE_TOOL_KEYS) for index, tool in enumerate(tools)]
    native: list[dict[str, Any]] = []
    declarations: list[dict[str, Any]] = []
    for index, tool in enumerate(tools):
        if not is_native_tool(tool):
            declarations.append(function_declaration(tool, mode, f"tools[{index}]"))
            continue
        entry = {camel_case(key): value for key, value in tool.items()}
        declarations.extend(_native_declarations(entry.pop("functionDeclarations", None) or [], index))
        if entry:
            native.append(entry)
    if declarations:
        native.append({"functionDeclarations": declarations})
    return native


def _native_declarations(declarations: Any, index: int) -> list[dict[str, Any]]:
    """A native tool's `functionDeclarations`, each a dict with a name (they are sent as given)."""
    where = f"tools[{index}].functionDeclarations"
    if not isinstance(declarations, list):
        msg = f"{where}: expected a list of function declarations, got {type(declarations).__name__}"
        raise TypeError(msg)
    for position, declaration in enumerate(declarations):
        if not isinstance(declaration, Mapping) or not isinstance(declaration.get("name"), str):
            msg = f"{where}[{position}]: a function declaration is a dict with a string 'name'"
            raise ValueError(msg)  # noqa: TRY004 - as for function tools
        check_nesting(declaration, f"{where}[{position}]")
    return declarations


def function_names(tools: Sequence[Mapping[str, Any]], *, unique: bool = True) -> list[str]:
    """Names of the functions declared in converted `tools`.

    Raises:
        ValueError: If two functions share a name (checked when a request is built: binding may legitimately be
            redone with overlapping tools before any call).
    """
    names = [str(declaration["name"]) for tool in tools for declaration in tool.get("functionDeclarations", [])]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates and unique:
        msg = f"tools: function names must be unique, got {', '.join(duplicates)} more than once"
        raise ValueError(msg)
    return names


def tool_config(tool_choice: Any, names: Sequence[str]) -> dict[str, Any] | None:
    """Map a LangChain `tool_choice` to Gemini's `toolConfig`.

    Accepted: "auto", "any"/"required"/True, "none", a tool name, a list of names, the OpenAI dict
    `{"type": "function", "function": {"name": ...}}`, and a raw Gemini tool config (`{"functionCallingConfig": ...}`
    or `{"function_calling_config": ...}`). None and False leave the model's default (AUTO).

    Raises:
        ValueError: For a name that is not a bound function, or a choice that needs functions when none are bound.
    """
    if tool_choice is None or tool_choice is False:
        return None
    tool_choice = plain(tool_choice)  # a google-genai ToolConfig or FunctionCallingConfigMode
    if isinstance(tool_choice, Mapping):
        native = {camel_case(key): value for key, value in tool_choice.items()}
        if "functionCallingConfig" in native or "retrievalConfig" in native:
            return native
        if native.get("type") == "function":
            function = native.get("function")
            if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
                msg = 'tool_choice: the "function" form needs {"type": "function", "function": {"name": "<tool>"}}'
                raise ValueError(msg)
            return _forced([function["name"]], names)
        msg = f"tool_choice: unsupported dict {sorted(tool_choice)}; use a name, a mode or a Gemini toolConfig"
        raise ValueError(msg)
    if tool_choice is True:
        tool_choice = "any"
    if isinstance(tool_choice, str) and tool_choice.lower() in _MODES:
        mode = _MODES[tool_choice.lower()]
        if not names:
            # The API rejects a functionCallingConfig without function declarations; AUTO is its default anyway.
            if mode == "AUTO":
                return None
            msg = f"tool_choice={tool_choice!r} needs at least one bound function tool"
            raise ValueError(msg)
        return {"functionCallingConfig": {"mode": mode}}
    if isinstance(tool_choice, str):
        return _forced([tool_choice], names)
    if isinstance(tool_choice, Sequence) and all(isinstance(item, str) for item in tool_choice):
        return _forced(list(tool_choice), names)
    msg = f"tool_choice: unsupported value of type {type(tool_choice).__name__}"
    raise ValueError(msg)


def _forced(chosen: list[str], names: Sequence[str]) -> dict[str, Any]:
    unknown = [name for name in chosen if name not in names]
    if unknown or not chosen:
        msg = f"tool_choice names {unknown or chosen}, but the bound functions are {list(names) or 'none'}"
        raise ValueError(msg)
    return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": chosen}}
