"""Answers shaped by built-in tools: Google Search grounding, code execution and URL context.

* `googleSearch`: the candidate gets `groundingMetadata` (reference 4.7): `webSearchQueries` from the prompt, a
  `searchEntryPoint`, two `groundingChunks` (web sources) and one `groundingSupports` entry per sentence of the
  answer, whose `segment` indices are UTF-8 byte offsets into the text ("measured in bytes", proto comment).
  As everywhere in proto3 JSON, a zero `startIndex` is omitted.
* `codeExecution`: the answer becomes text, an `executableCode` part (PYTHON), a `codeExecutionResult` part
  (OUTCOME_OK) and the final text (reference 2.3 and 15.8). The first arithmetic expression in the prompt
  ("12 * (3 + 4)") is printed and really evaluated (numbers, parentheses and + - * / ** % // only, never `eval`);
  otherwise the code prints the prompt's quoted text.
* `urlContext`: every http(s) URL in the prompt is listed in `urlContextMetadata.urlMetadata` (reference 4.8),
  with URL_RETRIEVAL_STATUS_SUCCESS unless its host cannot be public (`localhost`, `.invalid`, `.test`,
  `.example`, `.local`: URL_RETRIEVAL_STATUS_ERROR), and the answer is grounded on the retrieved pages:
  `groundingMetadata.groundingChunks[].web` (`uri`, `title`) and one support per sentence, as the recorded
  answer pydantic-ai-test_google_model_web_fetch_tool shows. Nothing is fetched.
* `fileSearch`: `groundingMetadata.groundingChunks[].retrievedContext` (`fileSearchStore`, `text`) from the first
  store named, and one support per sentence, as recorded (pydantic-ai-test_google_model_file_search_tool-0). The
  emulator serves no File Search stores: any store name is answered from, none is checked.
* `googleMaps`: `groundingMetadata.groundingChunks[].maps` (`uri`, `title`, `placeId` "places/<id>", `text`)
  for two places and one support per sentence, the fields google-genai's `GroundingChunkMaps` and the Maps
  grounding guide (ai.google.dev/gemini-api/docs/maps-grounding) name; `googleMapsWidgetContextToken` only when
  the tool asks for it (`googleMaps.enableWidget`, "Whether to return a widget context token in the
  GroundingMetadata").
* Server-side invocations (Gemini 3, `toolConfig.includeServerSideToolInvocations`): each tool that ran shows
  as a `toolCall` part and its `toolResponse` (same `id` and `toolType`, google-genai's `ToolType`), signed,
  before the answer text:
  - Google Search: `toolType` GOOGLE_SEARCH_WEB, `args.queries`, `response.search_suggestions` (realwire
    pydantic-ai-test_thinking_with_native_tool_wire_contract_google);
  - File Search: `toolType` FILE_SEARCH with no `args` and no `response` (realwire
    pydantic-ai-test_google_model_file_search_grounding_gemini_3_False-1);
  - URL context: `toolType` URL_CONTEXT, `args.urls`, and `response.url_metadata` listing each URL with
    `retrieved_url` / `url_retrieval_status` (the parts gemini-3.8-flash returned, as a public client's test
    replays them; snake_case inside `response`, as the recorded search response is);
  - code execution has no `ToolType`: its `executableCode` and `codeExecutionResult` parts carry a shared `id`
    instead (google-genai: "The server returns the `CodeExecutionResult` with the matching `id`"), and are
    signed like the tool parts. Without invocations no id is sent (realwire
    pydantic-ai-test_google_model_file_search_tool_stream, gemini-2.5-pro);
  - Google Maps invocations are not emulated (no recording or document shows their `args`).
* Agentic video (Gemini 3, a video part with `mediaProcessing` AGENTIC, google-genai `types.MediaProcessing`):
  the model "navigates the timeline itself and loads only the frames it needs", so the answer opens with a
  `toolCall` / `toolResponse` pair without `toolType` ("Agentic video responses currently omit `tool_type`",
  langchain-google-genai 4.4.3's `_tool_type_name`), with or without server-side invocations, and the frames it
  loads (one default-resolution frame, 258 tokens, per agentic video) are reported as tool-use prompt tokens
  (VIDEO). No recording shows their `args` or `response`, so none are sent.
"""

