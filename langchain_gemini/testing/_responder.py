"""How the emulator answers when tools are declared (function calling, reference section 6).

* `toolConfig.functionCallingConfig.mode` ANY: always a call, restricted to `allowedFunctionNames` when given.
* AUTO / VALIDATED (or no toolConfig): a call when the last turn is a user turn with text, otherwise text (so
  an agent loop ends after one functionResponse round trip).
* NONE: text, as if no tools were declared.

The functions called are those whose names the last user text mentions (several names give parallel calls, in
declaration order), else the first candidate. With mode ANY and several candidates, functions not yet called in
the conversation come first: an agent forced to call tools moves on (to its final-answer tool, say) instead of
calling the same function forever, so a realistic loop ends. Arguments come from `_schema_gen` against
`parameters` or `parametersJsonSchema` (with `$defs` / `$ref` / `anyOf`), steered by the prompt's literals.
Gemini 3 models put an `id` on each call. Thought signatures are added by `_generate`.
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


def _wants_call(request: dict[str, Any]) -> bool:
    config = request.get("toolConfig", {}).get("functionCallingConfig", {})
    mode = config.get("mode", "AUTO")
    if mode == "ANY":
        return True
    if mode == "NONE":
        return False
    last = (request.get("contents") or [{}])[-1]
    parts = last.get("parts", ())
    is_user = last.get("role", "user") == "user"
    return is_user and any(p.get("text") for p in parts) and not any("functionResponse" in p for p in parts)


def _candidates(request: dict[str, Any]) -> list[dict[str, Any]]:
    found = declarations(request)
    config = request.get("toolConfig", {}).get("functionCallingConfig", {})
    allowed = config.get("allowedFunctionNames")
    if allowed and config.get("mode") in ("ANY", "VALIDATED"):
        found = [d for d in found if d.get("name") in allowed]
    return found


def _called(request: dict[str, Any]) -> set[str]:
    """Names of the functions the conversation has already called."""
    return {
        part["functionCall"].get("name", "")
        for content in request.get("contents", ())
        for part in content.get("parts", ())
        if "functionCall" in part
    }


def function_calls(request: dict[str, Any], model: ModelInfo, seed: str) -> list[dict[str, Any]]:
    """The functionCall parts to answer with; empty when the answer should be text."""
    candidates = _candidates(request)
    if not candidates or not _wants_call(request):
        return []
    mode = request.get("toolConfig", {}).get("functionCallingConfig", {}).get("mode")
    if mode == "ANY" and len(candidates) > 1:
        called = _called(request)
        candidates = [d for d in candidates if d.get("name") not in called] or candidates
    text = last_user_text(request)
    mentioned = [d for d in candidates if re.search(rf"(?<![\w]){re.escape(d['name'])}(?![\w])", text)]
    chosen = mentioned or candidates[:1]
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
