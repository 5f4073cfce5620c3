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

# Finish reasons that mean Gemini withheld the answer on policy grounds (FinishReason in
# https://ai.google.dev/api/generate-content#FinishReason). Core's translator knows the first three; the rest are
# the same kind of block. RECITATION and MALFORMED_FUNCTION_CALL are not refusals: the model did answer.
REFUSAL_FINISH_REASONS = frozenset(
    {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT"}
)


# Our `code_execution_result` blocks keep the API's outcome name; core's translator only reads the legacy integer.
_OUTCOME_STATUS = {"OUTCOME_OK": "success"}


def _fix_code_results(message: AIMessage, blocks: list[types.ContentBlock]) -> list[types.ContentBlock]:
    """Set each `server_tool_result`'s status from the outcome of the code result it was made from, in order."""
    if isinstance(message.content, str):
        return blocks
    results = iter(
        block for block in message.content if isinstance(block, dict) and block.get("type") == "code_execution_result"
    )
    fixed: list[types.ContentBlock] = []
    for block in blocks:
        # Server tool results of Gemini 3 tool invocations (toolResponse) are already standard: not code results.
        extras: Any = block.get("extras") or {}
        if block.get("type") == "server_tool_result" and "tool_response" not in extras:
            result = next(results, {})
            status = _OUTCOME_STATUS.get(str(result.get("outcome")), "error")
            code_id = {"tool_call_id": result["id"]} if result.get("id") else {}
            fixed.append({**block, "status": status, **code_id})  # type: ignore[arg-type]
        else:
            fixed.append(block)
    return fixed


def _unwrap(block: Any) -> Any:
    if isinstance(block, dict) and block.get("type") == "non_standard":
        value = block.get("value")
        if isinstance(value, dict) and value.get("type") in types.KNOWN_BLOCK_TYPES:
            return value
    return block


def _blocked_category(ratings: Any) -> str | None:
    return next(
        (str(rating["category"]) for rating in ratings or [] if isinstance(rating, dict) and rating.get("blocked")),
        None,
    )


def refusal_block(response_metadata: dict[str, Any]) -> dict[str, Any] | None:
    """The standard `refusal` block for a blocked prompt or a policy finish reason, or None for an answer.

    `extras` holds `finish_reason` and/or `block_reason`, and `category`, the harm category that was blocked, when
    the safety ratings name one (core's `ModelRefusalError` puts it in its message). The text is Gemini's
    `finishMessage`, or empty: Gemini gives no reason in words.
    """
    extras: dict[str, Any] = {}
    category: str | None = None
    finish_reason = response_metadata.get("finish_reason")
    if finish_reason in REFUSAL_FINISH_REASONS:
        extras["finish_reason"] = finish_reason
        category = _blocked_category(response_metadata.get("safety_ratings"))
    feedback = response_metadata.get("prompt_feedback") or {}
    block_reason = feedback.get("block_reason")
    if block_reason and block_reason != "BLOCK_REASON_UNSPECIFIED":
        extras["block_reason"] = block_reason
        category = category or _blocked_category(feedback.get("safety_ratings"))
    if not extras:
        return None
    if category:
        extras["category"] = category
    return {"type": "refusal", "refusal": response_metadata.get("finish_message") or "", "extras": extras}


def _with_refusal(message: AIMessage, blocks: list[types.ContentBlock]) -> list[types.ContentBlock]:
    # Core (from 1.7.5) adds a refusal for some reasons; ours covers them all, so it replaces core's.
    kept = [block for block in blocks if block.get("type") != "refusal"]
    if refusal := refusal_block(message.response_metadata):
        kept.append(refusal)  # type: ignore[arg-type]
    return kept


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """Standard blocks for a whole message."""
    blocks = [_unwrap(block) for block in google_genai.translate_content(message)]
    return _with_refusal(message, _fix_code_results(message, blocks))


def translate_content_chunk(message: AIMessageChunk) -> list[types.ContentBlock]:
    """Standard blocks for a stream chunk (the last one carries the finish reason, hence any refusal)."""
    blocks = [_unwrap(block) for block in google_genai.translate_content_chunk(message)]
    return _with_refusal(message, _fix_code_results(message, blocks))


register_translator(MODEL_PROVIDER, translate_content, translate_content_chunk)
