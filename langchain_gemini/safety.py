"""Safety settings: the harm categories and block thresholds Gemini accepts, and their validation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import Enum, StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator

from langchain_gemini._genai_types import plain_safety_settings
from langchain_gemini._wire import SafetySetting


class HarmCategory(StrEnum):
    """Harm categories Gemini models filter on (the PaLM-only legacy categories are rejected by Gemini)."""

    HARM_CATEGORY_HARASSMENT = "HARM_CATEGORY_HARASSMENT"
    """Harassment."""
    HARM_CATEGORY_HATE_SPEECH = "HARM_CATEGORY_HATE_SPEECH"
    """Hate speech."""
    HARM_CATEGORY_SEXUALLY_EXPLICIT = "HARM_CATEGORY_SEXUALLY_EXPLICIT"
    """Sexually explicit content."""
    HARM_CATEGORY_DANGEROUS_CONTENT = "HARM_CATEGORY_DANGEROUS_CONTENT"
    """Dangerous content."""
    HARM_CATEGORY_CIVIC_INTEGRITY = "HARM_CATEGORY_CIVIC_INTEGRITY"
    """Civic integrity: election-related queries."""


class HarmBlockThreshold(StrEnum):
    """How likely a harm must be before Gemini blocks the content."""

    BLOCK_LOW_AND_ABOVE = "BLOCK_LOW_AND_ABOVE"
    """Block most: only content with a NEGLIGIBLE probability of harm is allowed."""
    BLOCK_MEDIUM_AND_ABOVE = "BLOCK_MEDIUM_AND_ABOVE"
    """Block some: content with a NEGLIGIBLE or LOW probability of harm is allowed."""
    BLOCK_ONLY_HIGH = "BLOCK_ONLY_HIGH"
    """Block few: content with a NEGLIGIBLE, LOW or MEDIUM probability of harm is allowed."""
    BLOCK_NONE = "BLOCK_NONE"
    """Block none: content is shown whatever its probability of harm."""
    OFF = "OFF"
    """Turn the safety filter off for the category."""


SafetySettingsInput = Annotated[
    # A Sequence, not an Iterable: pydantic keeps an Iterable as a one-shot iterator, which the construction check
    # used up, so the list form was sent as an empty safetySettings.
    Mapping[HarmCategory | str, HarmBlockThreshold | str] | Sequence[Mapping[str, Any]],
    BeforeValidator(plain_safety_settings),
]
"""`safety_settings`: `{category: threshold}` (members or their string values) or `[{"category", "threshold"}]`.
google-genai's `HarmCategory` / `HarmBlockThreshold` members and `SafetySetting` objects are accepted too."""


def _member(enum: type[Enum], value: Any, field: str) -> str:
    raw = value.value if isinstance(value, Enum) else value
    allowed = sorted({str(member.value) for member in enum})
    if raw not in allowed:
        msg = f"safety_settings: {field} {raw!r} is not one of {', '.join(allowed)}"
        raise ValueError(msg)
    return str(raw)


def to_safety_settings(settings: SafetySettingsInput) -> list[SafetySetting]:
    """Validate settings given as `{category: threshold}` or `[{"category", "threshold"}]` and return wire form.

    Raises:
        ValueError: For an unknown category or threshold, or a category given twice.
    """
    pairs: Iterable[tuple[Any, Any]]
    settings = plain_safety_settings(settings)
    if isinstance(settings, Mapping):
        pairs = settings.items()
    else:
        for index, item in enumerate(settings):
            if extra := sorted(set(item) - {"category", "threshold"}):
                msg = f"safety_settings[{index}]: unknown fields {extra}; Gemini takes only category and threshold"
                raise ValueError(msg)
        pairs = [(item.get("category"), item.get("threshold")) for item in settings]
    result: list[SafetySetting] = []
    seen: set[str] = set()
    for category, threshold in pairs:
        name = _member(HarmCategory, category, "category")
        if name in seen:
            msg = f"safety_settings: category {name} is given more than once"
            raise ValueError(msg)
        seen.add(name)
        result.append({"category": name, "threshold": _member(HarmBlockThreshold, threshold, "threshold")})
    return result
