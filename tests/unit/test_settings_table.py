"""The settings table: every setting reaches the wire at its place, set on the instance and set per call."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gemini import ChatGemini
from langchain_gemini._settings import SETTINGS
from tests.unit.fake_gemini import FakeGemini

MODEL = "gemini-3-flash-preview"  # thinks by level, takes every generation setting below
# One sample per setting: (value, path of the wire value in the body, the wire value). Adding a setting to the
# table without a sample here, or removing one from the table, fails `test_every_setting_has_a_sample`.
SAMPLES: dict[str, tuple[Any, tuple[str, ...], Any]] = {
    "temperature": (0.3, ("generationConfig", "temperature"), 0.3),
    "top_p": (0.9, ("generationConfig", "topP"), 0.9),
    "top_k": (7, ("generationConfig", "topK"), 7),
    "max_output_tokens": (99, ("generationConfig", "maxOutputTokens"), 99),
    "stop": (("END",), ("generationConfig", "stopSequences"), ["END"]),
    "seed": (11, ("generationConfig", "seed"), 11),
    "presence_penalty": (0.5, ("generationConfig", "presencePenalty"), 0.5),
    "frequency_penalty": (-0.5, ("generationConfig", "frequencyPenalty"), -0.5),
    "candidate_count": (1, ("generationConfig", "candidateCount"), 1),
    "response_mime_type": ("text/plain", ("generationConfig", "responseMimeType"), "text/plain"),
    "response_logprobs": (True, ("generationConfig", "responseLogprobs"), True),
    "logprobs": (3, ("generationConfig", "logprobs"), 3),
    "safety_settings": (
        {"HARM_CATEGORY_HARASSMENT": "BLOCK_NONE"},
        ("safetySettings",),
        [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    ),
    "cached_content": ("cachedContents/abc", ("cachedContent",), "cachedContents/abc"),
    "service_tier": ("flex", ("serviceTier",), "flex"),
    "labels": ({"team": "search"}, ("labels",), {"team": "search"}),
    "store": (False, ("store",), False),
    "thinking_budget": (1024, ("generationConfig", "thinkingConfig", "thinkingBudget"), 1024),
    "thinking_level": ("minimal", ("generationConfig", "thinkingConfig", "thinkingLevel"), "MINIMAL"),
    "reasoning_effort": ("medium", ("generationConfig", "thinkingConfig", "thinkingLevel"), "MEDIUM"),
    "include_thoughts": (True, ("generationConfig", "thinkingConfig", "includeThoughts"), True),
    "response_schema": (
        {"type": "object", "properties": {"a": {"type": "integer"}}},
        ("generationConfig", "responseJsonSchema"),
        {"type": "object", "properties": {"a": {"type": "integer"}}},
    ),
    "schema_mode": (
        "openapi",
        ("generationConfig", "responseSchema"),
        {"type": "OBJECT", "properties": {"a": {"type": "INTEGER"}}, "propertyOrdering": ["a"]},
    ),
    "response_modalities": (["TEXT"], ("generationConfig", "responseModalities"), ["TEXT"]),
    "speech_config": (
        "Kore",
        ("generationConfig", "speechConfig"),
        {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}},
    ),
    "image_config": ({"aspect_ratio": "16:9"}, ("generationConfig", "imageConfig"), {"aspectRatio": "16:9"}),
    "media_resolution": ("low", ("generationConfig", "mediaResolution"), "MEDIA_RESOLUTION_LOW"),
    "enable_enhanced_civic_answers": (True, ("generationConfig", "enableEnhancedCivicAnswers"), True),
    "audio_timestamp": (True, ("generationConfig", "audioTimestamp"), True),
}
# Settings that need a partner to be sent (a schema for schema_mode, a schema for JSON output).
PARTNERS: dict[str, dict[str, Any]] = {
    "schema_mode": {"response_schema": {"type": "object", "properties": {"a": {"type": "integer"}}}},
    "response_mime_type": {},
}


def _at(body: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = body
    for key in path:
        assert isinstance(value, dict), (path, body)
        assert key in value, (path, body)
        value = value[key]
    return value


def test_every_setting_has_a_sample() -> None:
    assert list(SAMPLES) == list(SETTINGS)


def _backend(name: str) -> dict[str, Any]:
    # Vertex-only settings are sent by a Vertex AI model (here in express mode: FakeGemini's key, no project).
    return {"vertexai": True} if SETTINGS[name].only == "vertex" else {}


def _value(name: str) -> Any:
    value = SAMPLES[name][0]
    return list(value) if isinstance(value, tuple) else value


@pytest.mark.parametrize("name", list(SETTINGS))
def test_setting_reaches_its_place_from_the_instance(name: str) -> None:
    fake = FakeGemini()
    # thinking_budget is a 2.5-style setting: send it where a budget is checked against a range.
    model = "gemini-2.5-flash" if name == "thinking_budget" else MODEL
    fake.model(model=model, **{name: _value(name)}, **PARTNERS.get(name, {}), **_backend(name)).invoke("hi")
    _, path, wire = SAMPLES[name]
    assert _at(fake.bodies()[0], path) == wire


@pytest.mark.parametrize("name", [name for name, wire in SETTINGS.items() if wire.per_call])
def test_setting_reaches_its_place_per_call(name: str) -> None:
    fake = FakeGemini()
    model = "gemini-2.5-flash" if name == "thinking_budget" else MODEL
    fake.model(model=model, **_backend(name)).invoke("hi", **{name: _value(name)}, **PARTNERS.get(name, {}))
    _, path, wire = SAMPLES[name]
    assert _at(fake.bodies()[0], path) == wire
    # An unset setting is not sent at all.
    fake.model(model=model, **_backend(name)).invoke("hi")
    assert path[-1] not in str(fake.bodies()[1])


def test_aliases_are_accepted_at_both_levels() -> None:
    fake = FakeGemini()
    fake.model(max_tokens=5, stop_sequences=["X"], n=1).invoke("hi")
    fake.model().invoke("hi", max_tokens=6, stop_sequences=["Y"], n=1)
    first, second = (body["generationConfig"] for body in fake.bodies())
    assert first == {"maxOutputTokens": 5, "stopSequences": ["X"], "candidateCount": 1}
    assert second == {"maxOutputTokens": 6, "stopSequences": ["Y"], "candidateCount": 1}
    with pytest.raises(ValueError, match="max_tokens and max_output_tokens are the same setting"):
        fake.model().invoke("hi", max_tokens=6, max_output_tokens=7)


def test_model_kwargs_go_where_the_api_defines_them() -> None:
    # These three belong at the top level; they used to land inside generationConfig (a 400 from Google).
    fake = FakeGemini()
    model_kwargs = {"service_tier": "flex", "labels": {"a": "b"}, "store": False, "response_logprobs": True}
    with pytest.warns(UserWarning, match="should be specified explicitly"):
        model = fake.model(model_kwargs=model_kwargs)
    model.invoke("hi", model_kwargs={"retrieval_config": {"languageCode": "en"}, "thinking_budget": 0})
    body = fake.bodies()[0]
    assert (body["serviceTier"], body["labels"], body["store"]) == ("flex", {"a": "b"}, False)
    assert body["generationConfig"] == {"responseLogprobs": True, "thinkingConfig": {"thinkingBudget": 0}}
    assert body["toolConfig"] == {"retrievalConfig": {"languageCode": "en"}}


def test_unknown_per_call_keys_that_are_api_fields_are_sent() -> None:
    fake = FakeGemini()
    fake.model().invoke("hi", audio_transcription_config={}, continuation_token="t")
    body = fake.bodies()[0]
    assert body["generationConfig"] == {"audioTranscriptionConfig": {}}
    assert body["continuationToken"] == "t"
    with pytest.raises(ValueError, match="temprature"):
        fake.model().invoke("hi", temprature=1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"service_tier": "slow"}, "service_tier"),
        ({"logprobs": 21}, "logprobs"),
        ({"labels": {"a": 1}}, "labels"),
        ({"store": "maybe"}, "store"),
    ],
)
def test_new_settings_are_validated_before_any_request(kwargs: dict[str, Any], field: str) -> None:
    fake = FakeGemini()
    with pytest.raises(ValueError, match=field):
        ChatGemini(model="gemini-2.5-flash", api_key="k", **kwargs)
    with pytest.raises(ValueError, match=field):
        fake.model().invoke("hi", **kwargs)
    assert fake.requests == []
