"""AI messages from history -> `model` contents, with every thought signature back on its own part.

Google's rules (thought-signatures page of the Gemini API docs): return each signature inside the part it came on,
never merge a signed part with another, and on Gemini 3 models the first function call of every model step in the
current turn must carry its signature or the request fails with a 400.

Where signatures live on our messages:
* text parts: `{"type": "text", "text": ..., "extras": {"signature": ...}}` blocks;
* thought summaries: `{"type": "thinking", "thinking": ..., "signature": ...}` (or v1 `reasoning` blocks with
  `extras.signature`);
* function calls: `additional_kwargs["__gemini_function_call_thought_signatures__"]`, keyed by tool-call id, the
  same key langchain-google-genai uses, so histories move between the two packages.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from langchain_core.messages import AIMessage

from langchain_gemini._nesting import check_nesting
from langchain_gemini._wire import Content, Part

logger = logging.getLogger("langchain_gemini")

FUNCTION_CALL_SIGNATURES_KEY = "__gemini_function_call_thought_signatures__"
# Documented escape hatch for histories that carry no signature (written by hand or by another model): the
# thought-signatures FAQ of the Gemini API docs names this value as accepted in place of a real signature.
SKIP_SIGNATURE = "skip_thought_signature_validator"
# Our own key, and langchain-google-genai's: their histories carry Gemini signatures too.
_NATIVE_PROVIDERS = frozenset({"gemini", "google_genai", "google_vertexai"})
# Ids we synthesise for calls the API returned without one: uuid4 text. They are not sent back as Gemini ids.
_SYNTHETIC_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
_SKIPPED_TYPES = frozenset({"tool_call", "tool_call_chunk", "invalid_tool_call", "tool_use", "function_call"})
_OUTCOMES = {"success": "OUTCOME_OK", "error": "OUTCOME_FAILED"}


def is_gemini_id(call_id: str | None) -> bool:
    """True for a call id the API issued (as opposed to one we generated)."""
    return bool(call_id) and not _SYNTHETIC_ID.match(str(call_id))


def is_signature_strict(model: str) -> bool:
    """Whether the model rejects a current-turn function call without a signature (the model table says)."""
    from langchain_gemini._models import facts_for

    return facts_for(model).signature_strict


def _signed(part: Part, signature: Any) -> Part:
    if isinstance(signature, str) and signature:
        part["thoughtSignature"] = signature
    return part


def _signature_of(block: Mapping[str, Any]) -> Any:
    extras = block.get("extras")
    return block.get("signature") or (extras.get("signature") if isinstance(extras, Mapping) else None)


def _text(block: Mapping[str, Any], _: str) -> list[Part]:
    text = block.get("text")
    return (
        [_signed({"text": text}, _signature_of(block))]
        if isinstance(text, str) and (text or _signature_of(block))
        else []
    )


def _thought(block: Mapping[str, Any], _: str) -> list[Part]:
    text = block.get("thinking") if block.get("type") == "thinking" else block.get("reasoning")
    if not isinstance(text, str):
        summary = block.get("summary") or []
        text = " ".join(str(item.get("text", "")) for item in summary if isinstance(item, Mapping))
    return [_signed({"text": text, "thought": True}, _signature_of(block))]


def _server_part(block: Mapping[str, Any], key: str, raw_key: str) -> list[Part] | None:
    # A Gemini 3 server-side tool invocation keeps the API's own object in extras: replayed exactly.
    raw = (block.get("extras") or {}).get(raw_key)
    return [_signed({key: dict(raw)}, _signature_of(block))] if isinstance(raw, Mapping) else None  # type: ignore[misc]


def _with_id(part: Part, key: str, block: Mapping[str, Any]) -> list[Part]:
    if isinstance(block.get("id"), str) and block["id"] and block.get("type") != "server_tool_call":
        part[key]["id"] = block["id"]  # type: ignore[literal-required]
    return [part]


def _executable_code(block: Mapping[str, Any], label: str) -> list[Part]:
    if (native := _server_part(block, "toolCall", "tool_call")) is not None:
        return native
    if block.get("type") == "server_tool_call":
        args = block.get("args") or {}
        code, language = args.get("code"), args.get("language", "PYTHON")
    else:
        code, language = block.get("executable_code"), block.get("language", "PYTHON")
    if not isinstance(code, str):
        msg = f"{label}: executable code needs a string 'code'"
        raise TypeError(msg)
    part = _signed({"executableCode": {"language": str(language).upper(), "code": code}}, _signature_of(block))
    return _with_id(part, "executableCode", block)


def _code_result(block: Mapping[str, Any], _: str) -> list[Part]:
    if (native := _server_part(block, "toolResponse", "tool_response")) is not None:
        return native
    if block.get("type") == "server_tool_result":
        output = block.get("output", "")
        extras = block.get("extras")
        outcome = extras.get("outcome") if isinstance(extras, Mapping) else None
        outcome = outcome or _OUTCOMES.get(str(block.get("status")), "OUTCOME_OK")
    else:
        output = block.get("code_execution_result", "")
        outcome = block.get("outcome", "OUTCOME_OK")
    result: dict[str, Any] = {"outcome": outcome}
    if output:
        result["output"] = output if isinstance(output, str) else str(output)
    return _with_id(_signed({"codeExecutionResult": result}, _signature_of(block)), "codeExecutionResult", block)


def _native_part(block: Mapping[str, Any], label: str) -> list[Part]:
    value = block.get("value")
    if not isinstance(value, Mapping):
        msg = f"{label}: a non_standard block from Gemini needs a dict 'value' (the original part)"
        raise TypeError(msg)
    return [dict(value)]  # type: ignore[list-item]


AI_BLOCK_CONVERTERS: dict[str, Callable[[Mapping[str, Any], str], list[Part]]] = {
    "text": _text,
    "thinking": _thought,
    "reasoning": _thought,
    "executable_code": _executable_code,
    "code_execution_result": _code_result,
    "server_tool_call": _executable_code,
    "server_tool_result": _code_result,
    "non_standard": _native_part,
}


def ai_message_parts(
    message: AIMessage, label: str, convert_other: Callable[[Mapping[str, Any], str], list[Part]]
) -> list[Part]:
    """Parts of a model turn: its content blocks in order, then one functionCall part per tool call.

    `convert_other` handles block types this module does not know (media); reasoning from another provider is
    left out, because its signatures mean nothing to Gemini (logged at DEBUG).
    """
    foreign = message.response_metadata.get("model_provider") not in (_NATIVE_PROVIDERS | {None})
    parts: list[Part] = []
    blocks = [message.content] if isinstance(message.content, str) else message.content
    for position, block in enumerate(blocks):
        where = f"{label}.content[{position}]"
        if isinstance(block, str):
            parts.extend([{"text": block}] if block else [])
            continue
        block_type = str(block.get("type"))
        if block_type in _SKIPPED_TYPES or (block_type == "non_standard" and foreign):
            continue
        if foreign and block_type in {"thinking", "reasoning", "redacted_thinking"}:
            logger.debug(
                "%s: %s block from provider %r not sent to Gemini",
                where,
                block_type,
                message.response_metadata.get("model_provider"),
            )
            continue
        converter = AI_BLOCK_CONVERTERS.get(block_type)
        parts.extend(converter(block, where) if converter else convert_other(block, where))
    return parts + function_call_parts(message)


def function_call_parts(message: AIMessage) -> list[Part]:
    """One functionCall part per tool call, with its signature and (when the API issued it) its id."""
    signatures = message.additional_kwargs.get(FUNCTION_CALL_SIGNATURES_KEY) or {}
    if not isinstance(signatures, Mapping):
        msg = (
            f"additional_kwargs[{FUNCTION_CALL_SIGNATURES_KEY!r}] must be a dict of tool call id -> signature,"
            f" got {type(signatures).__name__}"
        )
        raise TypeError(msg)
    parts: list[Part] = []
    for call in message.tool_calls:
        check_nesting(call["args"], f"the arguments of tool call {call['name']!r}")
        function_call: dict[str, Any] = {"name": call["name"], "args": call["args"]}
        if is_gemini_id(call.get("id")):
            function_call["id"] = call["id"]
        parts.append(_signed({"functionCall": function_call}, signatures.get(call.get("id"))))  # type: ignore[typeddict-item]
    return parts


def fill_missing_signatures(contents: list[Content]) -> None:
    """Give the first function call of each model step in the current turn a signature if it has none.

    The current turn starts after the last user content that is not only function responses.
    """
    start = 0
    for position, content in enumerate(contents):
        parts = content["parts"]
        if content.get("role") == "user" and not all("functionResponse" in part for part in parts):
            start = position + 1
    for content in contents[start:]:
        if content.get("role") != "model":
            continue
        first_call = next((part for part in content["parts"] if "functionCall" in part), None)
        if first_call is not None and "thoughtSignature" not in first_call:
            first_call["thoughtSignature"] = SKIP_SIGNATURE