from __future__ import annotations

import ast
import hashlib
import operator
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

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


_KINDS = ("googleSearch", "codeExecution", "urlContext", "fileSearch", "googleMaps")
_PRIVATE_HOST = re.compile(r"(?:^|\.)(?:localhost|invalid|test|example|local)$")


def tool_kinds(request: dict[str, Any]) -> set[str]:
    """The built-in tools a request enables."""
    return {key for tool in request.get("tools", ()) for key in _KINDS if key in tool}


def _query(prompt: str) -> str:
    return " ".join(prompt.split())[:80] or "query"


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def _supports(text: str, chunks: int) -> list[dict[str, Any]]:
    """One support per sentence of `text`, UTF-8 byte offsets, cycling over `chunks` sources."""
    supports: list[dict[str, Any]] = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group().rstrip()
        if not sentence.strip():
            continue
        start = len(text[: match.start()].encode())
        segment: dict[str, Any] = {"startIndex": start} if start else {}
        segment.update({"endIndex": start + len(sentence.encode()), "text": sentence})
        supports.append({"segment": segment, "groundingChunkIndices": [len(supports) % chunks]})
    return supports


def grounding(text: str, prompt: str) -> dict[str, Any]:
    """The Google Search `groundingMetadata` for an answer `text` to `prompt`."""
    query = _query(prompt)
    digest = _digest(query)
    chunks = [
        {"web": {"uri": f"https://vertexaisearch.cloud.google.com/grounding-api-redirect/{digest}{i}", "title": site}}
        for i, site in enumerate(("example.com", "example.org"))
    ]
    entry = f'<div class="emulated-search-entry-point">{query}</div>'
    return {
        "webSearchQueries": [query],
        "searchEntryPoint": {"renderedContent": entry},
        "groundingChunks": chunks,
        "groundingSupports": _supports(text, len(chunks)),
    }


def url_grounding(text: str, prompt: str) -> dict[str, Any] | None:
    """The `groundingMetadata` of an answer read from the prompt's retrievable URLs (None: nothing retrieved)."""
    pages = [url for url in prompt_urls(prompt) if _retrieved(url)]
    if not pages or not text:
        return None
    chunks = [{"web": {"uri": url, "title": urlsplit(url).hostname or url}} for url in pages]
    return {"groundingChunks": chunks, "groundingSupports": _supports(text, len(chunks))}


def file_search_grounding(text: str, prompt: str, request: dict[str, Any]) -> dict[str, Any] | None:
    """The `groundingMetadata` of an answer from the first File Search store named (None: no store, no text)."""
    stores = [
        name for tool in request.get("tools", ()) for name in tool.get("fileSearch", {}).get("fileSearchStoreNames", ())
    ]
    if not stores or not text:
        return None
    passage = f"Emulated passage from {stores[0]} about: {_query(prompt)}"
    chunks = [{"retrievedContext": {"fileSearchStore": stores[0], "text": passage}}]
    return {"groundingChunks": chunks, "groundingSupports": _supports(text, 1)}


def maps_grounding(text: str, prompt: str, request: dict[str, Any]) -> dict[str, Any] | None:
    """The Google Maps `groundingMetadata` for an answer `text` (None without text)."""
    if not text:
        return None
    query = _query(prompt)
    chunks = []
    for i, kind in enumerate(("Cafe", "Park")):
        place = _digest(f"{query}:{i}")
        title = f"Emulated {kind} {place[:4].upper()}"
        chunks.append(
            {
                "maps": {
                    "uri": f"https://maps.google.com/?cid={int(place, 16)}",
                    "title": title,
                    "placeId": f"places/ChIJ{place}",
                    "text": f"{title} matches: {query}",
                }
            }
        )
    metadata: dict[str, Any] = {"groundingChunks": chunks, "groundingSupports": _supports(text, len(chunks))}
    if any(tool.get("googleMaps", {}).get("enableWidget") for tool in request.get("tools", ())):
        metadata["googleMapsWidgetContextToken"] = f"widgetcontent/{_digest(query)}"
    return metadata


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


