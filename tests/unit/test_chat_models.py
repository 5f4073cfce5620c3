"""ChatGemini through its public API, against a scripted Gemini behind httpx.MockTransport."""

from __future__ import annotations

import asyncio
import json
import logging
import warnings
from typing import Any

import httpx
import pytest
from langchain_core.callbacks import UsageMetadataCallbackHandler
from langchain_core.load import dumpd, dumps
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage

from langchain_gemini import ChatGemini, GeminiStreamError
from tests.unit.fake_gemini import FAKE_KEY, FakeGemini, text_response


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def stream_events(texts: list[str], *, finish: str | None = "STOP", prompt: int = 5) -> list[dict[str, Any]]:
    events = []
    produced = 0
    for position, text in enumerate(texts):
        produced += 2
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}}
        if finish and position == len(texts) - 1:
            candidate["finishReason"] = finish
        usage = {"promptTokenCount": prompt, "candidatesTokenCount": produced, "totalTokenCount": prompt + produced}
        events.append(
            {
                "candidates": [candidate],
                "usageMetadata": usage,
                "modelVersion": "gemini-2.5-flash-002",
                "responseId": "r9",
            }
        )
    return events


def test_invoke_returns_text_usage_and_metadata() -> None:
    body = text_response("Bonjour\n", model="gemini-2.5-flash-001")
    body["candidates"][0]["safetyRatings"] = [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}]
    body["usageMetadata"] = {
        "promptTokenCount": 10,
        "cachedContentTokenCount": 4,
        "toolUsePromptTokenCount": 3,
        "candidatesTokenCount": 5,
        "thoughtsTokenCount": 7,
        "totalTokenCount": 25,
    }
    fake = FakeGemini(responses=[body])
    message = fake.model().invoke([SystemMessage("translate"), HumanMessage("Hello")])
    assert message.content == "Bonjour\n"
    assert message.id == "resp-1"
    assert message.usage_metadata == {
        "input_tokens": 13,
        "output_tokens": 12,
        "total_tokens": 25,
        "input_token_details": {"cache_read": 4},
        "output_token_details": {"reasoning": 7},
    }
    assert message.response_metadata["finish_reason"] == "STOP"
    assert message.response_metadata["model_name"] == "gemini-2.5-flash-001"
    assert message.response_metadata["model_provider"] == "gemini"
    assert message.response_metadata["response_id"] == "resp-1"
    assert message.response_metadata["safety_ratings"] == [
        {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}
    ]
    request = fake.requests[0]
    assert request.url.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert fake.bodies()[0] == {
        "contents": [{"role": "user", "parts": [{"text": "Hello"}]}],
        "systemInstruction": {"parts": [{"text": "translate"}]},
    }


def test_multiple_text_parts_are_joined_exactly() -> None:
    body = text_response("")
    body["candidates"][0]["content"]["parts"] = [{"text": "Hello\n"}, {"text": "World "}]
    assert FakeGemini(responses=[body]).model().invoke("hi").content == "Hello\nWorld "


def test_instance_settings_are_sent_and_per_call_values_win() -> None:
    fake = FakeGemini()
    model = fake.model(temperature=0.2, max_tokens=50, stop=["X"], top_k=4)
    model.invoke("hi", temperature=1.5, max_tokens=9, stop=["Y"], model="gemini-2.5-flash-lite")
    assert fake.bodies()[0]["generationConfig"] == {
        "temperature": 1.5,
        "topK": 4,
        "maxOutputTokens": 9,
        "stopSequences": ["Y"],
    }
    assert fake.requests[0].url.path.endswith("/models/gemini-2.5-flash-lite:generateContent")
    model.invoke("hi")
    assert fake.bodies()[1]["generationConfig"] == {
        "temperature": 0.2,
        "topK": 4,
        "maxOutputTokens": 50,
        "stopSequences": ["X"],
    }


