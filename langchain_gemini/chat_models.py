"""`ChatGemini`: the LangChain chat model for the Gemini Developer API."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LangSmithParams, LanguageModelInput, ModelProfile
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import get_config_list, get_executor_for_config
from langchain_core.utils.utils import _build_model_kwargs, get_pydantic_field_names
from pydantic import Field, model_validator

from langchain_gemini import _from_gemini, _to_gemini
from langchain_gemini._base import GeminiClientSettings, model_path
from langchain_gemini._continuation import (
    DEFAULT_MAX_CONTINUATIONS,
    ContinuedStream,
    Hops,
    first_candidate,
    merge_responses,
)
from langchain_gemini._count import countable_messages
from langchain_gemini._init_kwargs import check_unknown_kwargs
from langchain_gemini._request import PreparedCall, prepare_call
from langchain_gemini._response_check import total_tokens
from langchain_gemini._retry_slots import THREADS_PER_SLOT, RetrySlots, using
from langchain_gemini._settings import SETTINGS, RequestSettings
from langchain_gemini._thinking import thinking_config
from langchain_gemini._version import __version__
from langchain_gemini._wire import SchemaOverride
from langchain_gemini.data._profiles import get_profile
from langchain_gemini.errors import GeminiError
from langchain_gemini.multimodal import MediaFetchInput
from langchain_gemini.safety import to_safety_settings

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable
    from langchain_core.tools import BaseTool

    from langchain_gemini.batches import GeminiBatchItem, GeminiBatchJob, InputMode

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


class ChatGemini(RequestSettings, GeminiClientSettings, BaseChatModel):
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

    media_fetch: MediaFetchInput = "fetch"
    """http(s) media URLs other than Files API, YouTube and gs:// ones: `"fetch"` (downloaded by the client from
    public addresses only, with a timeout and size cap), `"pass_through"`, `"refuse"`, or a `MediaFetchPolicy`."""

    upload_large_media: bool = True
    """Upload media through the Files API when inline media would take a request over Gemini's 20 MB limit. When
    False, such a request raises a ValueError before anything is sent."""

    max_continuations: int = Field(default=DEFAULT_MAX_CONTINUATIONS, ge=0)
    """Follow-up requests a long answer (`finishReason: CONTINUATION`) may take; past it the call raises
    `GeminiContinuationLimitError`. 0 turns continuing off: the partial answer comes back with its
    `response_metadata["continuation_token"]`."""

    streaming: bool = False
    """If True, `invoke` streams under the hood (callbacks receive tokens as they arrive)."""

    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Request fields this class does not model yet, sent as given where the API defines them: `generationConfig`
    fields (e.g. `{"audio_transcription_config": {...}}`), request-level ones (`tools`, ...) beside it.
    Constructor arguments that are such fields are moved here with a warning; any other unknown argument raises a
    `TypeError` naming the field to use."""

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
        for name in SETTINGS:
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
    ) -> PreparedCall:
        settings = {name: getattr(self, name) for name in SETTINGS}
        settings.update(model=self.model, model_kwargs=self.model_kwargs, vertexai=self.vertexai)
        prepared = prepare_call(settings, messages, stop, kwargs)
        if name := prepared.body.get("cachedContent"):
            from langchain_gemini._caching import apply_cache  # sends only what the cache does not hold

            if self.vertexai:
                # Vertex AI takes only a cache's full name, `projects/.../cachedContents/<id>`
                # (cloud.google.com/vertex-ai/generative-ai/docs/context-cache/context-cache-use).
                from langchain_gemini.caches import cache_name

                name = cache_name(name)
            # A Vertex AI name is refused on the Developer API, and an express-mode model (no caches) refuses any.
            prepared.body["cachedContent"] = self._client.collection_path(name)
            apply_cache(prepared.body, prepared.model)
        return prepared

    # -- batch ---------------------------------------------------------------------------------------------------

    def batch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[AIMessage]:
        """Run `invoke` on each input, at most `max_concurrency` at once, results in input order.

        As langchain-core's `batch` (callbacks per input, `config["max_concurrency"]`, `return_exceptions`), except
        that an input waiting to retry after a transient failure gives its turn to the next input meanwhile: the pool
        has more threads than `max_concurrency`, and each `invoke` holds one of `max_concurrency` slots except while
        it sleeps before a retry (see `_retry_slots`).
        """
        if len(inputs) <= 1:
            return super().batch(inputs, config, return_exceptions=return_exceptions, **kwargs)
        configs = get_config_list(config, len(inputs))
        limit = configs[0].get("max_concurrency") or _default_thread_count()
        slots = RetrySlots(limit)

        def invoke(input_: LanguageModelInput, one_config: RunnableConfig) -> AIMessage | Exception:
            with slots.hold():
                try:
                    return self.invoke(input_, one_config, **kwargs)
                except Exception as error:
                    if return_exceptions:
                        return error
                    raise

        threads = min(len(inputs), limit * THREADS_PER_SLOT)
        with using(slots), get_executor_for_config({**configs[0], "max_concurrency": threads}) as executor:
            # As langchain-core's: with `return_exceptions`, exceptions take the failed inputs' places.
            return cast("list[AIMessage]", list(executor.map(invoke, inputs, configs)))

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
        hops = Hops(call.body, self.max_continuations)
        bodies: list[Any] = []
        while (request := hops.next_request()) is not None:
            body = self._client.request_json(
                "POST", call.path("generateContent"), body=request, timeout=call.timeout, max_retries=call.max_retries
            )
            bodies.append(body)
            hops.answered(first_candidate(body))
        return _from_gemini.to_chat_result(merge_responses(bodies), call.model)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        messages = await aresolve_media(self, messages)
        call = self._prepare(messages, stop, kwargs)
        hops = Hops(call.body, self.max_continuations)
        bodies: list[Any] = []
        while (request := hops.next_request()) is not None:
            body = await self._client.arequest_json(
                "POST", call.path("generateContent"), body=request, timeout=call.timeout, max_retries=call.max_retries
            )
            bodies.append(body)
            hops.answered(first_candidate(body))
        return _from_gemini.to_chat_result(merge_responses(bodies), call.model)

    # -- stream --------------------------------------------------------------------------------------------------

    def _prepare_stream(
        self, messages: Sequence[BaseMessage], stop: list[str] | None, kwargs: Mapping[str, Any]
    ) -> tuple[PreparedCall, ContinuedStream]:
        call = self._prepare(messages, stop, kwargs)
        if call.body.get("generationConfig", {}).get("candidateCount", 1) > 1:
            msg = "candidate_count > 1 cannot be streamed: a stream carries one message; use invoke or generate"
            raise ValueError(msg)
        return call, ContinuedStream(call.body, call.model, self.max_continuations)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        call, stream = self._prepare_stream(resolve_media(self, messages), stop, kwargs)
        while (request := stream.next_request()) is not None:
            events = self._client.stream_json(
                call.path("streamGenerateContent"), request, timeout=call.timeout, max_retries=call.max_retries
            )
            try:
                for event in events:
                    if (chunk := stream.chunk(event)) is not None:
                        if run_manager:
                            run_manager.on_llm_new_token(chunk.message.text, chunk=chunk)
                        yield chunk
            except GeminiError as error:
                if not stream.broken(error):  # resumes a long decode from its latest checkpoint
                    raise
        yield stream.final_chunk()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        call, stream = self._prepare_stream(await aresolve_media(self, messages), stop, kwargs)
        while (request := stream.next_request()) is not None:
            events = self._client.astream_json(
                call.path("streamGenerateContent"), request, timeout=call.timeout, max_retries=call.max_retries
            )
            try:
                async for event in events:
                    if (chunk := stream.chunk(event)) is not None:
                        if run_manager:
                            await run_manager.on_llm_new_token(chunk.message.text, chunk=chunk)
                        yield chunk
            except GeminiError as error:
                if not stream.broken(error):  # resumes a long decode from its latest checkpoint
                    raise
        yield stream.final_chunk()

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

    # -- context caching -----------------------------------------------------------------------------------------

    def with_cache(
        self,
        messages: Sequence[BaseMessage],
        *,
        tools: Sequence[Any] | None = None,
        tool_choice: Any = None,
        ttl: float | timedelta | None = None,
        expire_time: datetime | None = None,
        display_name: str | None = None,
    ) -> ChatGemini:
        """Cache `messages` (and `tools`) for this model and return a copy of the model that uses the cache.

        The copy sends only what the cache does not hold: calls leave out the cached system instruction and tools
        (binding the same tools again is fine), and a call with a different system message or tools fails before
        sending. It shares this model's connections. Arguments are those of `GeminiCaches.create`; the cache is
        `model.cached_content` (delete it with `GeminiCaches.from_model(model).delete(...)` when done).

        Raises:
            ValueError: For bad arguments or content that cannot be converted.
            GeminiBadRequestError: If the API refuses, e.g. a cache below the model's minimum size.
        """
        from langchain_gemini.caches import GeminiCaches

        cache = GeminiCaches.from_model(self).create(
            resolve_media(self, list(messages)),
            tools=tools,
            tool_choice=tool_choice,
            ttl=ttl,
            expire_time=expire_time,
            display_name=display_name,
        )
        return self.model_copy(update={"cached_content": cache.name})

    async def awith_cache(
        self,
        messages: Sequence[BaseMessage],
        *,
        tools: Sequence[Any] | None = None,
        tool_choice: Any = None,
        ttl: float | timedelta | None = None,
        expire_time: datetime | None = None,
        display_name: str | None = None,
    ) -> ChatGemini:
        """Async `with_cache`."""
        from langchain_gemini.caches import GeminiCaches

        cache = await GeminiCaches.from_model(self).acreate(
            await aresolve_media(self, list(messages)),
            tools=tools,
            tool_choice=tool_choice,
            ttl=ttl,
            expire_time=expire_time,
            display_name=display_name,
        )
        return self.model_copy(update={"cached_content": cache.name})

    # -- Batch API -----------------------------------------------------------------------------------------------

    def batch_submit(
        self,
        inputs: Iterable[LanguageModelInput | GeminiBatchItem],
        *,
        display_name: str | None = None,
        schema: Mapping[str, Any] | type | None = None,
        input_mode: InputMode = "auto",
        **kwargs: Any,
    ) -> GeminiBatchJob:
        """Submit `inputs` as one Batch API job (half the price; Google targets 24 hours) and return its handle.

        Each input is converted exactly as `invoke` converts it, with `kwargs` as per-call settings for all of
        them (`tools`, `tool_choice`, `temperature`, ...); a `GeminiBatchItem` adds settings of its own. `schema`
        (a pydantic class, TypedDict or JSON schema) asks for structured output as `with_structured_output` does;
        pass the same schema to `GeminiBatches.results` to get parsed objects. Follow the job with
        `GeminiBatches.from_model(model)`: `get(job.name)` works from any process.

        Requests are written to a temporary file as they are built, then sent inline when the create request stays
        under Google's 20 MB limit, else uploaded as a JSON Lines file (`input_mode` forces either).

        Raises:
            ValueError: For inputs or settings `invoke` would refuse, or an `input_mode="inline"` job over 20 MB.
        """
        from langchain_gemini.batches import GeminiBatches, item_call, shared_settings

        shared = shared_settings(schema, kwargs)

        def requests() -> Iterator[Mapping[str, Any]]:
            for item in inputs:
                input_, settings = item_call(item, shared)
                messages = resolve_media(self, self._convert_input(input_).to_messages())
                yield self._prepare(messages, None, settings).body

        batches = GeminiBatches.from_model(self)
        model = kwargs.get("model") or self.model
        return batches.submit(model, requests(), display_name=display_name, input_mode=input_mode)

    async def abatch_submit(
        self,
        inputs: Iterable[LanguageModelInput | GeminiBatchItem],
        *,
        display_name: str | None = None,
        schema: Mapping[str, Any] | type | None = None,
        input_mode: InputMode = "auto",
        **kwargs: Any,
    ) -> GeminiBatchJob:
        """Async `batch_submit`."""
        from langchain_gemini.batches import GeminiBatches, item_call, shared_settings

        shared = shared_settings(schema, kwargs)

        async def requests() -> AsyncIterator[Mapping[str, Any]]:
            for item in inputs:
                input_, settings = item_call(item, shared)
                messages = await aresolve_media(self, self._convert_input(input_).to_messages())
                yield self._prepare(messages, None, settings).body

        batches = GeminiBatches.from_model(self)
        model = kwargs.get("model") or self.model
        return await batches.asubmit(model, requests(), display_name=display_name, input_mode=input_mode)

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
        request: dict[str, Any] = dict(_to_gemini.build_contents(messages, self.model))
        if self.cached_content:
            request["cachedContent"] = self.cached_content
        if tools:
            from langchain_gemini._tools import convert_tools

            request["tools"] = convert_tools(tools, model=self.model, schema=self.schema_mode)
        if self.vertexai:
            # Vertex AI's countTokens takes the request's fields themselves (google-genai,
            # `_CountTokensParameters_to_vertex`; cloud.google.com/vertex-ai/generative-ai/docs/model-reference/
            # count-tokens), and no cached content.
            request.pop("cachedContent", None)
            return request
        # countTokens takes a whole GenerateContentRequest, so the count covers the system instruction and tools.
        return {"generateContentRequest": {"model": model_path(self.model), **request}}


def _default_thread_count() -> int:
    """langchain-core's pool size when no `max_concurrency` is set (a `ThreadPoolExecutor` default)."""
    return min(32, (os.cpu_count() or 1) + 4)
