"""The one table of request settings: each declared once, with its validation, aliases and place on the wire.

`RequestSettings` is that table. Each field is a setting: its type carries the validation, `Field(alias=...)` the
alias, and its `Wire` marker where it goes in a `GenerateContentRequest` (`generationConfig`, `thinkingConfig`,
`toolConfig` or the request itself) and whether it may be set per call. From it derive:

* `ChatGemini`'s fields (it inherits `RequestSettings`),
* `CallOverrides`, the keyword arguments `invoke`/`stream`/`batch` accept (`call_overrides_model`),
* the request builder (`_request.build_request`), which walks `SETTINGS` to place each value,
* the constructor's unknown-argument check (`_init_kwargs`), which refuses raw wire names of modelled settings.

A new setting is one field here (plus, for a setting whose wire value needs more than `convert`, its builder).

Sources: GenerationConfig and GenerateContentRequest in ai.google.dev/api/generate-content; google-genai's
`_GenerateContentConfig_to_mldev` (models.py) for which config fields move to the request top level (`labels`,
`serviceTier`, `store`, `continuationToken`) on the Developer API. Ranges: temperature [0, 2], topP [0, 1],
candidateCount [1, 8], at most 5 stop sequences, logprobs [0, 20] (GenerationConfig reference); the penalty range
[-2, 2] is the one Vertex AI documents for the same fields (the Developer API docs give none).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model, model_validator
from pydantic.fields import FieldInfo

from langchain_gemini._thinking import ReasoningEffort, ThinkingLevel
from langchain_gemini._wire import SchemaOverride
from langchain_gemini.multimodal import ImageConfigInput, MediaResolutionInput, ResponseModalities, SpeechConfigInput
from langchain_gemini.safety import SafetySettingsInput, to_safety_settings

Place = Literal["generationConfig", "thinkingConfig", "toolConfig", "request"]
Backend = Literal["developer", "vertex"]
BACKEND_NAMES: Mapping[Backend, str] = {"developer": "the Gemini Developer API", "vertex": "Vertex AI"}

Temperature = Annotated[float, Field(ge=0.0, le=2.0)]
TopP = Annotated[float, Field(ge=0.0, le=1.0)]
TopK = Annotated[int, Field(ge=1)]
MaxOutputTokens = Annotated[int, Field(ge=1)]
Penalty = Annotated[float, Field(ge=-2.0, le=2.0)]
CandidateCount = Annotated[int, Field(ge=1, le=8)]
StopSequences = Annotated[list[str], Field(max_length=5)]
TopLogprobs = Annotated[int, Field(ge=0, le=20)]
ResponseMimeType = Literal["text/plain", "application/json", "text/x.enum"]
ServiceTier = Literal["standard", "flex", "priority"]
"""Gemini's processing tiers (ai.google.dev/gemini-api/docs/flex-and-priority): Flex is cheaper and may take minutes."""


@dataclass(frozen=True)
class Wire:
    """Where a setting goes: `place` and `name` on the wire, or `built_by` for settings combined by one builder.

    Attributes:
        place: The object holding the setting.
        name: Its JSON name there (None when `built_by` writes it).
        convert: Turns the validated value into the wire value (None: sent as is).
        built_by: `thinking` or `schema`: several settings make one wire value, built in `_request`.
        per_call: Whether `invoke(..., name=value)` may set it.
        only: The one backend that takes it (`developer` or `vertex`); on the other the request is refused before it
            is sent, as google-genai's converters refuse it (`_GenerateContentConfig_to_mldev` / `_to_vertex`).
    """

    place: Place
    name: str | None = None
    convert: Callable[[Any], Any] | None = None
    built_by: Literal["thinking", "schema"] | None = None
    per_call: bool = True
    only: Backend | None = None


def _gen(name: str, convert: Callable[[Any], Any] | None = None) -> Wire:
    return Wire("generationConfig", name, convert)


# Label rules Vertex AI documents for request labels (cloud.google.com/vertex-ai/generative-ai/docs/multimodal/
# add-labels-to-api-calls): at most 64; keys 1-63 characters, starting with a lower-case letter; keys and values
# lower-case letters, digits, underscores and dashes (international letters allowed), values up to 63 characters.
_LABEL_KEY = re.compile(r"^[^\W\d_A-Z][\w-]{0,62}$")
_LABEL_VALUE = re.compile(r"^[\w-]{0,63}$")


def _check_labels(labels: dict[str, str]) -> dict[str, str]:
    if len(labels) > 64:
        msg = "labels: at most 64 labels per request"
        raise ValueError(msg)
    for key, value in labels.items():
        if not _LABEL_KEY.match(key) or key.lower() != key:
            msg = (
                f"labels: key {key!r} must start with a lower-case letter and hold at most 63 lower-case letters, "
                "digits, underscores or dashes"
            )
            raise ValueError(msg)
        if not _LABEL_VALUE.match(value) or value.lower() != value:
            msg = f"labels: value of {key!r} must be at most 63 lower-case letters, digits, underscores or dashes"
            raise ValueError(msg)
    return labels