def test_bound_settings_apply() -> None:
    fake = FakeGemini()
    fake.model().bind(seed=3, candidate_count=1).invoke("hi")
    assert fake.bodies()[0]["generationConfig"] == {"seed": 3, "candidateCount": 1}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"temperature": 3}, "temperature"),
        ({"top_p": 1.5}, "top_p"),
        ({"top_k": 0}, "top_k"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"candidate_count": 9}, "candidate_count"),
        ({"response_mime_type": "text/html"}, "response_mime_type"),
        ({"tempurature": 0.1}, "tempurature"),
    ],
)
def test_bad_call_arguments_fail_before_any_request(kwargs: dict[str, Any], field: str) -> None:
    fake = FakeGemini()
    with pytest.raises(ValueError, match=field):
        fake.model().invoke("hi", **kwargs)
    assert fake.requests == []


def test_too_many_stop_sequences_fail_before_any_request() -> None:
    fake = FakeGemini()
    with pytest.raises(ValueError, match="at most 5"):
        fake.model().invoke("hi", stop=list("abcdef"))
    assert fake.requests == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"temperature": -0.1}, "temperature"),
        ({"stop": list("abcdef")}, "stop"),
        ({"presence_penalty": 5}, "presence_penalty"),
    ],
)
def test_bad_constructor_arguments_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        ChatGemini(model="gemini-2.5-flash", api_key=FAKE_KEY, **kwargs)


def test_unknown_constructor_argument_goes_to_model_kwargs_and_is_sent() -> None:
    fake = FakeGemini()
    with pytest.warns(UserWarning, match="transferred to model_kwargs") as moved:
        model = fake.model(audio_transcription_config={}, include_server_side_tool_invocations=True)
    assert sorted(str(w.message).split()[1] for w in moved) == [
        "audio_transcription_config",
        "include_server_side_tool_invocations",
    ]
    model.invoke("hi")
    # Each goes where the API defines it: a GenerationConfig field inside generationConfig, a ToolConfig one there.
    assert fake.bodies()[0]["generationConfig"] == {"audioTranscriptionConfig": {}}
    assert fake.bodies()[0]["toolConfig"] == {"includeServerSideToolInvocations": True}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"temprature": 0.2}, "'temprature': did you mean 'temperature'?"),
        ({"max_token": 10}, "'max_token': did you mean 'max_tokens'?"),
        ({"response_logprob": True}, "'response_logprob': did you mean 'response_logprobs'?"),
        ({"request_timeout": 30}, "'request_timeout': use timeout"),
        ({"retries": 6}, "'retries': use max_retries"),
        ({"thinking_config": {"thinking_budget": 0}}, "'thinking_config': use thinking_budget"),
        ({"response_json_schema": {"type": "object"}}, "'response_json_schema': use response_schema"),
        ({"generation_config": {"temperature": 0}}, "'generation_config': pass the settings as arguments"),
        ({"model_name": "gemini-2.5-pro"}, "'model_name': use model"),
        ({"maxOutputTokens": 10}, "'maxOutputTokens': use max_output_tokens"),
        ({"system_instruction": "Be brief."}, "'system_instruction': use a SystemMessage"),
        ({"frobnicate": 1}, "'frobnicate': neither a ChatGemini field nor a Gemini request field"),
    ],
)
def test_unknown_constructor_arguments_fail_naming_what_to_write(kwargs: dict[str, Any], expected: str) -> None:
    fake = FakeGemini()
    with pytest.raises(TypeError) as caught:
        fake.model(**kwargs)
    assert str(caught.value).startswith(f"ChatGemini got unknown argument: {expected}")
    assert fake.requests == []


def test_every_unknown_constructor_argument_is_reported_at_once() -> None:
    with pytest.raises(TypeError) as caught:
        ChatGemini(model="gemini-2.5-flash", api_key=FAKE_KEY, temprature=0, request_timeout=5)
    assert str(caught.value) == (
        "ChatGemini got unknown arguments: 'temprature': did you mean 'temperature'?; "
        "'request_timeout': use timeout (seconds)"
    )


