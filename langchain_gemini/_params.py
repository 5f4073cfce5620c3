"""Generation parameters: their constraints (shared by instance fields and per-call overrides) and resolution."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from langchain_gemini._thinking import ReasoningEffort, ThinkingLevel, thinking_config
from langchain_gemini._wire import SchemaMode, SchemaOverride
from langchain_gemini.multimodal import ImageConfigInput, MediaResolutionInput, ResponseModalities, SpeechConfigInput
from langchain_gemini.safety import SafetySettingsInput

# Ranges from the GenerationConfig reference (gemini-rest-api.md section 3.1): temperature [0, 2], topP [0, 1],
# candidateCount [1, 8], at most 5 stop sequences. The penalty range [-2, 2] is the one Vertex AI documents for the
# same GenerationConfig fields; the Developer API docs give no range.
Temperature = Annotated[float, Field(ge=0.0, le=2.0)]
TopP = Annotated[float, Field(ge=0.0, le=1.0)]
TopK = Annotated[int, Field(ge=1)]
MaxOutputTokens = Annotated[int, Field(ge=1)]
Penalty = Annotated[float, Field(ge=-2.0, le=2.0)]
CandidateCount = Annotated[int, Field(ge=1, le=8)]
StopSequences = Annotated[list[str], Field(max_length=5)]
ResponseMimeType = Literal["text/plain", "application/json", "text/x.enum"]

# Settings that travel in the request body; the order is the order of _identifying_params.
GENERATION_PARAM_NAMES = (
    "temperature",
    "top_p",
    "top_k",
    "max_output_tokens",
    "stop",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "candidate_count",
    "response_mime_type",
    "safety_settings",
    "cached_content",
    "thinking_budget",
    "thinking_level",
    "reasoning_effort",
    "include_thoughts",
    "response_schema",
    "schema_mode",
    "response_modalities",
    "speech_config",
    "image_config",
    "media_resolution",
)


class CallOverrides(BaseModel):
    """Keyword arguments accepted by `invoke`/`stream`/`batch` (and `.bind`). Anything else is an error."""

    # pydantic before 2.10 reserves the `model_` prefix and would warn about `model_kwargs` at import time.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, protected_namespaces=())

    model: str | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    top_k: TopK | None = None
    max_output_tokens: MaxOutputTokens | None = None
    max_tokens: MaxOutputTokens | None = None
    seed: int | None = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    candidate_count: CandidateCount | None = None
    response_mime_type: ResponseMimeType | None = None
    safety_settings: SafetySettingsInput | None = None
    cached_content: str | None = None
    model_kwargs: dict[str, Any] | None = None
    timeout: float | None = Field(default=None, gt=0)
    max_retries: int | None = Field(default=None, ge=0)
    thinking_budget: int | None = Field(default=None, ge=-1)
    thinking_level: ThinkingLevel | None = None
    reasoning_effort: ReasoningEffort | None = None
    include_thoughts: bool | None = None
    response_schema: dict[str, Any] | None = None
    schema_mode: SchemaOverride | None = None
    response_modalities: ResponseModalities | None = None
    speech_config: SpeechConfigInput | None = None
    image_config: ImageConfigInput | None = None
    media_resolution: MediaResolutionInput | None = None
    # Set by bind_tools (already converted) or passed per call (converted here).
    tools: list[Any] | None = None
    tool_choice: Any = None
    tool_config: dict[str, Any] | None = None
    # OpenAI-style structured output, as sent by LangChain v1 agents (ProviderStrategy); `strict` is accepted
    # because Gemini's schema-constrained decoding is always strict.
    response_format: dict[str, Any] | None = None
    strict: bool | None = None

    @model_validator(mode="after")
    def _one_token_limit(self) -> CallOverrides:
        if (
            self.max_tokens is not None
            and self.max_output_tokens is not None
            and self.max_tokens != self.max_output_tokens
        ):
            msg = "max_tokens and max_output_tokens are the same setting; pass only one"
            raise ValueError(msg)
        if self.max_tokens is not None:
            self.max_output_tokens = self.max_tokens
        return self


def merge_params(defaults: Mapping[str, Any], overrides: CallOverrides, stop: list[str] | None) -> dict[str, Any]:
    """Per-call values win over instance values; a call's `model_kwargs` add to the instance's."""
    params = dict(defaults)
    for name in GENERATION_PARAM_NAMES:
        value = getattr(overrides, name, None)
        if value is not None:
            params[name] = value
    if stop is not None:
        if len(stop) > 5:
            msg = "stop: Gemini accepts at most 5 stop sequences"
            raise ValueError(msg)
        params["stop"] = stop
    params["model_kwargs"] = {
        **(defaults.get("model_kwargs") or {}),
        **(overrides.model_kwargs or {}),
    }
    return params


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


def generation_extras(
    model: str, params: Mapping[str, Any], response_format: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Wire-ready generationConfig entries for thinking and structured output."""
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


def request_extras(model: str, overrides: CallOverrides, mode: SchemaOverride | None) -> dict[str, Any]:
    """Wire-ready request-level entries: tools and toolConfig."""
    if not overrides.tools and overrides.tool_config is None and overrides.tool_choice is None:
        return {}
    from langchain_gemini._tools import convert_tools, function_names, tool_config  # only calls with tools

    extras: dict[str, Any] = {}
    tools = convert_tools(overrides.tools, model=model, schema=mode) if overrides.tools else []
    names = function_names(tools)
    if tools:
        extras["tools"] = tools
    if overrides.tool_config is not None:
        extras["toolConfig"] = overrides.tool_config
    elif overrides.tool_choice is not None:
        config = tool_config(overrides.tool_choice, names)
        if config is not None:
            extras["toolConfig"] = config
    return extras
