"""`ChatGemini`: the LangChain chat model for the Gemini Developer API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LangSmithParams, LanguageModelInput, ModelProfile
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.utils.utils import _build_model_kwargs, get_pydantic_field_names
from pydantic import Field, model_validator

from langchain_gemini import _from_gemini, _to_gemini
from langchain_gemini._base import GeminiClientSettings, model_path
from langchain_gemini._count import countable_messages
from langchain_gemini._init_kwargs import check_unknown_kwargs
from langchain_gemini._params import (
    GENERATION_PARAM_NAMES,
    CallOverrides,
    CandidateCount,
    MaxOutputTokens,
    Penalty,
    ResponseMimeType,
    StopSequences,
    Temperature,
    TopK,
    TopP,
    generation_extras,
    merge_params,
    request_extras,
)
from langchain_gemini._response_check import total_tokens
from langchain_gemini._thinking import ReasoningEffort, ThinkingLevel, thinking_config
from langchain_gemini._version import __version__
from langchain_gemini._wire import GenerateContentRequest, SchemaOverride
from langchain_gemini.data._profiles import get_profile
from langchain_gemini.multimodal import (
    ImageConfigInput,
    MediaFetchInput,
    MediaResolutionInput,
    ResponseModalities,
    SpeechConfigInput,
)
from langchain_gemini.safety import SafetySettingsInput, to_safety_settings

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable
    from langchain_core.tools import BaseTool

StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]
"""The `method` of `with_structured_output`: native JSON schema, one forced function call, or JSON (with the schema
if one is given)."""


def _has_blocks(messages: Sequence[BaseMessage]) -> bool:
    # Only list content can hold media; string-only conversations skip the media pre-pass and its imports.
    return any(not isinstance(message.content, str) for message in messages)


def resolve_media(model: ChatGemini, messages: list[BaseMessage]) -> list[BaseMessage]:
    """Fetch or upload the media `messages` refer to, as the model's policy says (see `_media_prepare`)."""
    if not _has_blocks(messages):
        return messages
    from langchain_gemini._media_prepare import resolve_media as resolve

    return resolve(model, messages)


async def aresolve_media(model: ChatGemini, messages: list[BaseMessage]) -> list[BaseMessage]:
    """Async `resolve_media`."""
    if not _has_blocks(messages):
        return messages
    from langchain_gemini._media_prepare import aresolve_media as aresolve

    return await aresolve(model, messages)


def _speaks_only(model: str) -> bool:
    profile = get_profile(model) or {}
    return profile.get("audio_outputs") is True and profile.get("text_outputs") is False


@dataclass(frozen=True)
class _PreparedCall:
    model: str
    body: GenerateContentRequest
    timeout: float | None
    max_retries: int | None

    def path(self, method: str) -> str:
        return f"{model_path(self.model)}:{method}"