def test_langchain_standard_names_and_aliases_are_accepted() -> None:
    fake = FakeGemini()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no argument below is moved to model_kwargs
        model = fake.model(
            api_key=FAKE_KEY,
            temperature=0.5,
            max_tokens=64,
            timeout=30,
            stop=["END"],
            max_retries=1,
            n=1,
            model_kwargs={"audio_transcription_config": {}},
            callbacks=None,
            tags=["t"],
            metadata={"m": 1},
            rate_limiter=None,
            disable_streaming=False,
            output_version="v1",
            name="chat",
            cache=False,
        )
    model.invoke("hi")
    assert fake.bodies()[0]["generationConfig"] == {
        "temperature": 0.5,
        "maxOutputTokens": 64,
        "stopSequences": ["END"],
        "candidateCount": 1,
        "audioTranscriptionConfig": {},
    }


def test_blocked_prompt_is_visible_in_metadata_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    body = {
        "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []},
        "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 8},
        "modelVersion": "gemini-2.5-flash",
    }
    with caplog.at_level(logging.WARNING, logger="langchain_gemini"):
        message = FakeGemini(responses=[body]).model().invoke("bad")
    assert message.content == ""
    assert message.response_metadata["prompt_feedback"] == {"block_reason": "SAFETY", "safety_ratings": []}
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 8
    assert "block_reason=SAFETY" in caplog.text


@pytest.mark.parametrize("finish", ["SAFETY", "RECITATION", "MAX_TOKENS"])
def test_early_finish_is_visible_in_metadata_and_logs(finish: str, caplog: pytest.LogCaptureFixture) -> None:
    body = text_response("partial", finish=finish)
    with caplog.at_level(logging.WARNING, logger="langchain_gemini"):
        message = FakeGemini(responses=[body]).model().invoke("x")
    assert message.response_metadata["finish_reason"] == finish
    assert f"finish_reason={finish}" in caplog.text


def test_several_candidates_become_several_generations_with_usage_counted_once() -> None:
    body = text_response("one")
    body["candidates"].append(
        {"content": {"role": "model", "parts": [{"text": "two"}]}, "finishReason": "STOP", "index": 1}
    )
    result = FakeGemini(responses=[body]).model(n=2).generate([[HumanMessage("hi")]])
    generations = result.generations[0]
    assert [g.text for g in generations] == ["one", "two"]
    assert generations[0].message.usage_metadata is not None  # type: ignore[attr-defined]
    assert generations[1].message.usage_metadata is None  # type: ignore[attr-defined]


def test_stream_yields_chunks_and_reports_final_counts_once() -> None:
    fake = FakeGemini(streams=[stream_events(["Hel", "lo", " world\n"])])
    chunks = list(fake.model().stream("hi"))
    assert [c.content for c in chunks] == ["Hel", "lo", " world\n", ""]
    assert sum(1 for c in chunks if c.usage_metadata) == 1
    assert chunks[-1].chunk_position == "last"
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert isinstance(full, AIMessageChunk)
    assert full.content == "Hello world\n"
    assert full.usage_metadata == {
        "input_tokens": 5,
        "output_tokens": 6,
        "total_tokens": 11,
        "input_token_details": {"cache_read": 0},
        "output_token_details": {"reasoning": 0},
    }
    assert full.response_metadata["model_name"] == "gemini-2.5-flash-002"
    assert full.response_metadata["finish_reason"] == "STOP"
    request = fake.requests[0]
    assert request.url.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert request.url.params["alt"] == "sse"


def test_stream_without_finish_reason_raises() -> None:
    fake = FakeGemini(streams=[stream_events(["a", "b"], finish=None)])
    with pytest.raises(GeminiStreamError):
        list(fake.model().stream("hi"))


def test_streaming_invoke_merges_to_the_same_answer() -> None:
    fake = FakeGemini(streams=[stream_events(["a", "b"])])
    message = fake.model(streaming=True).invoke("hi")
    assert message.content == "ab"
    assert message.usage_metadata == {
        "input_tokens": 5,
        "output_tokens": 4,
        "total_tokens": 9,
        "input_token_details": {"cache_read": 0},
        "output_token_details": {"reasoning": 0},
    }


