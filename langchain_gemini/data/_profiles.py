"""LangChain `ModelProfile`s, derived from the model table (`langchain_gemini._models`): one owner for each fact.

Every model the table knows, and every id it resolves by parsing (a future `gemini-3.9-flash`, a `-latest` alias, a
tuned model), gets a profile. The structured-output flags are the ones LangChain reads: `structured_output` makes
`create_agent(response_format=...)` choose `ProviderStrategy` (Gemini's native JSON schema output); Gemini has no
system role inside `contents`, so `mid_conversation_system_messages` is False (see docs/chat.md).
"""

from __future__ import annotations

from typing import Any

from langchain_gemini._models import UNKNOWN, ModelFacts, facts_for

_INPUT_FLAGS = {"text": "text_inputs", "image": "image_inputs", "audio": "audio_inputs", "video": "video_inputs"}


def profile_of(facts: ModelFacts) -> dict[str, Any]:
    """The LangChain profile for one row of the model table."""
    profile: dict[str, Any] = {"name": facts.name}
    if facts.status != "unknown":
        profile["status"] = facts.status
    if facts.max_input_tokens is not None:
        profile["max_input_tokens"] = facts.max_input_tokens
    if facts.max_output_tokens is not None:
        profile["max_output_tokens"] = facts.max_output_tokens
    for modality, flag in _INPUT_FLAGS.items():
        profile[flag] = modality in facts.inputs
    profile["pdf_inputs"] = "pdf" in facts.inputs
    profile["image_url_inputs"] = "image" in facts.inputs
    profile["image_tool_message"] = facts.tool_calling and "image" in facts.inputs
    profile["pdf_tool_message"] = facts.tool_calling and "pdf" in facts.inputs
    profile["attachment"] = len(facts.inputs) > 1
    for modality in ("text", "image", "audio", "video"):
        profile[f"{modality}_outputs"] = modality in facts.outputs
    thinking = facts.thinking
    profile["reasoning_output"] = thinking is not None and thinking != "unknown"
    if thinking is not None and thinking != "unknown" and thinking.levels:
        profile["reasoning_effort_levels"] = list(thinking.levels)
    profile["tool_calling"] = facts.tool_calling
    profile["tool_choice"] = facts.tool_calling
    profile["tool_call_streaming"] = facts.tool_calling
    profile["structured_output"] = facts.structured_output
    profile["temperature"] = facts.family not in ("tts", "embedding")
    profile["mid_conversation_system_messages"] = False
    return profile


def get_profile(model: str) -> dict[str, Any] | None:
    """The profile for a model id (`models/`, `tunedModels/`, dated suffixes, future versions), or None.

    None is for a name the table cannot place (`my-model`): no profile rather than a guess.
    """
    facts = facts_for(model)
    return None if facts is UNKNOWN else profile_of(facts)
