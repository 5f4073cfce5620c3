"""Standard content blocks for ChatGemini messages (`message.content_blocks`, `output_version="v1"`).

Our content uses the shapes langchain-core's `google_genai` translator reads (thinking blocks with signatures, code
execution blocks, grounding metadata as citations), so that translator does the work. It does not know the standard
`image`/`audio` blocks we emit for generated media, nor our `non_standard` blocks for unknown parts, and wraps both
in another `non_standard` layer; this translator unwraps them. It is registered under our own provider key, so
messages from langchain-google-genai keep core's translator untouched.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages import content as types
from langchain_core.messages.block_translators import google_genai, register_translator

MODEL_PROVIDER = "gemini"


def _unwrap(block: Any) -> Any:
    if isinstance(block, dict) and block.get("type") == "non_standard":
        value = block.get("value")
        if isinstance(value, dict) and value.get("type") in types.KNOWN_BLOCK_TYPES:
            return value
    return block


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """Standard blocks for a whole message."""
    return [_unwrap(block) for block in google_genai.translate_content(message)]


def translate_content_chunk(message: AIMessageChunk) -> list[types.ContentBlock]:
    """Standard blocks for a stream chunk."""
    return [_unwrap(block) for block in google_genai.translate_content_chunk(message)]


register_translator(MODEL_PROVIDER, translate_content, translate_content_chunk)
