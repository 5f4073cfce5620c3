"""LangChain -> Gemini: messages, content blocks and call parameters become a request body (pure functions).

Message mapping (documented in docs/chat.md):

* Leading system messages become `systemInstruction`, one text part per message, in order.
* A system message after the conversation has started cannot go into `systemInstruction` without moving it, so it
  is sent where it stands, as a `user` turn with the same text. It is never dropped.
* Human messages become `user` contents and AI messages `model` contents, one content per message, so
  consecutive messages of the same role keep their boundaries.
* Consecutive tool messages become one `user` content holding their `functionResponse` parts in the order of the
  calls they answer. Media a tool returns (image, file, audio blocks in any form `_media` reads) is sent as media:
  inside `functionResponse.parts` on models that take it, else as parts after the responses in the same turn;
  the tool's text blocks form the JSON `response` (see `tool_result_media`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_gemini._models import facts_for
from langchain_gemini._nesting import MAX_NESTING, check_nesting
from langchain_gemini._replay import (
    ai_message_parts,
    fill_missing_signatures,
    is_gemini_id,
    is_signature_strict,
)
from langchain_gemini._wire import Content, GenerateContentRequest, Part


def camel_case(name: str) -> str:
    """`response_mime_type` -> `responseMimeType`; names already in camelCase are returned unchanged."""
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def build_contents(messages: Sequence[BaseMessage], model: str) -> GenerateContentRequest:
    """`contents` and `systemInstruction` of a request for `model`.

    Thought signatures are filled where the model requires them (see `_replay`).

    Raises:
        ValueError: If the conversation is empty, has only system messages, or holds content Gemini cannot take.
    """
    system, contents = convert_messages(messages, model=model)
    if is_signature_strict(model):
        fill_missing_signatures(contents)
    request: GenerateContentRequest = {"contents": contents}
    if system is not None:
        request["systemInstruction"] = system
    return request


def convert_messages(messages: Sequence[BaseMessage], *, model: str = "") -> tuple[Content | None, list[Content]]:
    """Split messages into the system instruction and the list of contents (see the module docstring).

    `model` decides where media in tool results goes (`functionResponse.parts` or sibling parts).
    """
    if not messages:
        msg = "messages is empty: Gemini needs at least one user or model message"
        raise ValueError(msg)
    system_parts: list[Part] = []
    contents: list[Content] = []
    started = False
    index = 0
    while index < len(messages):
        message = messages[index]
        if isinstance(message, ToolMessage):
            batch = _tool_message_run(messages, index)
            contents.append(_tool_results_content(messages, index, batch, model))
            index += len(batch)
            started = True
            continue
        role = _role_of(message, index)
        parts = _message_parts(message, index, role)
        if role == "system" and not started:
            system_parts.extend(parts)
        else:
            contents.append({"role": "model" if role == "model" else "user", "parts": parts})
            started = True
        index += 1
    if not contents:
        msg = "messages holds only system messages: add at least one human message"
        raise ValueError(msg)
    return ({"parts": system_parts} if system_parts else None), contents


_CHAT_ROLES: Mapping[str, str] = {
    "user": "user",
    "human": "user",
    "assistant": "model",
    "ai": "model",
    "model": "model",
    "system": "system",
}


def _role_of(message: BaseMessage, index: int) -> str:
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, AIMessage):
        return "model"
    if isinstance(message, FunctionMessage):
        return "user"
    if isinstance(message, ChatMessage) and message.role.lower() in _CHAT_ROLES:
        return _CHAT_ROLES[message.role.lower()]
    msg = f"messages[{index}]: unsupported message type {message.type!r}"
    raise ValueError(msg)


def _message_parts(message: BaseMessage, index: int, role: str) -> list[Part]:
    if isinstance(message, FunctionMessage):
        return [{"functionResponse": {"name": message.name, "response": _tool_response(message.content)}}]
    where = f"messages[{index}]"
    if isinstance(message, AIMessage):
        parts = ai_message_parts(message, where, _convert_block)
    else:
        parts = content_to_parts(message.content, where=where, role=role)
    if not parts:
        msg = f"messages[{index}] ({message.type}) has empty content: Gemini rejects empty turns"
        raise ValueError(msg)
    return parts


def content_to_parts(content: str | list[Any], *, where: str, role: str) -> list[Part]:
    """Convert message content (a string or a list of blocks) to parts, keeping text exactly as given."""
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: list[Part] = []
    for position, block in enumerate(content):
        label = f"{where}.content[{position}]"
        if isinstance(block, str):
            if block:
                parts.append({"text": block})
            continue
        if not isinstance(block, dict):
            msg = f"{label}: expected a string or a dict content block, got {type(block).__name__}"
            raise TypeError(msg)
        parts.extend(_convert_block(block, label))
    return parts


def _convert_block(block: Mapping[str, Any], label: str) -> list[Part]:
    block_type = block.get("type")
    converter = BLOCK_CONVERTERS.get(str(block_type)) or _media_module().MEDIA_BLOCK_CONVERTERS.get(str(block_type))
    if converter is None:
        msg = f"{label}: content block type {block_type!r} is not supported"
        raise ValueError(msg)
    if not isinstance(block.get("extras") or {}, Mapping):
        msg = f"{label}: 'extras' must be a dict, got {type(block['extras']).__name__}"
        raise TypeError(msg)
    return converter(block, label)


def _text_block(block: Mapping[str, Any], label: str) -> list[Part]:
    text = block.get("text")
    if not isinstance(text, str):
        msg = f"{label}: a text block needs a string 'text'"
        raise TypeError(msg)
    return [{"text": text}] if text else []


# Block type -> converter, for text; media block types are served by `_media` (see `_media_module`).
BLOCK_CONVERTERS: dict[str, Callable[[Mapping[str, Any], str], list[Part]]] = {"text": _text_block}


def _media_module() -> ModuleType:
    # Imported on first use: a text-only conversation never pays for MIME sniffing and media tables.
    from langchain_gemini import _media

    return _media


def _tool_message_run(messages: Sequence[BaseMessage], start: int) -> list[ToolMessage]:
    run: list[ToolMessage] = []
    for message in messages[start:]:
        if not isinstance(message, ToolMessage):
            break
        run.append(message)
    return run


def _tool_results_content(
    messages: Sequence[BaseMessage], start: int, results: list[ToolMessage], model: str = ""
) -> Content:
    """Answer the calls of the nearest preceding AI message, in the order that message made them."""
    calls = _preceding_tool_calls(messages, start)
    order = {call_id: position for position, call_id in enumerate(calls)}
    parts: list[tuple[int, Part]] = []
    siblings: list[tuple[int, list[Part]]] = []
    for offset, result in enumerate(results):
        if result.tool_call_id not in calls:
            msg = (
                f"messages[{start + offset}]: tool message answers tool_call_id "
                f"{result.tool_call_id!r}, which no preceding AI message called"
            )
            raise ValueError(msg)
        value, nested, others = tool_result_media(result.content, f"messages[{start + offset}]", model)
        response: dict[str, Any] = {
            "name": calls[result.tool_call_id] or str(result.name),
            "response": _tool_response(value, error=result.status == "error"),
        }
        if is_gemini_id(result.tool_call_id):
            response["id"] = result.tool_call_id
        if nested:
            response["parts"] = nested
        parts.append((order[result.tool_call_id], {"functionResponse": response}))  # type: ignore[typeddict-item]
        siblings.append((order[result.tool_call_id], others))
    ordered = [part for _, part in sorted(parts, key=lambda item: item[0])]
    ordered += [part for _, media in sorted(siblings, key=lambda item: item[0]) for part in media]
    return {"role": "user", "parts": ordered}


def _preceding_tool_calls(messages: Sequence[BaseMessage], start: int) -> dict[str, str]:
    for message in reversed(messages[:start]):
        if isinstance(message, AIMessage):
            return {str(call["id"]): call["name"] for call in message.tool_calls}
    return {}


def _tool_response(content: Any, *, error: bool = False) -> dict[str, Any]:
    """A tool's output as the JSON object Gemini requires: objects pass through, anything else is wrapped."""
    value: Any = content
    if isinstance(content, str):
        try:
            value = json.loads(content)
        except ValueError:
            value = content
        except RecursionError:
            msg = f"a tool result is nested more than {MAX_NESTING} levels deep; the Gemini API refuses such requests"
            raise ValueError(msg) from None
    check_nesting(value, "a tool result")
    if error:
        return {"error": value}
    return value if isinstance(value, dict) else {"result": value}


