"""countTokens requests for any list of messages LangChain counts (pure functions over LangChain messages).

`trim_messages(..., token_counter=model)` counts sublists that are no conversation Gemini would take: a lone system
message, a suffix that starts with tool results, and, for `strategy="last"`, the conversation backwards. The
request must be valid all the same, so these lists are rewritten before conversion, keeping every message's text
so the count stays close to the real one:

* Only system messages: they are counted as user turns, since a `GenerateContentRequest` needs `contents`
  ("contents is a required field", google-gemini/deprecated-generative-ai-python#326).
* A tool-call turn is kept where generateContent accepts one: after a user turn or tool results, with every call
  answered by the tool messages right after it (or last in the list). Google rejects other placements ("Please
  ensure that function call turn comes immediately after a user turn...", google-gemini/gemini-cli#11814;
  "...function response turn comes immediately after a function call turn", langchain-ai/langchain#27799), and
  countTokens is not documented to be laxer. Such calls are counted as JSON text in a model turn.
* Tool messages that answer no kept call are counted as their content, in a user turn.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ChatMessage, HumanMessage, SystemMessage, ToolMessage

_MODEL_ROLES = frozenset({"assistant", "ai", "model"})


def countable_messages(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """`messages` rewritten (see the module docstring) so that they convert to a request Gemini accepts."""
    if all(isinstance(message, SystemMessage) for message in messages):
        return [HumanMessage(message.content) for message in messages]
    counted: list[BaseMessage] = []
    kept_calls: set[str] = set()
    for index, message in enumerate(messages):
        if isinstance(message, ToolMessage):
            counted.append(message if message.tool_call_id in kept_calls else _result_as_text(message))
            continue
        kept_calls = set()
        if isinstance(message, AIMessage) and message.tool_calls:
            if _follows_user_turn(counted) and _answered_in_full(messages, index):
                kept_calls = {str(call["id"]) for call in message.tool_calls}
                counted.append(message)
            else:
                counted.append(_calls_as_text(message))
            continue
        counted.append(message)
    return counted


def _follows_user_turn(counted: Sequence[BaseMessage]) -> bool:
    if not counted:
        return False
    last = counted[-1]
    if isinstance(last, SystemMessage):
        # A system message after the first turn is sent as a user turn; leading ones are the system instruction.
        return any(not isinstance(message, SystemMessage) for message in counted)
    if isinstance(last, AIMessage):
        return False
    return not (isinstance(last, ChatMessage) and last.role.lower() in _MODEL_ROLES)


def _answered_in_full(messages: Sequence[BaseMessage], index: int) -> bool:
    calls = {str(call["id"]) for call in messages[index].tool_calls}  # type: ignore[attr-defined]
    results: list[str] = []
    for message in messages[index + 1 :]:
        if not isinstance(message, ToolMessage):
            break
        results.append(message.tool_call_id)
    if not results:
        return index == len(messages) - 1  # calls still waiting for their results
    return len(results) == len(calls) and set(results) == calls


def _calls_as_text(message: AIMessage) -> AIMessage:
    calls = [
        json.dumps({"name": call["name"], "args": call["args"]}, ensure_ascii=False) for call in message.tool_calls
    ]
    return AIMessage("\n".join(text for text in [message.text, *calls] if text))


def _result_as_text(message: ToolMessage) -> HumanMessage:
    if isinstance(message.content, str):
        return HumanMessage(message.content or "{}")
    from langchain_gemini._media import MEDIA_BLOCK_TYPES  # only tool results holding blocks need it

    def countable(block: Any) -> Any:
        if isinstance(block, str) or (isinstance(block, dict) and block.get("type") in {"text", *MEDIA_BLOCK_TYPES}):
            return block
        return json.dumps(block, ensure_ascii=False, default=str)

    return HumanMessage([countable(block) for block in message.content] or "{}")
