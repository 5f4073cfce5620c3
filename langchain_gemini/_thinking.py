"""Thinking settings -> `generationConfig.thinkingConfig`, validated against what each model accepts.

Sources:
* Budget ranges and levels per model: the model table (`_models.THINKING`); -1 means dynamic everywhere.
* `thinkingConfig` on a model that does not think is an error (GenerationConfig proto comment,
  ai.google.dev/api/generate-content#ThinkingConfig).
* Gemini 3 models take `thinkingLevel`; sending `thinkingLevel` together with `thinkingBudget` is a 400 (Gemini 3
  developer guide, "Thinking level"). Level names are the ThinkingLevel enum names of google-genai's `types.py`.
* `reasoning_effort` on budget-based models uses the mapping Google documents for its OpenAI-compatible endpoint
  (ai.google.dev/gemini-api/docs/openai#thinking): low 1,024, medium 8,192, high 24,576 tokens, none disables.
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_gemini._models import Thinking, facts_for

ThinkingLevel = Literal["minimal", "low", "medium", "high"]
ReasoningEffort = Literal["none", "minimal", "low", "medium", "high"]

DYNAMIC_BUDGET = -1
_EFFORT_BUDGETS = {"none": 0, "minimal": 512, "low": 1024, "medium": 8192, "high": 24576}


ThinkingSpec = Thinking


def spec_for(model: str) -> ThinkingSpec | Literal["unknown"] | None:
    """The model's thinking rules from the model table, None if it does not think, "unknown" for unknown models."""
    return facts_for(model).thinking


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
