r"""streamGenerateContent: one GenerateContentResponse split into events, and the two wire framings.

Events follow reference section 5: text arrives as deltas; a functionCall or inline media part arrives whole in
one event; the signature of a signed answer text comes last, on its own empty text part; `finishReason` (and the
candidate's ratings, citations, finish message) only on the last event; `usageMetadata` on every event,
cumulative, the last one equal to the unary usage; `modelVersion` and `responseId` on every event.

Framings: with `?alt=sse`, each event is one line `data: <json>` followed by a blank line, CRLF line ends, no
`[DONE]`; without it, a streamed JSON array `[{...}\n,\r\n{...}\n]` of pretty-printed objects.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_gemini.testing._errors import ApiError

_WORDS = re.compile(r"\S+\s*|\s+")
_FILLER = " The emulator adds this sentence so that the stream has enough text to split."
_CANDIDATE_TAIL = (
    "finishReason",
    "finishMessage",
    "safetyRatings",
    "citationMetadata",
    "groundingMetadata",
    "avgLogprobs",
    "logprobsResult",
    "urlContextMetadata",
    "continuationToken",  # a long-decode hop's token comes with its finishReason CONTINUATION (`_long_decode`)
)


def pad_text(response: dict[str, Any], events: int) -> dict[str, Any]:
    """Lengthen a default answer so it splits into `events` pieces of a few characters (usage kept honest)."""
    candidates = response.get("candidates") or []
    if not candidates:
        return response
    parts = candidates[0].get("content", {}).get("parts", [])
    texts = [p for p in parts if "text" in p and not p.get("thought")]
    if not texts or candidates[0].get("finishReason") != "STOP":
        return response
    target = 4 * events
    added = 0
    while len(texts[-1]["text"]) < target:
        texts[-1]["text"] += _FILLER
        added += len(_FILLER)
    if added:
        usage = response.get("usageMetadata", {})
        extra = (added + 3) // 4
        usage["candidatesTokenCount"] = usage.get("candidatesTokenCount", 0) + extra
        usage["totalTokenCount"] = usage.get("totalTokenCount", 0) + extra
    return response


def end_on_empty_text(response: dict[str, Any]) -> dict[str, Any]:
    """Gemini 3 streams end on an event whose only part is an empty text (with the finish reason).

    So does a long-decode hop that stops with CONTINUATION (Gemini 4, `_long_decode`): the empty text carries the
    finish reason and the `continuationToken`, as the last event of a finished answer carries STOP.

    Realwire: a Gemini 3 stream's last event holds `{"text": ""}`, signed when the answer text is signed
    (vercel-ai-google-text-stream, pydantic-ai-test_google_model_file_search_grounding_gemini_3_True-0: that
    case is `_part_pieces`' trailing signature), unsigned after a function call
    (pydantic-ai-test_google_streaming_tool_call_thought_signature-0, vercel-ai-google-tool-call-gemini3-stream)
    and after an unsigned answer (pydantic-ai-test_google_streaming_tool_call_thought_signature-1).
    """
    for candidate in response.get("candidates") or []:
        parts = candidate.get("content", {}).get("parts")
        if not parts or candidate.get("finishReason") not in ("STOP", "CONTINUATION"):
            continue
        last = parts[-1]
        if "text" in last and "thoughtSignature" in last and not last.get("thought"):
            continue  # `_part_pieces` moves the signature onto a trailing empty text part
        parts.append({"text": ""})
    return response


def split_text(text: str, pieces: int) -> list[str]:
    """`text` in at most `pieces` consecutive pieces, cut at word boundaries when there are enough words."""
    if pieces <= 1 or len(text) <= 1:
        return [text]
    words = _WORDS.findall(text)
    units = words if len(words) >= pieces else list(text)
    pieces = min(pieces, len(units))
    size, extra = divmod(len(units), pieces)
    out, start = [], 0
    for index in range(pieces):
        end = start + size + (1 if index < extra else 0)
        out.append("".join(units[start:end]))
        start = end
    return out


def _part_pieces(parts: list[dict[str, Any]], events: int) -> list[dict[str, Any]]:
    """Split text parts over the event budget; other parts stay whole."""
    text_parts = [p for p in parts if isinstance(p.get("text"), str) and p["text"]]
    splittable = {id(p) for p in text_parts}
    budget = max(len(text_parts), events - (len(parts) - len(text_parts)))
    total = sum(len(p["text"]) for p in text_parts) or 1
    pieces: list[dict[str, Any]] = []
    for part in parts:
        if id(part) not in splittable:
            pieces.append(part)
            continue
        share = max(1, round(budget * len(part["text"]) / total))
        signature = part.get("thoughtSignature")
        trailing = signature is not None and not part.get("thought")
        for index, chunk in enumerate(split_text(part["text"], share)):
            piece = {**part, "text": chunk}
            if (index or trailing) and signature is not None:  # a signature travels once
                del piece["thoughtSignature"]
            pieces.append(piece)
        if trailing:
            # "the model may return the thought signature in a part with an empty text content part" when it
            # streams an answer without function calls (thought-signatures guide, FAQ 3)
            pieces.append({"text": "", "thoughtSignature": signature})
    return pieces


def split_response(response: dict[str, Any], events: int) -> list[dict[str, Any]]:
    """The events a stream of `response` consists of (at least one)."""
    candidates = response.get("candidates")
    if not candidates:
        return [response]
    per_candidate = [_part_pieces(c.get("content", {}).get("parts", []), events) for c in candidates]
    count = max(1, *(len(p) for p in per_candidate))
    envelope = {k: v for k, v in response.items() if k not in ("candidates", "usageMetadata")}
    usage = response.get("usageMetadata")
    sent, total_chars = 0, sum(_size(p) for pieces in per_candidate for p in pieces) or 1
    out = []
    for index in range(count):
        event_candidates = []
        for candidate, pieces in zip(candidates, per_candidate, strict=True):
            last = index == count - 1
            if index >= len(pieces) and not last:
                continue
            event_candidates.append(_event_candidate(candidate, pieces[index] if index < len(pieces) else None, last))
            if index < len(pieces):
                sent += _size(pieces[index])
        event: dict[str, Any] = {"candidates": event_candidates}
        if usage is not None:
            event["usageMetadata"] = _cumulative(usage, sent / total_chars, index == count - 1)
        event.update(envelope)
        out.append(event)
    return out


def _size(piece: dict[str, Any]) -> int:
    if piece.get("thought"):  # thoughts are billed in thoughtsTokenCount, not candidatesTokenCount
        return 0
    return len(piece["text"]) if "text" in piece else 16


def _event_candidate(candidate: dict[str, Any], piece: dict[str, Any] | None, last: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if piece is not None:
        out["content"] = {"parts": [piece], "role": candidate.get("content", {}).get("role", "model")}
    elif last and "content" in candidate and not candidate["content"].get("parts"):
        out["content"] = candidate["content"]
    if last:
        out.update({k: candidate[k] for k in _CANDIDATE_TAIL if k in candidate})
    if "index" in candidate:
        out["index"] = candidate["index"]
    return out


def _cumulative(usage: dict[str, Any], fraction: float, last: bool) -> dict[str, Any]:
    if last:
        return usage
    produced = int(usage.get("candidatesTokenCount", 0) * fraction)
    out = dict(usage)
    if produced:
        out["candidatesTokenCount"] = produced
    else:
        out.pop("candidatesTokenCount", None)
    out["totalTokenCount"] = usage.get("totalTokenCount", 0) - usage.get("candidatesTokenCount", 0) + produced
    return out


_encode = json.JSONEncoder(ensure_ascii=False).encode  # built once: json.dumps(..., ensure_ascii=False) is not


_string = json.encoder.encode_basestring  # the C string encoder behind json.dumps(..., ensure_ascii=False)


def _pairs(items: Any) -> str:
    return "".join(", " + _string(k) + ": " + _encode(v) for k, v in items)


class _UsageTemplate:
    """`_encode(_cumulative(usage, fraction, last))` by string formatting (two integers change per event)."""

    _PRODUCED, _TOTAL = -7_777_777_771, -7_777_777_772

    def __init__(self, usage: dict[str, Any]) -> None:
        self.usage = usage
        self.final = _encode(usage)
        self.produced: int = usage.get("candidatesTokenCount", 0)
        self.base: int = usage.get("totalTokenCount", 0) - self.produced
        sample = _cumulative(usage, 0.0, False)
        sample["totalTokenCount"] = self._TOTAL
        self.without = _encode(sample).replace("%", "%%").replace(str(self._TOTAL), "%d")
        sample = {**usage, "candidatesTokenCount": self._PRODUCED, "totalTokenCount": self._TOTAL}
        self.with_ = (
            _encode(sample).replace("%", "%%").replace(str(self._PRODUCED), "%d").replace(str(self._TOTAL), "%d")
        )

    def render(self, fraction: float, last: bool) -> str:
        if last:
            return self.final
        produced = int(self.produced * fraction)
        if produced:
            return self.with_ % (produced, self.base + produced)
        return self.without % self.base


def sse_stream(response: dict[str, Any], events: int) -> list[bytes] | None:
    """The SSE chunks of a text-only, single-candidate stream, built from string pieces.

    Byte-for-byte what `frame_events(split_response(response, events), sse=True)` produces (a test checks
    it), at a third of the cost: this is the streaming benchmark's server-side hot path. Returns None for
    any other shape.
    """
    candidates = response.get("candidates")
    if not candidates or len(candidates) != 1:
        return None
    candidate = candidates[0]
    content = candidate.get("content") or {}
    parts = content.get("parts") or []
    if not parts or set(content) != {"parts", "role"} or any(set(p) - {"text", "thought"} for p in parts):
        return None
    pieces = _part_pieces(parts, events)
    head = 'data: {"candidates": [{"content": {"parts": ['
    middle = '], "role": ' + _string(content["role"]) + "}"
    tail = _pairs((k, candidate[k]) for k in _CANDIDATE_TAIL if k in candidate)
    index = _pairs([("index", candidate["index"])]) if "index" in candidate else ""
    envelope = _pairs((k, v) for k, v in response.items() if k not in ("candidates", "usageMetadata")) + "}\r\n\r\n"
    usage = response.get("usageMetadata")
    cumulative = _UsageTemplate(usage) if usage is not None else None
    total = sum(_size(p) for p in pieces) or 1
    out, sent, last = [], 0, len(pieces) - 1
    for number, piece in enumerate(pieces):
        sent += _size(piece)
        text = (
            '{"text": '
            + _string(piece["text"])
            + (', "thought": ' + _encode(piece["thought"]) if "thought" in piece else "")
            + "}"
        )
        line = head + text + middle + (tail if number == last else "") + index + "}]"
        if cumulative is not None:
            line += ', "usageMetadata": ' + cumulative.render(sent / total, number == last)
        out.append((line + envelope).encode())
    return out


def sse_event(event: dict[str, Any]) -> bytes:
    """One SSE event as Google frames it."""
    return b"data: " + _encode(event).encode() + b"\r\n\r\n"


def array_event(event: dict[str, Any], first: bool) -> bytes:
    """One element of the streamed JSON array (its opening bracket or separating comma included)."""
    lead = "[" if first else "\n,\r\n"
    return (lead + json.dumps(event, indent=2, ensure_ascii=False)).encode()


ARRAY_END = b"\n]"


def frame_events(events: list[dict[str, Any]], sse: bool) -> list[bytes]:
    """The body chunks of a complete stream."""
    if sse:
        return [sse_event(e) for e in events]
    return [array_event(e, i == 0) for i, e in enumerate(events)] + [ARRAY_END]


def error_chunk(error: ApiError, sse: bool, raw: bool) -> bytes:
    """A mid-stream error: `data: {"error": ...}`, or the raw pretty-printed block Google sends without `data:`."""
    if raw:
        return error.encode()
    if sse:
        return sse_event(error.body())
    return b"\n,\r\n" + json.dumps(error.body(), indent=2).encode()


def unfinished(chunk: bytes, sse: bool) -> bytes:
    """A framed event re-framed without its finish information (for truncated streams)."""
    text = chunk.decode()
    if sse:
        return sse_event(_strip_finish(json.loads(text.removeprefix("data: "))))
    first = text.startswith("[")
    return array_event(_strip_finish(json.loads(text[1 if first else 4 :])), first)


def _strip_finish(event: dict[str, Any]) -> dict[str, Any]:
    candidates = [{k: v for k, v in c.items() if k not in _CANDIDATE_TAIL} for c in event.get("candidates", ())]
    return {**event, "candidates": candidates}