# "Multimodal function responses" (ai.google.dev/gemini-api/docs/function-calling#multimodal): Gemini 3 models take
# media nested in `functionResponse.parts` (REST `FunctionResponsePart`: `inlineData`, google-genai 3.4 types.py),
# for images (png, jpeg, webp) and documents (pdf, text/plain). Earlier models answer such a request with 400
# "Multimodal function responses are not supported for this model", so their media goes in sibling parts.
_NESTED_TOOL_MEDIA = frozenset({"image/png", "image/jpeg", "image/webp", "application/pdf", "text/plain"})


def nests_tool_media(model: str) -> bool:
    """Whether `model` takes media inside `functionResponse.parts` (the model table's `nests_tool_media`)."""
    return facts_for(model).nests_tool_media


def _nestable(part: Part) -> bool:
    # Only bare inlineData of a listed type: a part with a signature, clipping or resolution, or a file reference,
    # goes beside the response so nothing is dropped (the nested part type has no such fields on the Gemini API).
    blob = part.get("inlineData")
    mime = str(blob.get("mimeType", "")).partition(";")[0].strip().lower() if blob else ""
    return len(part) == 1 and mime in _NESTED_TOOL_MEDIA


def tool_result_media(content: Any, where: str, model: str) -> tuple[Any, list[Part], list[Part]]:
    """Split a tool message's content into (JSON response value, nested media parts, sibling media parts).

    Content that is a string, or a list without text or media blocks, is returned unchanged. Otherwise text blocks
    (and plain strings) become the response value: one text as is (JSON objects pass through), several as a list,
    none as `{}`; other blocks are kept in that list as given (a list whenever one is present), so no raw text
    blocks leak into the response.
    """
    if isinstance(content, str):
        return content, [], []
    media_types = _media_module().MEDIA_BLOCK_TYPES
    if not any(isinstance(block, dict) and block.get("type") in {"text", *media_types} for block in content):
        return content, [], []
    values: list[Any] = []
    nested: list[Part] = []
    siblings: list[Part] = []
    nest = nests_tool_media(model)
    for position, block in enumerate(content):
        label = f"{where}.content[{position}]"
        if isinstance(block, dict) and block.get("type") in media_types:
            for part in _convert_block(block, label):
                (nested if nest and _nestable(part) else siblings).append(part)
        elif isinstance(block, dict) and block.get("type") == "text":
            values.append(block.get("text", ""))
        elif block != "":
            values.append(block)
    value: Any = values[0] if len(values) == 1 and isinstance(values[0], str) else (values or {})
    return value, nested, siblings
