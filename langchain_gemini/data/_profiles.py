"""Model profiles for current Gemini models, written by hand from the API docs (reference section 14).

Limits for the 2.5 and 2.0 families come from the Gemini models page as digested in the project's reference
(`inputTokenLimit` 1,048,576; `outputTokenLimit` 65,536 for 2.5, 8,192 for 2.0). Capabilities come from the
per-feature tables there (function calling is absent on 2.0 Flash-Lite; thinking on all 2.5 and 3 models).
"""

from __future__ import annotations

from typing import Any

_MULTIMODAL_IN = {
    "text_inputs": True,
    "image_inputs": True,
    "image_url_inputs": True,
    "pdf_inputs": True,
    "audio_inputs": True,
    "video_inputs": True,
    "image_tool_message": True,
    "pdf_tool_message": True,
}
_TEXT_OUT = {
    "text_outputs": True,
    "image_outputs": False,
    "audio_outputs": False,
    "video_outputs": False,
}
_AGENTIC = {
    "tool_calling": True,
    "tool_choice": True,
    "tool_call_streaming": True,
    "structured_output": True,
    "attachment": True,
    "temperature": True,
    # Gemini has no system role inside `contents`; see docs/chat.md for where a late system message goes.
    "mid_conversation_system_messages": False,
}


def _profile(max_in: int, max_out: int, **overrides: Any) -> dict[str, Any]:
    return {
        "max_input_tokens": max_in,
        "max_output_tokens": max_out,
        **_MULTIMODAL_IN,
        **_TEXT_OUT,
        **_AGENTIC,
        **overrides,
    }


_THINKING = {"reasoning_output": True}

PROFILES: dict[str, dict[str, Any]] = {
    "gemini-3-pro-preview": _profile(
        1_048_576,
        65_536,
        status="preview",
        reasoning_output=True,
        reasoning_effort_levels=["low", "high"],
        reasoning_effort_default="high",
    ),
    "gemini-2.5-pro": _profile(1_048_576, 65_536, **_THINKING),
    "gemini-2.5-flash": _profile(1_048_576, 65_536, **_THINKING),
    "gemini-2.5-flash-lite": _profile(1_048_576, 65_536, **_THINKING),
    "gemini-2.5-flash-preview-09-2025": _profile(1_048_576, 65_536, status="preview", **_THINKING),
    "gemini-2.5-flash-lite-preview-09-2025": _profile(1_048_576, 65_536, status="preview", **_THINKING),
    "gemini-2.0-flash": _profile(1_048_576, 8_192, reasoning_output=False),
    "gemini-2.0-flash-lite": _profile(
        1_048_576,
        8_192,
        reasoning_output=False,
        tool_calling=False,
        tool_choice=False,
        tool_call_streaming=False,
    ),
    # Token limits of the image and speech models are not in our sources, so they are left out.
    "gemini-2.5-flash-image": {
        **_MULTIMODAL_IN,
        **_TEXT_OUT,
        "image_outputs": True,
        "reasoning_output": False,
        "tool_calling": False,
        "structured_output": False,
    },
    "gemini-2.5-flash-preview-tts": {
        # "TTS models accept text-only inputs and produce audio-only outputs. Context window 32k tokens" (ref 10.3)
        "max_input_tokens": 32_768,
        "text_inputs": True,
        "text_outputs": False,
        "audio_outputs": True,
        "tool_calling": False,
        "structured_output": False,
    },
}


def get_profile(model: str) -> dict[str, Any] | None:
    """The profile for a model id (with or without `models/`, and with a `-001` style suffix), if known."""
    name = model.removeprefix("models/")
    if name in PROFILES:
        return dict(PROFILES[name])
    base, _, suffix = name.rpartition("-")
    if suffix.isdigit() and base in PROFILES:
        return dict(PROFILES[base])
    return None
