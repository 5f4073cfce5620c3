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


# Our `code_execution_result` blocks keep the API's outcome name; core's translator only reads the legacy integer.
_OUTCOME_STATUS = {"OUTCOME_OK": "success"}


def _fix_code_results(message: AIMessage, blocks: list[types.ContentBlock]) -> list[types.ContentBlock]:
    """Set each `server_tool_result`'s status from the outcome of the code result it was made from, in order."""
    if isinstance(message.content, str):
        return blocks
    outcomes = iter(
        block.get("outcome")
        for block in message.content
        if isinstance(block, dict) and block.get("type") == "code_execution_result"
    )
    fixed: list[types.ContentBlock] = []
    for block in blocks:
        if block.get("type") == "server_tool_result":
            status = _OUTCOME_STATUS.get(str(next(outcomes, None)), "error")
            fixed.append({**block, "status": status})  # type: ignore[arg-type]
        else:
            fixed.append(block)
    return fixed


def _unwrap(block: Any) -> Any:
    if isinstance(block, dict) and block.get("type") == "non_standard":
        value = block.get("value")
        if isinstance(value, dict) and value.get("type") in types.KNOWN_BLOCK_TYPES:
            return value
    return block


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """Standard blocks for a whole message."""
    return _fix_code_results(message, [_unwrap(block) for block in google_genai.translate_content(message)])


def translate_content_chunk(message: AIMessageChunk) -> list[types.ContentBlock]:
    """Standard blocks for a stream chunk."""
    blocks = [_unwrap(block) for block in google_genai.translate_content_chunk(message)]
    return _fix_code_results(message, blocks)


register_translator(MODEL_PROVIDER, translate_content, translate_content_chunk)
