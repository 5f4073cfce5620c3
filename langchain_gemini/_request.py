"""Building a generateContent request: one function, `build_request`, turns messages and settings into the body.

`prepare_call` merges per-call keywords over the instance's settings first.

Each setting goes where `_settings.SETTINGS` says; the thinking settings become `thinkingConfig` (`_thinking`),
the schema settings `responseJsonSchema` / `responseSchema` (`_schema`), tools and `tool_choice` become `tools` and
`toolConfig` (`_tools`). Fields passed through `model_kwargs` (or unknown per-call keywords that are Gemini request
fields) go where the API defines them: request-level fields (`serviceTier`, `labels`, `store`, ...) beside
`generationConfig`, `ToolConfig` and `ThinkingConfig` fields into those objects, everything else into
`generationConfig`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from langchain_core.messages import BaseMessage

from langchain_gemini._base import model_path
from langchain_gemini._models import facts_for
from langchain_gemini._settings import BACKEND_NAMES, SETTINGS, Backend, call_overrides
from langchain_gemini._thinking import thinking_config
from langchain_gemini._to_gemini import build_contents, camel_case
from langchain_gemini._wire import (
    GenerateContentRequest,
    GenerationConfig,
    SchemaMode,
    SchemaOverride,
    ThinkingConfig,
    ToolConfig,
)

# The API's own fields, by the object that holds them (ai.google.dev/api/generate-content).
_REQUEST_FIELDS = GenerateContentRequest.__optional_keys__
_TOOL_CONFIG_FIELDS = ToolConfig.__optional_keys__
_THINKING_FIELDS = ThinkingConfig.__optional_keys__
API_FIELDS = _REQUEST_FIELDS | GenerationConfig.__optional_keys__ | _TOOL_CONFIG_FIELDS | _THINKING_FIELDS
"""Every request field the API defines (camelCase), wherever it sits."""


@dataclass(frozen=True)
class PreparedCall:
    """A request ready to send: the model, the body and the per-call transport settings."""

    model: str
    body: GenerateContentRequest
    timeout: float | None
    max_retries: int | None

    def path(self, method: str) -> str:
        """`models/{model}:{method}`."""
        return f"{model_path(self.model)}:{method}"


def prepare_call(
    settings: Mapping[str, Any],
    messages: Sequence[BaseMessage],
    stop: list[str] | None,
    kwargs: Mapping[str, Any],
) -> PreparedCall:
    """Merge per-call keywords over the instance's `settings` (every table setting, `model`, `model_kwargs`).

    Per-call values win; a call's `model_kwargs` add to the instance's; keywords that are neither settings nor call
    options but are Gemini request fields are sent like `model_kwargs`.

    Raises:
        ValueError: For an unknown keyword, an invalid value, or content Gemini cannot take.
    """
    known, extra = _split_passthrough(kwargs)
    overrides = call_overrides(known)
    params = dict(settings)
    for name in SETTINGS:
        value = getattr(overrides, name)
        if value is not None:
            params[name] = value
    if stop is not None:
        if len(stop) > 5:
            msg = "stop: Gemini accepts at most 5 stop sequences"
            raise ValueError(msg)
        params["stop"] = stop
    params["model_kwargs"] = {**(settings.get("model_kwargs") or {}), **extra, **(overrides.model_kwargs or {})}
    params["model"] = overrides.model or settings["model"]
    for name in ("tools", "tool_choice", "tool_config", "response_format"):
        params[name] = getattr(overrides, name)
    return PreparedCall(
        model=params["model"],
        body=build_request(messages, params),
        timeout=overrides.timeout,
        max_retries=overrides.max_retries,
    )


def _split_passthrough(kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    # Per-call keywords that name an API request field we do not model travel as model_kwargs do.
    model = call_overrides_fields()
    known: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in kwargs.items():
        target = extra if key not in model and camel_case(key) in API_FIELDS else known
        target[key] = value
    return known, extra


@lru_cache(maxsize=1)
def call_overrides_fields() -> frozenset[str]:
    """Names and aliases `invoke` accepts as keywords."""
    from langchain_gemini._settings import ALIASES, call_overrides_model

    return frozenset(call_overrides_model().model_fields) | frozenset(ALIASES)


def build_request(messages: Sequence[BaseMessage], params: Mapping[str, Any]) -> GenerateContentRequest:
    """The generateContent body for `messages` under resolved `params`; `None` values are not sent.

    `params` holds setting names (`_settings.SETTINGS`), `model`, `model_kwargs`, `tools`, `tool_choice`,
    `tool_config`, `response_format` and `vertexai` (the backend: settings only Vertex AI takes are refused
    elsewhere).

    Raises:
        ValueError: If the conversation is empty or holds content Gemini cannot take, or a setting is invalid for
            the model.
    """
    model = str(params.get("model") or "")
    backend: Backend = "vertex" if params.get("vertexai") else "developer"
    request = build_contents(messages, model)
    request.update(_tool_fields(model, params, backend))  # type: ignore[typeddict-item]
    config: dict[str, Any] = {}
    places: dict[str, dict[str, Any]] = {"request": request, "generationConfig": config}  # type: ignore[dict-item]
    for name, wire in SETTINGS.items():
        value = params.get(name)
        if wire.built_by is not None or wire.name is None or value is None or (name == "stop" and not value):
            continue
        if wire.only is not None and wire.only != backend:
            msg = f"{name}: {BACKEND_NAMES[wire.only]} only; this model talks to {BACKEND_NAMES[backend]}"
            raise ValueError(msg)
        places[wire.place][wire.name] = wire.convert(value) if wire.convert else value
    if "responseModalities" not in config and facts_for(model).speaks_only:
        # A speech-only model answers nothing else; the API rejects its requests without this.
        config["responseModalities"] = ["AUDIO"]
    config.update(_generation_extras(model, params))
    _place_passthrough(request, config, params.get("model_kwargs") or {})
    if config:
        request["generationConfig"] = config  # type: ignore[typeddict-item]
    return request


def _place_passthrough(request: GenerateContentRequest, config: dict[str, Any], fields: Mapping[str, Any]) -> None:
    body: dict[str, Any] = request  # type: ignore[assignment]
    for key, value in fields.items():
        wire = camel_case(key)
        if wire in _REQUEST_FIELDS:
            body[wire] = value
        elif wire in _TOOL_CONFIG_FIELDS:
            body.setdefault("toolConfig", {})[wire] = value
        elif wire in _THINKING_FIELDS:
            config.setdefault("thinkingConfig", {})[wire] = value
        else:
            config[wire] = value


def _generation_extras(model: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """GenerationConfig entries built from several settings: thinkingConfig and structured output."""
    extras: dict[str, Any] = {}
    thinking = thinking_config(
        model,
        budget=params.get("thinking_budget"),
        level=params.get("thinking_level"),
        reasoning_effort=params.get("reasoning_effort"),
        include_thoughts=params.get("include_thoughts"),
    )
    if thinking is not None:
        extras["thinkingConfig"] = thinking
    schema = params.get("response_schema")
    wants_json = schema is not None
    response_format = params.get("response_format")
    if response_format is not None:
        schema, wants_json = _response_schema_from_format(response_format)
    mime = params.get("response_mime_type")
    if wants_json and mime is None:
        extras["responseMimeType"] = "application/json"
    elif schema is not None and mime == "text/plain":
        msg = "response_schema needs response_mime_type 'application/json' or 'text/x.enum', not 'text/plain'"
        raise ValueError(msg)
    if schema is not None:
        from langchain_gemini._schema import schema_mode  # only structured-output calls need it

        mode = schema_mode(model, params.get("schema_mode"))
        extras.update(_converted_response_schema(json.dumps(schema, sort_keys=True), mode))
    return extras


def _response_schema_from_format(response_format: Mapping[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """(schema, wants_json) from an OpenAI `response_format` dict."""
    kind = response_format.get("type")
    if kind == "json_object":
        return None, True
    if kind == "json_schema":
        spec = response_format.get("json_schema") or {}
        schema = spec.get("schema")
        if not isinstance(schema, dict):
            msg = "response_format: a json_schema response_format needs json_schema.schema"
            raise ValueError(msg)
        return schema, True
    msg = f"response_format: unsupported type {kind!r} (use 'json_schema' or 'json_object')"
    raise ValueError(msg)


@lru_cache(maxsize=128)
def _converted_response_schema(schema_json: str, mode: SchemaMode) -> dict[str, Any]:
    # Structured-output runnables send the same schema on every call: convert it once per form.
    from langchain_gemini._schema import response_schema_fields

    return response_schema_fields(json.loads(schema_json), mode)


def _tool_fields(model: str, params: Mapping[str, Any], backend: Backend) -> dict[str, Any]:
    """`tools` and `toolConfig` from bound or per-call tools and `tool_choice` (a raw `tool_config` wins)."""
    tools_in, tool_choice, raw_config = params.get("tools"), params.get("tool_choice"), params.get("tool_config")
    if not tools_in and raw_config is None and tool_choice is None:
        return {}
    from langchain_gemini._tools import convert_tools, function_names, tool_config  # only calls with tools

    mode: SchemaOverride | None = params.get("schema_mode")
    fields: dict[str, Any] = {}
    tools = convert_tools(tools_in, model=model, schema=mode) if tools_in else []
    names = function_names(tools)  # also refuses duplicate names
    if tools:
        fields["tools"] = tools
    if raw_config is not None:
        fields["toolConfig"] = dict(raw_config)
    elif tool_choice is not None:
        config = tool_config(tool_choice, names)
        if config is not None:
            fields["toolConfig"] = config
    combined = names and any(set(tool) - {"functionDeclarations"} for tool in tools)
    if combined and facts_for(model).server_side_tools and backend == "developer":
        # Built-in and function tools together: Gemini 3 asks for the server-side invocations to be returned
        # (ai.google.dev/gemini-api/docs/tool-combination); an explicit value in tool_config wins. Vertex AI has no
        # such field (google-genai's `_ToolConfig_to_vertex` refuses include_server_side_tool_invocations).
        fields["toolConfig"] = {"includeServerSideToolInvocations": True, **fields.get("toolConfig", {})}
    return fields