def test_usage_callback_counts_streamed_usage_once_per_model() -> None:
    fake = FakeGemini(streams=[stream_events(["a", "b", "c"])])
    handler = UsageMetadataCallbackHandler()
    for _ in fake.model().stream("hi", config={"callbacks": [handler]}):
        pass
    assert handler.usage_metadata == {
        "gemini-2.5-flash-002": {
            "input_tokens": 5,
            "output_tokens": 6,
            "total_tokens": 11,
            "input_token_details": {"cache_read": 0},
            "output_token_details": {"reasoning": 0},
        }
    }


def test_streaming_several_candidates_is_refused() -> None:
    fake = FakeGemini()
    with pytest.raises(ValueError, match="candidate_count > 1 cannot be streamed"):
        list(fake.model(n=2).stream("hi"))
    assert fake.requests == []


async def test_async_invoke_stream_and_batch() -> None:
    fake = FakeGemini(streams=[stream_events(["x", "y"])])
    model = fake.model()
    message = await model.ainvoke("hi")
    assert message.content == "ok"
    parts = [chunk.content async for chunk in model.astream("hi")]
    assert parts == ["x", "y", ""]
    answers = await model.abatch(["a", "b", "c"])
    assert [a.content for a in answers] == ["ok", "ok", "ok"]


def test_batch_sends_one_request_per_input() -> None:
    fake = FakeGemini()
    answers = fake.model().batch(["one", "two"])
    assert len(answers) == 2
    sent = sorted(body["contents"][0]["parts"][0]["text"] for body in fake.bodies())
    assert sent == ["one", "two"]


def test_async_works_from_two_event_loops() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=text_response("fine"))

    # No user-supplied async client: the model's own pool must follow the event loop.
    model = ChatGemini(model="gemini-2.5-flash", api_key=FAKE_KEY)
    transport = httpx.MockTransport(handler)
    original = httpx.AsyncClient.__init__

    def init(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
        kwargs["transport"] = transport
        original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx.AsyncClient, "__init__", init)
        assert asyncio.run(model.ainvoke("a")).content == "fine"
        assert asyncio.run(model.ainvoke("b")).content == "fine"


def test_token_counting_uses_count_tokens_with_system_and_tools() -> None:
    fake = FakeGemini()
    model = fake.model()

    def lookup(city: str) -> str:
        """Look up a city."""
        return city

    count = model.get_num_tokens_from_messages([SystemMessage("sys"), HumanMessage("hi")], tools=[lookup])
    assert count == 42
    request = fake.requests[0]
    assert request.url.path.endswith("/models/gemini-2.5-flash:countTokens")
    inner = fake.bodies()[0]["generateContentRequest"]
    assert inner["model"] == "models/gemini-2.5-flash"
    assert inner["systemInstruction"] == {"parts": [{"text": "sys"}]}
    assert inner["tools"][0]["functionDeclarations"][0]["name"] == "lookup"
    assert model.get_num_tokens("hello") == 42


async def test_async_token_counting() -> None:
    fake = FakeGemini()
    assert await fake.model().aget_num_tokens_from_messages([HumanMessage("hi")]) == 42


def test_key_resolution_prefers_google_api_key_and_strips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-key")
    assert ChatGemini(model="m").google_api_key.get_secret_value() == "gemini-key"  # type: ignore[union-attr]
    monkeypatch.setenv("GOOGLE_API_KEY", "  google-key\n")
    assert ChatGemini(model="m").google_api_key.get_secret_value() == "google-key"  # type: ignore[union-attr]
    assert ChatGemini(model="m", api_key=" explicit ").google_api_key.get_secret_value() == "explicit"  # type: ignore[union-attr]


def test_missing_key_names_both_variables_before_any_request() -> None:
    model = ChatGemini(model="gemini-2.5-flash")
    with pytest.raises(ValueError, match="GOOGLE_API_KEY or GEMINI_API_KEY"):
        model.invoke("hi")