class ChatGemini(GeminiClientSettings, BaseChatModel):
    """Chat model for Google's Gemini Developer API.

    For example:
    ```python
    from langchain_gemini import ChatGemini

    model = ChatGemini(model="gemini-2.5-flash")  # key from GOOGLE_API_KEY or GEMINI_API_KEY
    print(model.invoke("Say hello in French").text)
    ```

    Settings left as `None` are not sent, so the API's own defaults apply. Every generation setting can also be
    passed per call (`model.invoke(..., temperature=0)`); an unknown keyword raises a `ValueError` naming it.
    Errors are the classes in `langchain_gemini.errors`, each also the matching `langchain_core.exceptions` class.

    The model owns the connections it opens: `close()`, `await aclose()` or a `with` / `async with` block closes
    them, and so does dropping the instance. A closed model opens new connections on its next call, so runnables
    built on it (`bind_tools`, `with_structured_output`) keep working. Clients passed as `http_client` /
    `http_async_client` are never closed.
    """

    model: str
    """Model id, e.g. `gemini-2.5-flash` (a `models/` prefix is accepted)."""

    temperature: Temperature | None = None
    """Sampling temperature, 0 to 2."""

    top_p: TopP | None = None
    """Nucleus sampling probability mass, 0 to 1."""

    top_k: TopK | None = None
    """Sample from the `top_k` most likely tokens (>= 1)."""

    max_output_tokens: MaxOutputTokens | None = Field(default=None, alias="max_tokens")
    """Upper bound on generated tokens (alias `max_tokens`). On thinking models it includes thought tokens."""

    stop: StopSequences | None = Field(default=None, alias="stop_sequences")
    """Up to 5 stop sequences; generation ends before the first one and it is not returned."""

    seed: int | None = None
    """Seed for sampling, for more repeatable answers."""

    presence_penalty: Penalty | None = None
    """Penalty for tokens already present in the answer."""

    frequency_penalty: Penalty | None = None
    """Penalty that grows with how often a token has appeared in the answer."""

    candidate_count: CandidateCount | None = Field(default=None, alias="n")
    """Number of candidates to generate (1-8, alias `n`). `invoke` returns the first; `generate` returns all."""

    response_mime_type: ResponseMimeType | None = None
    """`text/plain`, `application/json` or `text/x.enum`."""

    safety_settings: SafetySettingsInput | None = None
    """`{HarmCategory: HarmBlockThreshold}` or a list of `{"category", "threshold"}` dicts."""

    cached_content: str | None = None
    """Name of an explicit context cache (`cachedContents/...`)."""

    thinking_budget: int | None = Field(default=None, ge=-1)
    """Thinking tokens for 2.5 models: 0 disables (where the model allows), -1 lets the model decide. Checked
    against the model's range before any request."""

    thinking_level: ThinkingLevel | None = None
    """Thinking depth for Gemini 3 models (`low`/`high`; Flash also `minimal`/`medium`)."""

    reasoning_effort: ReasoningEffort | None = None
    """LangChain's standard knob: a thinking level on Gemini 3, a thinking budget on 2.5 (low 1,024, medium 8,192,
    high 24,576, none disables), as Google maps it for its OpenAI-compatible endpoint."""

    include_thoughts: bool | None = None
    """Return thought summaries as reasoning content (never mixed into `.text`)."""

    response_schema: dict[str, Any] | None = None
    """JSON Schema the answer must follow (sets `responseMimeType` to `application/json` unless given)."""

    schema_mode: SchemaOverride | None = None
    """How tool and response schemas are sent: `json_schema` (full JSON Schema, lossless), `openapi` (Gemini's
    OpenAPI subset) or `auto`/None (JSON Schema on models that take it). See docs/tools.md."""

    response_modalities: ResponseModalities | None = None
    """What the model answers with: `[Modality.TEXT, Modality.IMAGE]` on image models, `[Modality.AUDIO]` for
    speech. Images come back as `image` blocks, speech as `audio` blocks (see `langchain_gemini.wav_bytes`)."""

    speech_config: SpeechConfigInput | None = None
    """Voice for speech output: a voice name (`"Kore"`), `{speaker: voice}` for two speakers, or a REST
    `speechConfig` object."""

    image_config: ImageConfigInput | None = None
    """Image output settings, e.g. `{"aspect_ratio": "16:9"}` (and `image_size` on models that take it)."""

    media_resolution: MediaResolutionInput | None = None
    """Tokens per image or video frame: `low`, `medium` or `high`. A block's own `media_resolution` sets it for
    one part."""

    media_fetch: MediaFetchInput = "fetch"
    """http(s) media URLs other than Files API, YouTube and gs:// ones: `"fetch"` (downloaded by the client from
    public addresses only, with a timeout and size cap), `"pass_through"`, `"refuse"`, or a `MediaFetchPolicy`."""

    upload_large_media: bool = True
    """Upload media through the Files API when inline media would take a request over Gemini's 20 MB limit. When
    False, such a request raises a ValueError before anything is sent."""

    streaming: bool = False
    """If True, `invoke` streams under the hood (callbacks receive tokens as they arrive)."""

    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Request fields this class does not model yet, sent as given: `generationConfig` fields (e.g.
    `{"response_logprobs": True}`) or request-level ones (`tools`, `tool_config`, ...). Constructor arguments
    that are such fields are moved here with a warning; any other unknown argument raises a `TypeError` naming the
    field to use."""

    @model_validator(mode="before")
    @classmethod
    def _collect_model_kwargs(cls, values: Any) -> Any:
        if isinstance(values, dict):
            known = get_pydantic_field_names(cls)
            # Typos and renamed arguments fail here, before any request; Gemini request fields go to model_kwargs.
            check_unknown_kwargs(cls.__name__, values, known)
            if values.get("model_kwargs") is not None and not isinstance(values["model_kwargs"], Mapping):
                # langchain-core's _build_model_kwargs would fail on it with an AttributeError.
                msg = f"model_kwargs must be a dict, got {type(values['model_kwargs']).__name__}"
                raise TypeError(msg)
            return _build_model_kwargs(values, known)
        return values

    @model_validator(mode="after")
    def _check_settings(self) -> ChatGemini:
        if self.safety_settings is not None:
            to_safety_settings(self.safety_settings)  # raises with the offending field named
        # Thinking settings that the model cannot take fail here, at construction, not on the first call.
        thinking_config(
            self.model,
            budget=self.thinking_budget,
            level=self.thinking_level,
            reasoning_effort=self.reasoning_effort,
            include_thoughts=self.include_thoughts,
        )
        self._add_version("langchain-gemini", __version__)
        return self

    @property
    def _llm_type(self) -> str:
        return "gemini-chat"

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """ChatGemini serializes with `dumpd`; the key is written as a secret reference, never its value."""
        return True

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Secret fields and the environment variable each is restored from."""
        return {"google_api_key": "GOOGLE_API_KEY"}

    @property
    def _identifying_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.model}
        for name in GENERATION_PARAM_NAMES:
            value = getattr(self, name)
            if value is not None:
                params[name] = to_safety_settings(value) if name == "safety_settings" else value
        if self.model_kwargs:
            params["model_kwargs"] = self.model_kwargs
        return params

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        model = str(kwargs.get("model") or self.model).removeprefix("models/")
        params = LangSmithParams(ls_provider="google_genai", ls_model_name=model, ls_model_type="chat")
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_output_tokens") or kwargs.get("max_tokens") or self.max_output_tokens
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        if stop_sequences := stop or kwargs.get("stop") or self.stop:
            params["ls_stop"] = stop_sequences
        return params

    def _resolve_model_profile(self) -> ModelProfile | None:
        return get_profile(self.model)  # type: ignore[return-value]

    # -- request preparation -------------------------------------------------------------------------------------

    def _prepare(
        self, messages: Sequence[BaseMessage], stop: list[str] | None, kwargs: Mapping[str, Any]
    ) -> _PreparedCall:
        overrides = CallOverrides.model_validate(dict(kwargs))
        defaults = {name: getattr(self, name) for name in GENERATION_PARAM_NAMES}
        defaults["model_kwargs"] = self.model_kwargs
        params = merge_params(defaults, overrides, stop)
        model = overrides.model or self.model
        params["model"] = model
        if params.get("response_modalities") is None and _speaks_only(model):
            # A speech-only model answers nothing else; the API rejects its requests without this.
            params["response_modalities"] = ["AUDIO"]
        params["generation_extras"] = generation_extras(model, params, overrides.response_format)
        params["request_extras"] = request_extras(model, overrides, params.get("schema_mode"))
        return _PreparedCall(
            model=model,
            body=_to_gemini.build_request(messages, params),
            timeout=overrides.timeout,
            max_retries=overrides.max_retries,
        )

    # -- invoke --------------------------------------------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        messages = resolve_media(self, messages)
        call = self._prepare(messages, stop, kwargs)
        body = self._client.request_json(
            "POST",
            call.path("generateContent"),
            body=call.body,
            timeout=call.timeout,
            max_retries=call.max_retries,
        )
        return _from_gemini.to_chat_result(body, call.model)  # type: ignore[arg-type]

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        messages = await aresolve_media(self, messages)
        call = self._prepare(messages, stop, kwargs)
        body = await self._client.arequest_json(
            "POST",
            call.path("generateContent"),
            body=call.body,
            timeout=call.timeout,
            max_retries=call.max_retries,
        )
        return _from_gemini.to_chat_result(body, call.model)  # type: ignore[arg-type]

    # -- stream --------------------------------------------------------------------------------------------------

    def _prepare_stream(
        self, messages: Sequence[BaseMessage], stop: list[str] | None, kwargs: Mapping[str, Any]
    ) -> _PreparedCall:
        call = self._prepare(messages, stop, kwargs)
        if call.body.get("generationConfig", {}).get("candidateCount", 1) > 1:
            msg = "candidate_count > 1 cannot be streamed: a stream carries one message; use invoke or generate"
            raise ValueError(msg)
        return call

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        messages = resolve_media(self, messages)
        call = self._prepare_stream(messages, stop, kwargs)
        state = _from_gemini.StreamState(call.model)
        events = self._client.stream_json(
            call.path("streamGenerateContent"),
            call.body,
            timeout=call.timeout,
            max_retries=call.max_retries,
        )
        for event in events:
            chunk = _from_gemini.to_chunk(event, state)  # type: ignore[arg-type]
            if chunk is not None:
                if run_manager:
                    run_manager.on_llm_new_token(chunk.message.text, chunk=chunk)
                yield chunk
        yield _from_gemini.final_chunk(state)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        messages = await aresolve_media(self, messages)
        call = self._prepare_stream(messages, stop, kwargs)
        state = _from_gemini.StreamState(call.model)
        events = self._client.astream_json(
            call.path("streamGenerateContent"),
            call.body,
            timeout=call.timeout,
            max_retries=call.max_retries,
        )
        async for event in events:
            chunk = _from_gemini.to_chunk(event, state)  # type: ignore[arg-type]
            if chunk is not None:
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.message.text, chunk=chunk)
                yield chunk
        yield _from_gemini.final_chunk(state)

    # -- tools and structured output -------------------------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[Mapping[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | bool | list[str] | Mapping[str, Any] | None = None,
        strict: bool | None = None,
        schema_mode: SchemaOverride | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools, converted once, here.

        Tools may be functions, `BaseTool`s, pydantic models, TypedDicts, JSON schemas, OpenAI or Anthropic tool
        dicts, or Gemini-native tool dicts such as `{"google_search": {}}`, mixed freely.

        Args:
            tools: The tools, mixed freely.
            tool_choice: "auto", "any"/"required"/True, "none", a tool name, a list of names, the OpenAI dict form,
                or a raw Gemini `toolConfig`.
            strict: Accepted for compatibility; Gemini constrains forced calls to the schema in any case.
            schema_mode: Force the schema form for these tools (see the `schema_mode` field).
            **kwargs: Passed to `bind` (e.g. `response_format` from LangChain agents).

        Raises:
            ValueError: For a tool that cannot be converted, duplicate names, or a `tool_choice` naming an unknown tool.
        """
        from langchain_gemini._tools import convert_tools, function_names, tool_config

        converted = convert_tools(tools, model=self.model, schema=schema_mode or self.schema_mode)
        config = tool_config(tool_choice, function_names(converted, unique=False))
        if config is not None:
            kwargs["tool_config"] = config
        if strict is not None:
            kwargs["strict"] = strict
        return self.bind(tools=converted, **kwargs)

    def with_structured_output(
        self,
        schema: Mapping[str, Any] | type | None = None,
        *,
        method: StructuredMethod = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Return a runnable whose output follows `schema` (a pydantic class, TypedDict or JSON-schema dict).

        Args:
            schema: The output schema (optional for `json_mode`).
            method: `json_schema` (native constrained JSON, the default), `function_calling` (one forced function
                call) or `json_mode` (JSON output; a schema, if given, is sent as `json_schema` sends it, as
                langchain-google-genai's alias did).
            include_raw: Return `{"raw", "parsed", "parsing_error"}` instead of raising on a parsing error.
            strict: Accepted for compatibility; constrained decoding is always strict on Gemini.
            **kwargs: Not supported; any value raises.

        Raises:
            ValueError: For unknown keyword arguments or method.
        """
        if kwargs:
            msg = f"with_structured_output got unexpected arguments: {sorted(kwargs)}"
            raise ValueError(msg)
        from langchain_gemini._structured import structured_runnable

        return structured_runnable(self, schema, method=method, include_raw=include_raw, strict=strict)

    # -- token counting ------------------------------------------------------------------------------------------

    def get_num_tokens(self, text: str) -> int:
        """Count the tokens of `text` as one user message, with the `countTokens` endpoint (one request).

        Raises:
            GeminiError: If the request fails, after retries.
        """
        return self.get_num_tokens_from_messages([HumanMessage(text)])

    def get_num_tokens_from_messages(self, messages: list[BaseMessage], tools: Sequence[Any] | None = None) -> int:
        """Count prompt tokens with the `countTokens` endpoint: system instruction and tools included.

        Any list LangChain's `trim_messages` may count is accepted: only system messages, tool results without
        their call, a conversation in reverse. Parts Gemini would not take in that place are counted as text (see
        `langchain_gemini._count`); an empty list counts 0 without a request.

        Media goes through the same pre-pass as `invoke`: URLs are fetched under `media_fetch`, and media that
        would take the request over 20 MB is uploaded through the Files API (or refused when uploads are off).

        Args:
            messages: The conversation to count.
            tools: Tools as accepted by `bind_tools`; they count toward the prompt.

        Raises:
            ValueError: For messages or tools that cannot be converted (as `invoke` would refuse them).
            GeminiError: If the request fails, after retries.
        """
        if not messages and not tools:
            return 0
        body = self._count_tokens_body(resolve_media(self, countable_messages(messages)), tools)
        response = self._client.request_json("POST", f"{model_path(self.model)}:countTokens", body=body)
        return total_tokens(response)

    async def aget_num_tokens_from_messages(
        self, messages: list[BaseMessage], tools: Sequence[Any] | None = None
    ) -> int:
        """Async `get_num_tokens_from_messages`."""
        if not messages and not tools:
            return 0
        body = self._count_tokens_body(await aresolve_media(self, countable_messages(messages)), tools)
        response = await self._client.arequest_json("POST", f"{model_path(self.model)}:countTokens", body=body)
        return total_tokens(response)

    def _count_tokens_body(self, messages: list[BaseMessage], tools: Sequence[Any] | None) -> dict[str, Any]:
        # Same media pre-pass as invoke (callers resolve first): URLs fetched, oversized media uploaded.
        request = _to_gemini.build_request(messages, {"cached_content": self.cached_content, "model": self.model})
        if tools:
            from langchain_gemini._tools import convert_tools

            request["tools"] = convert_tools(tools, model=self.model, schema=self.schema_mode)
        # countTokens takes a whole GenerateContentRequest, so the count covers the system instruction and tools.
        return {"generateContentRequest": {"model": model_path(self.model), **request}}