def code_execution_parts(
    prompt: str, quoted: str | None, answer: str, run_id: str | None = None
) -> list[dict[str, Any]]:
    """Text, executableCode, codeExecutionResult and the final text (`run_id`: the id both code parts carry)."""
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
    numbered = {"id": run_id} if run_id else {}
    return [
        {"text": "Let me run some code to answer that."},
        {"executableCode": {"code": code, **numbered, "language": "PYTHON"}},
        {"codeExecutionResult": {**numbered, "outcome": "OUTCOME_OK", "output": output}},
        {"text": f"The code printed {output.strip()}. {answer}"},
    ]


def code_run_id(digest: str) -> str:
    """The id a server-side code run's two parts share."""
    return _call_id(digest, "CODE_EXECUTION")


def prompt_urls(prompt: str) -> list[str]:
    """The http(s) URLs in `prompt`, in order, each once."""
    return list(dict.fromkeys(match.rstrip(".,;:") for match in _URL.findall(prompt)))


def _retrieved(url: str) -> bool:
    return not _PRIVATE_HOST.search(urlsplit(url).hostname or "localhost")


def _url_status(url: str) -> str:
    return "URL_RETRIEVAL_STATUS_SUCCESS" if _retrieved(url) else "URL_RETRIEVAL_STATUS_ERROR"


def url_context(prompt: str) -> dict[str, Any] | None:
    """The `urlContextMetadata` for the URLs in `prompt`, or None when it has none."""
    urls = prompt_urls(prompt)
    if not urls:
        return None
    return {"urlMetadata": [{"retrievedUrl": u, "urlRetrievalStatus": _url_status(u)} for u in urls]}


def _call_id(digest: str, kind: str) -> str:
    return hashlib.blake2b(f"{digest}:{kind}".encode(), digest_size=4).hexdigest()


def url_invocation(prompt: str, digest: str) -> list[dict[str, Any]]:
    """The `toolCall` / `toolResponse` parts of a server-side URL context run (none without URLs)."""
    urls = prompt_urls(prompt)
    if not urls:
        return []
    call_id = _call_id(digest, "URL_CONTEXT")
    fetched = [{"retrieved_url": url, "url_retrieval_status": _url_status(url)} for url in urls]
    return [
        {"toolCall": {"args": {"urls": urls}, "id": call_id, "toolType": "URL_CONTEXT"}},
        {"toolResponse": {"id": call_id, "response": {"url_metadata": fetched}, "toolType": "URL_CONTEXT"}},
    ]


def file_search_invocation(digest: str) -> list[dict[str, Any]]:
    """The `toolCall` / `toolResponse` parts of a server-side File Search run (ids only, as recorded)."""
    call_id = _call_id(digest, "FILE_SEARCH")
    return [
        {"toolCall": {"id": call_id, "toolType": "FILE_SEARCH"}},
        {"toolResponse": {"id": call_id, "toolType": "FILE_SEARCH"}},
    ]


def search_invocation(prompt: str, digest: str) -> list[dict[str, Any]]:
    """The `toolCall` / `toolResponse` parts of a server-side Google Search (unsigned; see the module docstring)."""
    query = _query(prompt)
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


def agentic_videos(request: dict[str, Any]) -> int:
    """How many video parts of the prompt ask for agentic processing."""
    count = 0
    for content in request.get("contents", ()):
        for part in content.get("parts", ()):
            blob = part.get("inlineData") or part.get("fileData")
            mime = (blob or {}).get("mimeType") or ("video/mp4" if "fileData" in part else "")
            if part.get("mediaProcessing") == "AGENTIC" and mime.startswith("video/"):
                count += 1
    return count


def media_invocation(digest: str) -> list[dict[str, Any]]:
    """The `toolCall` / `toolResponse` parts of agentic video processing (no `toolType`; see the docstring)."""
    call_id = _call_id(digest, "MEDIA_PROCESSING")
    return [{"toolCall": {"id": call_id}}, {"toolResponse": {"id": call_id}}]