Labels = Annotated[dict[str, str], AfterValidator(_check_labels)]


_THINKING = Wire("thinkingConfig", built_by="thinking")
_SCHEMA = Wire("generationConfig", built_by="schema")


class RequestSettings(BaseModel):
    """Generation settings of a Gemini request; `None` leaves a setting unsent, so the API's default applies."""

    # pydantic before 2.10 reserves the `model_` prefix.
    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    temperature: Annotated[Temperature | None, _gen("temperature")] = None
    """Sampling temperature, 0 to 2."""

    top_p: Annotated[TopP | None, _gen("topP")] = None
    """Nucleus sampling probability mass, 0 to 1."""

    top_k: Annotated[TopK | None, _gen("topK")] = None
    """Sample from the `top_k` most likely tokens (>= 1)."""

    max_output_tokens: Annotated[MaxOutputTokens | None, _gen("maxOutputTokens")] = Field(
        default=None, alias="max_tokens"
    )
    """Upper bound on generated tokens (alias `max_tokens`). On thinking models it includes thought tokens."""

    stop: Annotated[StopSequences | None, _gen("stopSequences", list)] = Field(default=None, alias="stop_sequences")
    """Up to 5 stop sequences; generation ends before the first one and it is not returned."""

    seed: Annotated[int | None, _gen("seed")] = None
    """Seed for sampling, for more repeatable answers."""

    presence_penalty: Annotated[Penalty | None, _gen("presencePenalty")] = None
    """Penalty for tokens already present in the answer."""

    frequency_penalty: Annotated[Penalty | None, _gen("frequencyPenalty")] = None
    """Penalty that grows with how often a token has appeared in the answer."""

    candidate_count: Annotated[CandidateCount | None, _gen("candidateCount")] = Field(default=None, alias="n")
    """Number of candidates to generate (1-8, alias `n`). `invoke` returns the first; `generate` returns all."""

    response_mime_type: Annotated[ResponseMimeType | None, _gen("responseMimeType")] = None
    """`text/plain`, `application/json` or `text/x.enum`."""

    response_logprobs: Annotated[bool | None, _gen("responseLogprobs")] = None
    """Return the log probability of each chosen token (in `response_metadata["logprobs"]`)."""

    logprobs: Annotated[TopLogprobs | None, _gen("logprobs")] = None
    """With `response_logprobs`, also return this many most likely alternatives per token (0-20)."""

    safety_settings: Annotated[SafetySettingsInput | None, Wire("request", "safetySettings", to_safety_settings)] = None
    """`{HarmCategory: HarmBlockThreshold}` or a list of `{"category", "threshold"}` dicts."""

    cached_content: Annotated[str | None, Wire("request", "cachedContent")] = None
    """Name of an explicit context cache (`cachedContents/...`)."""

    service_tier: Annotated[ServiceTier | None, Wire("request", "serviceTier")] = None
    """`standard`, `flex` (cheaper; answers may take minutes: keep `timeout` unset, 600 s to read, or raise it) or
    `priority`. See docs/chat.md#service-tiers."""

    labels: Annotated[Labels | None, Wire("request", "labels")] = None
    """Billing labels for the request (`{"team": "search"}`): Vertex AI reports spending by them. Checked as Vertex
    AI documents: at most 64, keys and values of lower-case letters, digits, `_` and `-`, up to 63 characters."""

    store: Annotated[bool | None, Wire("request", "store", only="developer")] = None
    """Whether Google may store the request and answer for later retrieval; `False` opts out."""

    thinking_budget: Annotated[int | None, Field(ge=-1), _THINKING] = None
    """Thinking tokens for 2.5 models: 0 disables (where the model allows), -1 lets the model decide. Checked
    against the model's range before any request."""

    thinking_level: Annotated[ThinkingLevel | None, _THINKING] = None
    """Thinking depth for Gemini 3 models (`low`/`high`; Flash also `minimal`/`medium`)."""

    reasoning_effort: Annotated[ReasoningEffort | None, _THINKING] = None
    """LangChain's standard knob: a thinking level on Gemini 3, a thinking budget on 2.5 (low 1,024, medium 8,192,
    high 24,576, none disables), as Google maps it for its OpenAI-compatible endpoint."""

    include_thoughts: Annotated[bool | None, _THINKING] = None
    """Return thought summaries as reasoning content (never mixed into `.text`)."""

    response_schema: Annotated[dict[str, Any] | None, _SCHEMA] = None
    """JSON Schema the answer must follow (sets `responseMimeType` to `application/json` unless given)."""

    schema_mode: Annotated[SchemaOverride | None, _SCHEMA] = None
    """How tool and response schemas are sent: `json_schema` (full JSON Schema, lossless), `openapi` (Gemini's
    OpenAPI subset) or `auto`/None (JSON Schema on models that take it). See docs/tools.md."""

    response_modalities: Annotated[ResponseModalities | None, _gen("responseModalities")] = None
    """What the model answers with: `[Modality.TEXT, Modality.IMAGE]` on image models, `[Modality.AUDIO]` for
    speech. Images come back as `image` blocks, speech as `audio` blocks (see `langchain_gemini.wav_bytes`)."""

    speech_config: Annotated[SpeechConfigInput | None, _gen("speechConfig")] = None
    """Voice for speech output: a voice name (`"Kore"`), `{speaker: voice}` for two speakers, or a REST
    `speechConfig` object."""

    image_config: Annotated[ImageConfigInput | None, _gen("imageConfig")] = None
    """Image output settings, e.g. `{"aspect_ratio": "16:9"}` (and `image_size` on models that take it)."""

    media_resolution: Annotated[MediaResolutionInput | None, _gen("mediaResolution")] = None
    """Tokens per image or video frame: `low`, `medium` or `high`. A block's own `media_resolution` sets it for
    one part."""

    enable_enhanced_civic_answers: Annotated[
        bool | None, Wire("generationConfig", "enableEnhancedCivicAnswers", only="developer")
    ] = None
    """Enhanced answers on civic topics (elections), where the model offers them (Developer API only)."""

    audio_timestamp: Annotated[bool | None, Wire("generationConfig", "audioTimestamp", only="vertex")] = None
    """Vertex AI only: understand timestamps in audio-only input (cloud.google.com/vertex-ai/generative-ai/docs/
    model-reference/inference, `generationConfig.audioTimestamp`). google-genai refuses it on the Developer API, and
    so do we, before sending."""


