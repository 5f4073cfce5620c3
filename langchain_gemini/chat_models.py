"""`ChatGemini`: the LangChain chat model for the Gemini Developer API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LangSmithParams, ModelProfile
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.utils.utils import _build_model_kwargs, get_pydantic_field_names
from pydantic import Field, model_validator

from langchain_gemini import _from_gemini, _to_gemini
from langchain_gemini._base import GeminiClientSettings
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
    merge_params,
)
from langchain_gemini._tools import tools_to_wire
from langchain_gemini._version import __version__
from langchain_gemini._wire import GenerateContentRequest
from langchain_gemini.data._profiles import get_profile
from langchain_gemini.safety import SafetySettingsInput, to_safety_settings


@dataclass(frozen=True)
class _PreparedCall:
    model: str
    body: GenerateContentRequest
    timeout: float | None
    max_retries: int | None

    def path(self, method: str) -> str:
        return f"{model_path(self.model)}:{method}"


def model_path(model: str) -> str:
    """`gemini-2.5-flash` -> `models/gemini-2.5-flash`; names that already carry a collection are kept."""
    return model if "/" in model else f"models/{model}"


class ChatGemini(GeminiClientSettings, BaseChatModel):
    """Chat model for Google's Gemini Developer API.

    Example:
        ```python
        from langchain_gemini import ChatGemini

        model = ChatGemini(model="gemini-2.5-flash")  # key from GOOGLE_API_KEY or GEMINI_API_KEY
        print(model.invoke("Say hello in French").text)
        ```

    Settings left as `None` are not sent, so the API's own defaults apply. Every generation setting can also be
    passed per call (`model.invoke(..., temperature=0)`); an unknown keyword raises a `ValueError` naming it.
    Errors are the classes in `langchain_gemini.errors`, each also the matching `langchain_core.exceptions` class.
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

    streaming: bool = False
    """If True, `invoke` streams under the hood (callbacks receive tokens as they arrive)."""

    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Request fields this class does not model yet, sent as given: `generationConfig` fields (e.g.
    `{"response_logprobs": True}`) or request-level ones (`tools`, `tool_config`, ...). Unknown constructor
    arguments are moved here with a warning."""

    @model_validator(mode="before")
    @classmethod
    def _collect_model_kwargs(cls, values: Any) -> Any:
        if isinstance(values, dict):
            return _build_model_kwargs(values, get_pydantic_field_names(cls))
        return values

    @model_validator(mode="after")
    def _check_settings(self) -> ChatGemini:
        if self.safety_settings is not None:
            to_safety_settings(self.safety_settings)  # raises with the offending field named
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
        return _PreparedCall(
            model=overrides.model or self.model,
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

    # -- token counting ------------------------------------------------------------------------------------------

    def get_num_tokens(self, text: str) -> int:
        """Count the tokens of `text` as one user message, with the `countTokens` endpoint."""
        return self.get_num_tokens_from_messages([HumanMessage(text)])

    def get_num_tokens_from_messages(self, messages: list[BaseMessage], tools: Sequence[Any] | None = None) -> int:
        """Count prompt tokens with the `countTokens` endpoint: system instruction and tools included.

        Args:
            messages: The conversation to count.
            tools: Tools as accepted by `bind_tools`; they count toward the prompt.
        """
        body = self._count_tokens_body(messages, tools)
        response = self._client.request_json("POST", f"{model_path(self.model)}:countTokens", body=body)
        return int(response.get("totalTokens", 0))

    async def aget_num_tokens_from_messages(
        self, messages: list[BaseMessage], tools: Sequence[Any] | None = None
    ) -> int:
        """Async `get_num_tokens_from_messages`."""
        body = self._count_tokens_body(messages, tools)
        response = await self._client.arequest_json("POST", f"{model_path(self.model)}:countTokens", body=body)
        return int(response.get("totalTokens", 0))

    def _count_tokens_body(self, messages: list[BaseMessage], tools: Sequence[Any] | None) -> dict[str, Any]:
        request = _to_gemini.build_request(messages, {"cached_content": self.cached_content})
        if tools:
            request["tools"] = tools_to_wire(tools)
        # countTokens takes a whole GenerateContentRequest, so the count covers the system instruction and tools.
        return {"generateContentRequest": {"model": model_path(self.model), **request}}
