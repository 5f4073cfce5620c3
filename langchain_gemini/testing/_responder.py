"""How the emulator answers when tools are declared (function calling, reference section 6).

* `toolConfig.functionCallingConfig.mode` ANY: always a call, restricted to `allowedFunctionNames` when given.
* AUTO / VALIDATED (or no toolConfig): a call only when the last content is a user turn whose text asks for
  one: it names a declared function, shares a word (four letters or more) with a function's name or
  description ("weather" for get_weather), or mentions a tool ("use the tool"). "hi" gets text, and after the
  current turn's function responses the answer is text, so every agent turn ends.
* NONE: text, as if no tools were declared.

The functions called are those whose names the last user text mentions (several names give parallel calls, in
declaration order), else those whose names share a word with it (in parallel), else the best word match. With mode
ANY and several candidates, functions not yet called in the current turn (since the last user text) come first, and
when the prompt matches none of them the last one is called: an agent forced to call tools moves on to its
final-answer tool (LangChain declares the structured-output tool last) instead of calling the same function forever,
"hi" goes straight to it, and the next user turn starts afresh, so a multi-turn loop ends too. Arguments come from
`_schema_gen` against `parameters` or `parametersJsonSchema` (with `$defs` / `$ref` / `anyOf`), steered by the
prompt's literals. Newer Gemini 3 models (`function_call_ids`) put an `id` on each call. Thought signatures are
added by `_generate`.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._schema_gen import Hints, generate


def declarations(request: dict[str, Any]) -> list[dict[str, Any]]:
    """All function declarations of the request, in order."""
    return [d for tool in request.get("tools", ()) for d in tool.get("functionDeclarations", ())]


def last_user_text(request: dict[str, Any]) -> str:
    """The text of the last content when it is a user turn, else ""."""
    contents = request.get("contents") or [{}]
    last = contents[-1]
    if last.get("role", "user") != "user":
        return ""
    return "\n".join(p["text"] for p in last.get("parts", ()) if p.get("text") and not p.get("thought"))


_WORD = re.compile(r"[a-z]{4,}")
_COMMON = frozenset({"what", "when", "where", "which", "with", "that", "this", "from", "have", "your", "about", "tell"})
_ASKS_FOR_A_TOOL = re.compile(r"\b(tools?|functions?)\b", re.IGNORECASE)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower().replace("_", " "))) - _COMMON


def _matches(declaration: dict[str, Any], text: str) -> int:
    """How many of the prompt's words the function's name and description share."""
    return len(_words(text) & _words(f"{declaration.get('name', '')} {declaration.get('description', '')}"))


def _wants_call(request: dict[str, Any], candidates: list[dict[str, Any]]) -> bool:
    config = request.get("toolConfig", {}).get("functionCallingConfig", {})
    mode = config.get("mode", "AUTO")
    if mode == "ANY":
        return True
    if mode == "NONE":
        return False
    last = (request.get("contents") or [{}])[-1]
    parts = last.get("parts", ())
    if last.get("role", "user") != "user" or any("functionResponse" in p for p in parts):
        return False
    text = last_user_text(request)
    if not text:
        return False
    return bool(_ASKS_FOR_A_TOOL.search(text)) or any(_mentioned(d, text) or _matches(d, text) for d in candidates)


def _mentioned(declaration: dict[str, Any], text: str) -> bool:
    return bool(re.search(rf"(?<![\w]){re.escape(declaration.get('name', ''))}(?![\w])", text))


def _candidates(request: dict[str, Any]) -> list[dict[str, Any]]:
    found = declarations(request)
    config = request.get("toolConfig", {}).get("functionCallingConfig", {})
    allowed = config.get("allowedFunctionNames")
    if allowed and config.get("mode") in ("ANY", "VALIDATED"):
        found = [d for d in found if d.get("name") in allowed]
    return found


def _turn_start(contents: list[dict[str, Any]]) -> int:
    """Index of the user content with text that starts the current turn (0 when there is none)."""
    for index in range(len(contents) - 1, -1, -1):
        content = contents[index]
        if content.get("role", "user") == "user" and any(p.get("text") for p in content.get("parts", ())):
            return index
    return 0


def _turn_text(request: dict[str, Any]) -> str:
    """The user text that started the current turn."""
    contents = list(request.get("contents", ()))
    if not contents:
        return ""
    start = contents[_turn_start(contents)]
    return "\n".join(p["text"] for p in start.get("parts", ()) if p.get("text") and not p.get("thought"))


def _called(request: dict[str, Any]) -> set[str]:
    """Names of the functions called in the current turn."""
    contents = list(request.get("contents", ()))
    return {
        part["functionCall"].get("name", "")
        for content in contents[_turn_start(contents) :]
        for part in content.get("parts", ())
        if "functionCall" in part
    }


def function_calls(request: dict[str, Any], model: ModelInfo, seed: str) -> list[dict[str, Any]]:
    """The functionCall parts to answer with; empty when the answer should be text."""
    candidates = _candidates(request)
    if not candidates or not _wants_call(request, candidates):
        return []
    mode = request.get("toolConfig", {}).get("functionCallingConfig", {}).get("mode")
    if mode == "ANY" and len(candidates) > 1:
        called = _called(request)
        candidates = [d for d in candidates if d.get("name") not in called] or candidates
    text = _turn_text(request) if mode == "ANY" else last_user_text(request)
    mentioned = [d for d in candidates if _mentioned(d, text)]
    # Several functions whose names the prompt echoes ("temperature and humidity") are called in parallel.
    named = [d for d in candidates if _words(d.get("name", "")) & _words(text)]
    best = max(candidates, key=lambda d: _matches(d, text))
    if mode == "ANY" and not _matches(best, text):
        best = candidates[-1]
    chosen = mentioned or named or [best]
    hints = Hints(text)
    parts = []
    for index, declaration in enumerate(chosen):
        call: dict[str, Any] = {"name": declaration["name"], "args": _arguments(declaration, hints)}
        if model.function_call_ids:
            call = {"id": hashlib.blake2b(f"{seed}:{index}".encode(), digest_size=4).hexdigest(), **call}
        parts.append({"functionCall": call})
    return parts


def _arguments(declaration: dict[str, Any], hints: Hints) -> dict[str, Any]:
    if "parameters" in declaration:
        value = generate(declaration["parameters"], hints)
    elif "parametersJsonSchema" in declaration:
        value = generate(declaration["parametersJsonSchema"], hints, json_schema=True)
    else:
        value = {}
    return value if isinstance(value, dict) else {}


def tool_result_reply(request: dict[str, Any]) -> str | None:
    """A text answer that uses the function responses of the last turn, if it carries any."""
    last = (request.get("contents") or [{}])[-1]
    results = [p["functionResponse"] for p in last.get("parts", ()) if "functionResponse" in p]
    if not results:
        return None
    pieces = []
    for result in results:
        body = result.get("response", {})
        shown = body.get("result", body.get("output", body)) if isinstance(body, dict) else body
        pieces.append(f"{result.get('name', 'the tool')} returned {str(shown)[:200]}")
    return "Done: " + "; ".join(pieces) + "."
