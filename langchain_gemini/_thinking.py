"""Thinking settings -> `generationConfig.thinkingConfig`, validated against what each model accepts.

Sources:
* Budget ranges per model: the thinking page of the Gemini API docs (reference section 8.2): 2.5 Pro 128-32768 and
  cannot be disabled; 2.5 Flash 0-24576; 2.5 Flash-Lite 512-24576 or 0 to disable; -1 means dynamic everywhere.
* `thinkingConfig` on a model that does not think is an error (GenerationConfig proto comment, reference 8.2).
* Gemini 3 models take `thinkingLevel`; sending `thinkingLevel` together with `thinkingBudget` is a 400 (Gemini 3
  developer guide, "Thinking level"). Level names are the ThinkingLevel enum names of google-genai's `types.py`.
* `reasoning_effort` on budget-based models uses the mapping Google documents for its OpenAI-compatible endpoint
  (reference section 8.2): low 1,024, medium 8,192, high 24,576 tokens, none disables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ThinkingLevel = Literal["minimal", "low", "medium", "high"]
ReasoningEffort = Literal["none", "minimal", "low", "medium", "high"]

DYNAMIC_BUDGET = -1
_EFFORT_BUDGETS = {"none": 0, "minimal": 512, "low": 1024, "medium": 8192, "high": 24576}


@dataclass(frozen=True)
class ThinkingSpec:
    """What a model accepts: a budget range (None for level-only models) and the thinking levels."""

    budget_range: tuple[int, int] | None
    can_disable: bool
    levels: tuple[str, ...] = ()


# Longest prefix wins, so dated and suffixed ids (`gemini-2.5-flash-preview-09-2025`) find their family.
_SPECS: dict[str, ThinkingSpec | None] = {
    "gemini-3-pro": ThinkingSpec(None, can_disable=False, levels=("low", "high")),
    "gemini-3-flash": ThinkingSpec(None, can_disable=False, levels=("minimal", "low", "medium", "high")),
    "gemini-2.5-pro": ThinkingSpec((128, 32768), can_disable=False),
    "gemini-2.5-flash-lite": ThinkingSpec((512, 24576), can_disable=True),
    "gemini-2.5-flash-image": None,
    "gemini-2.5-flash-preview-tts": None,
    "gemini-2.5-flash": ThinkingSpec((1, 24576), can_disable=True),
    "gemini-2.0": None,
    "gemini-1.5": None,
}


def spec_for(model: str) -> ThinkingSpec | Literal["unknown"] | None:
    """The model's thinking spec, None if it does not think, or "unknown" for models we have no data on."""
    name = model.removeprefix("models/")
    for prefix in sorted(_SPECS, key=len, reverse=True):
        if name.startswith(prefix):
            return _SPECS[prefix]
    return "unknown"


def thinking_config(
    model: str,
    *,
    budget: int | None,
    level: str | None,
    reasoning_effort: str | None,
    include_thoughts: bool | None,
) -> dict[str, Any] | None:
    """Build thinkingConfig for `model`, or None when nothing is set.

    Raises:
        ValueError: When a setting is out of the model's range, or budget and level are combined.
    """
    spec = spec_for(model)
    if reasoning_effort is not None:
        if level is not None and level != reasoning_effort:
            msg = "reasoning_effort is an alias of thinking_level; pass only one"
            raise ValueError(msg)
        if isinstance(spec, ThinkingSpec) and spec.budget_range is not None and budget is None:
            budget = _effort_budget(reasoning_effort, spec)
        else:
            level = reasoning_effort
    if budget is None and level is None and include_thoughts is None:
        return None
    if spec is None:
        msg = f"thinking settings: model {model!r} does not think (the API rejects thinkingConfig for it)"
        raise ValueError(msg)
    if budget is not None and level is not None:
        msg = "thinking_budget and thinking_level cannot be combined (the API rejects both in one request)"
        raise ValueError(msg)
    config: dict[str, Any] = {}
    if budget is not None:
        _check_budget(model, budget, spec)
        config["thinkingBudget"] = budget
    if level is not None:
        _check_level(model, level, spec)
        config["thinkingLevel"] = level.upper()
    if include_thoughts is not None:
        config["includeThoughts"] = include_thoughts
    return config


def _effort_budget(effort: str, spec: ThinkingSpec) -> int:
    if effort == "none":
        if not spec.can_disable:
            msg = "reasoning_effort='none': this model cannot disable thinking"
            raise ValueError(msg)
        return 0
    if effort not in _EFFORT_BUDGETS:
        msg = f"reasoning_effort must be one of {', '.join(_EFFORT_BUDGETS)}"
        raise ValueError(msg)
    low, high = spec.budget_range or (0, 0)
    return min(max(_EFFORT_BUDGETS[effort], low), high)


def _check_budget(model: str, budget: int, spec: ThinkingSpec | Literal["unknown"]) -> None:
    if not isinstance(spec, ThinkingSpec) or spec.budget_range is None or budget == DYNAMIC_BUDGET:
        return
    low, high = spec.budget_range
    if budget == 0:
        if not spec.can_disable:
            msg = f"thinking_budget=0: {model} cannot disable thinking (use -1 for dynamic, or {low}-{high})"
            raise ValueError(msg)
        return
    if not low <= budget <= high:
        msg = (
            f"thinking_budget={budget} is outside {model}'s range {low}-{high} (0 disables where allowed, -1: dynamic)"
        )
        raise ValueError(msg)


def _check_level(model: str, level: str, spec: ThinkingSpec | Literal["unknown"]) -> None:
    if not isinstance(spec, ThinkingSpec):
        return
    if not spec.levels:
        msg = f"thinking_level: {model} takes a thinking_budget, not a level"
        raise ValueError(msg)
    if level not in spec.levels:
        msg = f"thinking_level={level!r}: {model} accepts {', '.join(spec.levels)}"
        raise ValueError(msg)