def _wire_of(info: FieldInfo) -> Wire:
    for item in info.metadata:
        if isinstance(item, Wire):
            return item
    msg = "every RequestSettings field needs a Wire marker"
    raise TypeError(msg)


SETTINGS: Mapping[str, Wire] = {name: _wire_of(info) for name, info in RequestSettings.model_fields.items()}
"""Setting name -> where it goes, in declaration order (the order of `_identifying_params`)."""

ALIASES: Mapping[str, str] = {
    str(info.alias): name for name, info in RequestSettings.model_fields.items() if info.alias is not None
}
"""Alias -> setting name (`max_tokens` -> `max_output_tokens`)."""


def wire_names() -> Iterator[tuple[str, str]]:
    """(wire name, setting name) of every setting placed under its own JSON name."""
    for name, wire in SETTINGS.items():
        if wire.name is not None:
            yield wire.name, name


class _CallOnly(BaseModel):
    """Per-call keywords that are not request settings: the model, transport, tools and structured output."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, protected_namespaces=())

    model: str | None = None
    model_kwargs: dict[str, Any] | None = None
    timeout: float | None = Field(default=None, gt=0)
    max_retries: int | None = Field(default=None, ge=0)
    # Set by bind_tools (already converted) or passed per call (converted in _request).
    tools: list[Any] | None = None
    tool_choice: Any = None
    tool_config: dict[str, Any] | None = None
    # OpenAI-style structured output, as sent by LangChain v1 agents (ProviderStrategy); `strict` is accepted
    # because Gemini's schema-constrained decoding is always strict.
    response_format: dict[str, Any] | None = None
    strict: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_name_per_setting(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        for alias, name in ALIASES.items():
            value, other = values.get(alias), values.get(name)
            if value is not None and other is not None and value != other:
                msg = f"{alias} and {name} are the same setting; pass only one"
                raise ValueError(msg)
            if value is None and alias in values:
                values = {key: item for key, item in values.items() if key != alias}
        return values


@cache
def call_overrides_model() -> type[_CallOnly]:
    """The per-call keyword model: `_CallOnly` plus every per-call setting of the table, each defaulting to None."""
    fields: dict[str, Any] = {}
    for name, info in RequestSettings.model_fields.items():
        if SETTINGS[name].per_call:
            fields[name] = (info.annotation, FieldInfo.merge_field_infos(info, default=None))
    return create_model("CallOverrides", __base__=_CallOnly, **fields)


def call_overrides(kwargs: Mapping[str, Any]) -> Any:
    """Validate per-call keywords; an unknown one raises a ValueError naming it (pydantic's ValidationError)."""
    return call_overrides_model().model_validate(dict(kwargs))
