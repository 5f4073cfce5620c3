"""Thinking settings: mapped to thinkingConfig and checked against each model before any request."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gemini._thinking import thinking_config
from tests.unit.fake_gemini import FakeGemini


def config(model: str, **kwargs: Any) -> dict[str, Any] | None:
    settings = {"budget": None, "level": None, "reasoning_effort": None, "include_thoughts": None, **kwargs}
    return thinking_config(model, **settings)


def test_nothing_set_sends_nothing() -> None:
    assert config("gemini-2.5-flash") is None


@pytest.mark.parametrize(
    ("model", "kwargs", "expected"),
    [
        ("gemini-2.5-flash", {"budget": 0}, {"thinkingBudget": 0}),
        ("gemini-2.5-flash", {"budget": -1, "include_thoughts": True}, {"thinkingBudget": -1, "includeThoughts": True}),
        ("gemini-2.5-pro", {"budget": 128}, {"thinkingBudget": 128}),
        ("gemini-2.5-flash-lite", {"budget": 512}, {"thinkingBudget": 512}),
        ("gemini-2.5-flash-lite-preview-09-2025", {"budget": 0}, {"thinkingBudget": 0}),
        ("gemini-3-pro-preview", {"level": "low"}, {"thinkingLevel": "LOW"}),
        ("gemini-3-pro-preview", {"reasoning_effort": "high"}, {"thinkingLevel": "HIGH"}),
        ("gemini-2.5-flash", {"reasoning_effort": "medium"}, {"thinkingBudget": 8192}),
        ("gemini-2.5-flash", {"reasoning_effort": "none"}, {"thinkingBudget": 0}),
        ("gemini-2.5-pro", {"reasoning_effort": "low"}, {"thinkingBudget": 1024}),
        ("my-custom-model", {"budget": 99999}, {"thinkingBudget": 99999}),
    ],
)
def test_settings_map_to_thinking_config(model: str, kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    assert config(model, **kwargs) == expected


@pytest.mark.parametrize(
    ("model", "kwargs", "fragment"),
    [
        ("gemini-2.0-flash", {"budget": 100}, "does not think"),
        ("gemini-2.0-flash", {"include_thoughts": True}, "does not think"),
        ("gemini-2.5-pro", {"budget": 0}, "cannot disable"),
        ("gemini-2.5-pro", {"budget": 64}, "outside"),
        ("gemini-2.5-flash", {"budget": 30000}, "outside"),
        ("gemini-2.5-flash-lite", {"budget": 100}, "outside"),
        ("gemini-2.5-flash", {"level": "low"}, "takes a thinking_budget"),
        ("gemini-3-pro-preview", {"level": "medium"}, "accepts low, high"),
        ("gemini-3-pro-preview", {"level": "low", "budget": 100}, "cannot be combined"),
        ("gemini-2.5-pro", {"reasoning_effort": "none"}, "cannot disable"),
        ("gemini-3-pro-preview", {"level": "low", "reasoning_effort": "high"}, "alias"),
    ],
)
def test_invalid_settings_raise(model: str, kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        config(model, **kwargs)


def test_instance_and_per_call_thinking_reach_the_wire_and_bad_values_send_nothing() -> None:
    fake = FakeGemini()
    model = fake.model(thinking_budget=1024, include_thoughts=True)
    model.invoke("hi")
    model.invoke("hi", thinking_budget=0)
    configs = [body["generationConfig"]["thinkingConfig"] for body in fake.bodies()]
    assert configs == [
        {"thinkingBudget": 1024, "includeThoughts": True},
        {"thinkingBudget": 0, "includeThoughts": True},
    ]
    with pytest.raises(ValueError, match="outside"):
        model.invoke("hi", thinking_budget=99999)
    assert len(fake.requests) == 2


def test_thinking_settings_the_model_cannot_take_fail_at_construction() -> None:
    from langchain_gemini import ChatGemini

    with pytest.raises(ValueError, match="does not think"):
        ChatGemini(model="gemini-2.0-flash", api_key="k", thinking_budget=100)
    with pytest.raises(ValueError, match="cannot disable"):
        ChatGemini(model="gemini-2.5-pro", api_key="k", thinking_budget=0)