def test_empty_key_is_rejected() -> None:
    with pytest.raises(ValueError, match="api_key is empty"):
        ChatGemini(model="m", api_key="   ")


@pytest.mark.parametrize(
    "url", ["https://x.example/?key=abc", "https://user:pw@x.example", "ftp://x.example", "not a url"]
)
def test_unsafe_or_invalid_base_url_is_rejected_without_echo(url: str) -> None:
    with pytest.raises(ValueError, match="base_url") as info:
        ChatGemini(model="m", api_key=FAKE_KEY, base_url=url)
    assert "abc" not in str(info.value)
    assert "pw" not in str(info.value)


def test_base_url_and_api_version_shape_the_path() -> None:
    fake = FakeGemini()
    fake.model(base_url="https://proxy.example/gemini/", api_version="v1").invoke("hi")
    assert str(fake.requests[0].url) == "https://proxy.example/gemini/v1/models/gemini-2.5-flash:generateContent"


def test_key_travels_only_in_header_and_never_in_reprs_or_dumps() -> None:
    fake = FakeGemini()
    model = fake.model()
    model.invoke("hi")
    request = fake.requests[0]
    assert request.headers["x-goog-api-key"] == FAKE_KEY
    assert FAKE_KEY not in str(request.url)
    for text in (repr(model), str(model), str(model.model_dump()), dumps(model), repr(model._client)):
        assert FAKE_KEY not in text
    serialized = dumpd(model)
    assert serialized["kwargs"]["google_api_key"] == {"lc": 1, "type": "secret", "id": ["GOOGLE_API_KEY"]}


def test_identifying_and_tracing_params() -> None:
    model = ChatGemini(model="models/gemini-2.5-flash", api_key=FAKE_KEY, temperature=0.3, max_tokens=20, stop=["a"])
    assert model._identifying_params == {
        "model": "models/gemini-2.5-flash",
        "temperature": 0.3,
        "max_output_tokens": 20,
        "stop": ["a"],
    }
    ls = model._get_ls_params()
    assert ls["ls_provider"] == "google_genai"
    assert ls["ls_model_name"] == "gemini-2.5-flash"
    assert ls["ls_max_tokens"] == 20
    assert ls["ls_stop"] == ["a"]
    assert model._llm_type == "gemini-chat"
    assert FAKE_KEY not in json.dumps(model._identifying_params)


def test_profile_for_known_and_unknown_models() -> None:
    assert ChatGemini(model="gemini-2.5-flash", api_key=FAKE_KEY).profile["max_input_tokens"] == 1_048_576  # type: ignore[index]
    assert ChatGemini(model="gemini-2.0-flash-lite-001", api_key=FAKE_KEY).profile["tool_calling"] is False  # type: ignore[index]
    assert not ChatGemini(model="my-tuned-thing", api_key=FAKE_KEY).profile


def test_history_with_tool_calls_is_sent() -> None:
    fake = FakeGemini()
    ai = AIMessage("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}])
    from langchain_core.messages import ToolMessage

    fake.model().invoke([HumanMessage("q"), ai, ToolMessage("3", tool_call_id="c1")])
    contents = fake.bodies()[0]["contents"]
    assert contents[1] == {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {"a": 1}, "id": "c1"}}]}
    assert contents[2] == {
        "role": "user",
        "parts": [{"functionResponse": {"name": "f", "response": {"result": 3}, "id": "c1"}}],
    }


def test_speech_only_models_ask_for_audio_unless_told_otherwise() -> None:
    fake = FakeGemini()
    fake.model(model="gemini-2.5-flash-preview-tts").invoke("Say hi")
    assert fake.bodies()[0]["generationConfig"]["responseModalities"] == ["AUDIO"]
    fake.model(model="gemini-2.5-flash").invoke("Say hi")
    assert "generationConfig" not in fake.bodies()[1]


def test_blocked_prompt_message_keeps_the_response_id() -> None:
    body = {"promptFeedback": {"blockReason": "OTHER"}, "responseId": "blocked-1"}
    assert FakeGemini(responses=[body]).model().invoke("x").id == "blocked-1"
