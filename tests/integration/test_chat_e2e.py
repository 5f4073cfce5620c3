"""ChatGemini end to end over loopback against the emulator: streaming, async, errors, retries and faults."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage
from pydantic import BaseModel

from langchain_gemini import (
    ChatGemini,
    GeminiBadRequestError,
    GeminiConnectionError,
    GeminiContextOverflowError,
    GeminiNotFoundError,
    GeminiRateLimitError,
    GeminiServerError,
    GeminiStreamError,
)
from langchain_gemini.demo import main as demo_main
from langchain_gemini.testing import (
    BLOCK_PROMPT_TRIGGER,
    RECITATION_TRIGGER,
    SAFETY_TRIGGER,
    Fault,
    GeminiEmulator,
)
from tests.integration.conftest import EMULATOR_KEY

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def make(emulator: GeminiEmulator, **kwargs: Any) -> ChatGemini:
    kwargs.setdefault("model", "gemini-2.5-flash")
    return ChatGemini(api_key=EMULATOR_KEY, base_url=emulator.base_url, **kwargs)


def test_invoke_sends_exactly_what_was_asked(emulator: GeminiEmulator) -> None:
    model = make(emulator, temperature=0, max_tokens=256)
    answer = model.invoke([SystemMessage("Be brief."), HumanMessage("Hello\nthere")])
    assert answer.text
    assert answer.usage_metadata is not None
    assert answer.usage_metadata["total_tokens"] > 0
    sent = emulator.requests[-1]
    assert sent.headers["x-goog-api-key"] == EMULATOR_KEY
    assert "key" not in sent.query
    assert sent.json == {
        "contents": [{"role": "user", "parts": [{"text": "Hello\nthere"}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "generationConfig": {"temperature": 0.0, "maxOutputTokens": 256},
    }


def test_stream_arrives_in_many_chunks_with_usage_once(emulator: GeminiEmulator) -> None:
    emulator.configure(stream_events=12)
    chunks = list(make(emulator).stream("Tell me a story"))
    text_chunks = [c for c in chunks if c.text]
    assert len(text_chunks) >= 10
    assert sum(1 for c in chunks if c.usage_metadata) == 1
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert isinstance(full, AIMessageChunk)
    assert full.text == make(emulator).invoke("Tell me a story").text
    assert full.response_metadata["finish_reason"] == "STOP"
    assert full.response_metadata["model_name"] == "gemini-2.5-flash"


async def test_async_paths_and_concurrency(emulator: GeminiEmulator) -> None:
    model = make(emulator)
    answers = await model.abatch([f"question {i}" for i in range(20)], config={"max_concurrency": 8})
    assert len({a.text for a in answers}) == 20
    streamed = [chunk.text async for chunk in model.astream("hi")]
    assert "".join(streamed)


def test_one_instance_serves_two_event_loops(emulator: GeminiEmulator) -> None:
    model = make(emulator)
    first = asyncio.run(model.ainvoke("one"))
    second = asyncio.run(model.ainvoke("two"))
    assert first.text != second.text


def test_rate_limit_is_retried_after_the_server_delay(emulator: GeminiEmulator) -> None:
    emulator.inject(Fault(status=429, retry_delay="0.05s", times=1))
    answer = make(emulator).invoke("hi")
    assert answer.text
    assert len(emulator.requests) == 2


def test_per_day_quota_is_not_retried(emulator: GeminiEmulator) -> None:
    emulator.inject(Fault(status=429, quota_id="GenerateRequestsPerDayPerProjectPerModel-FreeTier", times=1))
    with pytest.raises(GeminiRateLimitError) as info:
        make(emulator).invoke("hi")
    assert info.value.is_retryable is False
    assert len(emulator.requests) == 1


def test_server_errors_exhaust_retries_then_raise(emulator: GeminiEmulator) -> None:
    emulator.inject(Fault(status=503, times=None, retry_delay="0.01s"))
    with pytest.raises(GeminiServerError) as info:
        make(emulator, max_retries=1).invoke("hi")
    assert info.value.status_code == 503
    assert str(info.value).startswith("503 UNAVAILABLE")
    assert len(emulator.requests) == 2


def test_dropped_connection_is_retried(emulator: GeminiEmulator) -> None:
    emulator.inject(Fault(kind="drop", times=1))
    assert make(emulator).invoke("hi").text
    assert len(emulator.requests) == 2


def test_dropped_connection_without_retries_raises_connection_error(emulator: GeminiEmulator) -> None:
    emulator.inject(Fault(kind="drop", times=1))
    with pytest.raises(GeminiConnectionError):
        make(emulator, max_retries=0).invoke("hi")


@pytest.mark.parametrize("kind", ["mid_stream_error", "mid_stream_raw_error"])
def test_mid_stream_errors_raise_after_the_first_chunks(emulator: GeminiEmulator, kind: str) -> None:
    emulator.configure(stream_events=6)
    emulator.inject(Fault(kind=kind, status=500, after_events=2, times=1))  # type: ignore[arg-type]
    received: list[str] = []

    def consume() -> None:
        for chunk in make(emulator).stream("hi"):
            received.append(chunk.text)

    with pytest.raises(GeminiServerError):
        consume()
    assert len(received) == 2
    assert len(emulator.requests) == 1


async def test_truncated_stream_raises(emulator: GeminiEmulator) -> None:
    emulator.configure(stream_events=6)
    emulator.inject(Fault(kind="truncate_stream", after_events=3, times=1))
    with pytest.raises(GeminiStreamError):
        async for _ in make(emulator).astream("hi"):
            pass


def test_stream_opening_is_retried(emulator: GeminiEmulator) -> None:
    emulator.inject(Fault(status=503, retry_delay="0.01s", times=1, method="streamGenerateContent"))
    assert "".join(c.text for c in make(emulator).stream("hi"))
    assert len(emulator.requests) == 2


def test_unknown_model_is_not_found(emulator: GeminiEmulator) -> None:
    with pytest.raises(GeminiNotFoundError) as info:
        make(emulator, model="gemini-9-imaginary").invoke("hi")
    assert info.value.status == "NOT_FOUND"


def test_context_overflow_is_classified(emulator: GeminiEmulator) -> None:
    huge = "word " * 4_300_000  # about 5.4M characters: over 2.5 Flash's 1,048,576-token window at ~4 chars/token
    with pytest.raises(GeminiContextOverflowError) as info:
        make(emulator, max_retries=0).invoke(huge[:20_000_000])
    assert isinstance(info.value, GeminiBadRequestError)


def test_blocked_prompt_and_early_finishes_are_explained(
    emulator: GeminiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    model = make(emulator)
    with caplog.at_level(logging.WARNING, logger="langchain_gemini"):
        blocked = model.invoke(f"please {BLOCK_PROMPT_TRIGGER}")
        unsafe = model.invoke(f"please {SAFETY_TRIGGER}")
        recited = model.invoke(f"please {RECITATION_TRIGGER}")
    assert blocked.text == ""
    assert blocked.response_metadata["prompt_feedback"]["block_reason"] == "SAFETY"
    assert unsafe.response_metadata["finish_reason"] == "SAFETY"
    assert unsafe.response_metadata["safety_ratings"]
    assert recited.response_metadata["finish_reason"] == "RECITATION"
    assert "citation_metadata" in recited.response_metadata
    assert "block_reason=SAFETY" in caplog.text
    assert "finish_reason=RECITATION" in caplog.text


def test_stream_of_blocked_prompt_ends_with_feedback(emulator: GeminiEmulator) -> None:
    chunks = list(make(emulator).stream(f"please {BLOCK_PROMPT_TRIGGER}"))
    assert chunks[-1].response_metadata["prompt_feedback"]["block_reason"] == "SAFETY"


def test_invalid_settings_on_the_wire_are_rejected_by_the_emulator(emulator: GeminiEmulator) -> None:
    # model_kwargs are sent as given: the emulator holds them to Google's rules, as the real API would.
    with pytest.raises(GeminiBadRequestError) as info:
        make(emulator, model_kwargs={"not_a_field": 1}).invoke("hi")
    assert "notAField" in str(info.value)  # sent camelCased, as all our fields are


def test_token_counting_matches_the_prompt(emulator: GeminiEmulator) -> None:
    model = make(emulator)
    short = model.get_num_tokens_from_messages([HumanMessage("hi")])
    longer = model.get_num_tokens_from_messages([SystemMessage("You are a pirate. " * 20), HumanMessage("hi")])
    assert 0 < short < longer


def test_tool_calling_round_trip(emulator: GeminiEmulator) -> None:
    def get_weather(city: str) -> str:
        """Get the weather for a city."""
        return f"Sunny in {city}"

    model = make(emulator).bind_tools([get_weather])
    question = HumanMessage("What is the weather in 'Paris'?")
    first = model.invoke([question])
    assert first.tool_calls[0]["name"] == "get_weather"
    assert first.tool_calls[0]["args"] == {"city": "Paris"}
    from langchain_core.messages import ToolMessage

    result = ToolMessage(get_weather(**first.tool_calls[0]["args"]), tool_call_id=first.tool_calls[0]["id"])
    second = model.invoke([question, first, result])
    assert second.text
    assert not second.tool_calls


class Joke(BaseModel):
    setup: str
    punchline: str


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_structured_output_methods(emulator: GeminiEmulator, method: str) -> None:
    runnable = make(emulator).with_structured_output(Joke, method=method)  # type: ignore[arg-type]
    joke = runnable.invoke("Tell me a joke with a 'setup' and a 'punchline'.")
    assert isinstance(joke, Joke)


class Invoice(BaseModel):
    """An invoice."""

    number: str
    total: float


def test_json_mode_with_a_schema_extracts_with_the_schema(emulator: GeminiEmulator) -> None:
    # The prompt names no keys: only the schema on the wire can make the answer an Invoice.
    extract = make(emulator).with_structured_output(Invoice, method="json_mode")
    invoice = extract.invoke("Invoice INV-7 comes to 12.50 EUR.")
    assert isinstance(invoice, Invoice)
    assert emulator.requests[-1].json["generationConfig"] == {
        "responseMimeType": "application/json",
        "responseJsonSchema": Invoice.model_json_schema(),
    }


def test_demo_runs_against_the_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    out = io.StringIO()
    demo_main(out)
    text = out.getvalue()
    assert "using the bundled Gemini emulator" in text
    for label in ("invoke ->", "stream ->", "batch  ->", "ainvoke ->", "astream ->"):
        assert label in text
