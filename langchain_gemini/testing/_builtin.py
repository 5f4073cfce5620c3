"""Answers shaped by built-in tools: Google Search grounding, code execution and URL context.

* `googleSearch`: the candidate gets `groundingMetadata` (reference 4.7): `webSearchQueries` from the prompt, a
  `searchEntryPoint`, two `groundingChunks` (web sources) and one `groundingSupports` entry per sentence of the
  answer, whose `segment` indices are UTF-8 byte offsets into the text ("measured in bytes", proto comment).
  As everywhere in proto3 JSON, a zero `startIndex` is omitted.
* `codeExecution`: the answer becomes text, an `executableCode` part (PYTHON), a `codeExecutionResult` part
  (OUTCOME_OK) and the final text (reference 2.3 and 15.8). The first arithmetic expression in the prompt
  ("12 * (3 + 4)") is printed and really evaluated (numbers, parentheses and + - * / ** % // only, never `eval`);
  otherwise the code prints the prompt's quoted text.
* `urlContext`: every http(s) URL in the prompt is listed in `urlContextMetadata.urlMetadata` with
  URL_RETRIEVAL_STATUS_SUCCESS (reference 4.8). Nothing is fetched.
* Server-side invocations (Gemini 3, `toolConfig.includeServerSideToolInvocations`): a Google Search answer
  first shows the search as a `toolCall` part (`toolType` GOOGLE_SEARCH_WEB, `args.queries`, an `id`) and its
  `toolResponse` (same id and type, `response.search_suggestions`), each signed, before the answer text
  (realwire pydantic-ai-test_thinking_with_native_tool_wire_contract_google).
"""

from __future__ import annotations

import ast
import hashlib
import operator
import re
from collections.abc import Callable
from typing import Any

_SENTENCE = re.compile(r"[^.!?]+[.!?]*\s*")
_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_EXPRESSION = re.compile(r"[\d(][\d\s+\-*/%().]*[\d)]")  # a run of digits, operators and parentheses
_OPERATORS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}


_KINDS = ("googleSearch", "codeExecution", "urlContext")


def tool_kinds(request: dict[str, Any]) -> set[str]:
    """The built-in tools a request enables."""
    return {key for tool in request.get("tools", ()) for key in _KINDS if key in tool}


def grounding(text: str, prompt: str) -> dict[str, Any]:
    """The `groundingMetadata` for an answer `text` to `prompt`."""
    query = " ".join(prompt.split())[:80] or "query"
    digest = hashlib.blake2b(query.encode(), digest_size=6).hexdigest()
    chunks = [
        {"web": {"uri": f"https://vertexaisearch.cloud.google.com/grounding-api-redirect/{digest}{i}", "title": site}}
        for i, site in enumerate(("example.com", "example.org"))
    ]
    supports: list[dict[str, Any]] = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group().rstrip()
        if not sentence.strip():
            continue
        start = len(text[: match.start()].encode())
        segment: dict[str, Any] = {"startIndex": start} if start else {}
        segment.update({"endIndex": start + len(sentence.encode()), "text": sentence})
        supports.append({"segment": segment, "groundingChunkIndices": [len(supports) % 2]})
    entry = f'<div class="emulated-search-entry-point">{query}</div>'
    return {
        "webSearchQueries": [query],
        "searchEntryPoint": {"renderedContent": entry},
        "groundingChunks": chunks,
        "groundingSupports": supports,
    }


def _evaluate(node: ast.AST) -> float | int:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        right = _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise ValueError("exponent too large")
        result: float | int = _OPERATORS[type(node.op)](_evaluate(node.left), right)
        return result
    raise ValueError("not arithmetic")


def code_execution_parts(prompt: str, quoted: str | None, answer: str) -> list[dict[str, Any]]:
    """Text, executableCode, codeExecutionResult and the final text."""
    code, output = None, None
    for found in _EXPRESSION.finditer(prompt):
        expression = " ".join(found.group().split())
        try:
            tree = ast.parse(expression, mode="eval")
            if not isinstance(tree.body, ast.BinOp):
                continue
            output, code = f"{_evaluate(tree)}\n", f"print({expression})"
            break
        except (ValueError, ZeroDivisionError, SyntaxError, OverflowError):
            continue
    if code is None or output is None:
        shown = quoted or "Hello from the emulator"
        code, output = f"print({shown!r})", f"{shown}\n"
    return [
        {"text": "Let me run some code to answer that."},
        {"executableCode": {"language": "PYTHON", "code": code}},
        {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": output}},
        {"text": f"The code printed {output.strip()}. {answer}"},
    ]


def url_context(prompt: str) -> dict[str, Any] | None:
    """The `urlContextMetadata` for the URLs in `prompt`, or None when it has none."""
    urls = list(dict.fromkeys(match.rstrip(".,;:") for match in _URL.findall(prompt)))
    if not urls:
        return None
    return {"urlMetadata": [{"retrievedUrl": u, "urlRetrievalStatus": "URL_RETRIEVAL_STATUS_SUCCESS"} for u in urls]}


def search_invocation(prompt: str, digest: str) -> list[dict[str, Any]]:
    """The `toolCall` / `toolResponse` parts of a server-side Google Search (unsigned; see the module docstring)."""
    query = " ".join(prompt.split())[:80] or "query"
    call_id = hashlib.blake2b(f"{digest}:{query}".encode(), digest_size=4).hexdigest()
    suggestions = f'<div class="chip">{query}</div>'  # the recorded answer sends the search widget's HTML here
    return [
        {"toolCall": {"args": {"queries": [query]}, "id": call_id, "toolType": "GOOGLE_SEARCH_WEB"}},
        {
            "toolResponse": {
                "id": call_id,
                "response": {"search_suggestions": suggestions},
                "toolType": "GOOGLE_SEARCH_WEB",
            }
        },
    ]
