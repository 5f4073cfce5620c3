"""Incremental decoder for Gemini's ``alt=sse`` streams. Pure: bytes in, messages, then events out.

`SSEDecoder` turns bytes into messages; `EventReader` turns messages into events or the errors
they carry, and notices a stream that ends before any event completed the answer.

Lines are split only at CR, LF and CRLF, as the SSE spec defines them. ``str.splitlines()`` (and
so httpx's ``iter_lines``) also breaks at U+2028, U+2029, U+0085 and a few control characters,
which JSON strings may contain unescaped: splitting there would cut an event in half.

Besides ``data:`` events, Gemini can end a stream with a raw, pretty-printed JSON error object
that has no ``data:`` prefix (vercel/ai#5217). A spec-compliant decoder ignores those lines and
the stream just stops; this one collects them until the braces balance and reports an error.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

from langchain_gemini.errors import GeminiResponseValidationError, GeminiStreamError, Secrets, error_from_body, redact

SSEKind = Literal["event", "error", "invalid"]
_EVENT_END = "\r\n\r\n"


class SSEMessage(NamedTuple):
    """One decoded unit of the stream.

    Attributes:
        kind: ``"event"``: a JSON object (one GenerateContentResponse); ``"error"``: an API error
            payload, from a ``data:`` line or a raw JSON block (``data`` is the parsed
            ``{"error": ...}`` value, possibly list-wrapped); ``"invalid"``: data that is not a
            JSON object (``data`` is the raw text).
        data: The parsed JSON value, or the raw text for ``"invalid"``.
    """

    kind: SSEKind
    data: Any


def _classify(text: str) -> SSEMessage:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the decoder goes
        return SSEMessage("invalid", text)
    if type(value) is dict:  # nearly every message: one event
        return SSEMessage("error" if "error" in value else "event", value)
    first = value[0] if isinstance(value, list) and len(value) == 1 else value
    if isinstance(first, dict) and "error" in first:
        return SSEMessage("error", value)
    if isinstance(value, dict):
        return SSEMessage("event", value)
    return SSEMessage("invalid", text)


class _BraceCounter:
    """Tracks `{}`/`[]` nesting outside JSON strings across lines of a raw JSON block."""

    __slots__ = ("depth", "escaped", "in_string")

    def __init__(self) -> None:
        self.depth = 0
        self.in_string = False
        self.escaped = False

    def feed(self, line: str) -> bool:
        """Consume one line; return True once the outermost bracket has closed."""
        for char in line:
            if self.in_string:
                if self.escaped:
                    self.escaped = False
                elif char == "\\":
                    self.escaped = True
                elif char == '"':
                    self.in_string = False
            elif char == '"':
                self.in_string = True
            elif char in "{[":
                self.depth += 1
            elif char in "}]":
                self.depth -= 1
        return self.depth <= 0


class SSEDecoder:
    """Feed raw bytes in any chunking; get back the complete messages they finish."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._partial: list[str] = []  # pieces of text after the last line break
        self._skip_lf = False  # the previous chunk ended in CR: a leading LF belongs to it
        self._data: list[str] = []
        self._raw: list[str] | None = None  # lines of a raw JSON block being collected
        self._braces = _BraceCounter()

    def feed(self, data: bytes) -> list[SSEMessage]:
        """Decode a chunk of the body.

        Args:
            data: The next bytes, split anywhere (even inside a UTF-8 character or a CRLF).

        Returns:
            The messages completed by this chunk, in order.
        """
        text = self._utf8.decode(data)
        whole = self._whole_events(text)
        return self._lines(text) if whole is None else whole

    def close(self) -> list[SSEMessage]:
        """Flush at end of stream: a final event without its blank line is still delivered.

        Returns:
            The remaining messages; an unfinished raw JSON block comes back as ``"invalid"``.
        """
        out = self._lines(self._utf8.decode(b"", final=True))
        if self._partial:
            self._line("".join(self._partial), out)
            self._partial = []
        self._dispatch(out)
        if self._raw is not None:
            out.append(SSEMessage("invalid", "\n".join(self._raw)))
            self._raw = None
        return out

    def _whole_events(self, text: str) -> list[SSEMessage] | None:
        r"""The messages of `text` if it is whole ``data: {...}\r\n\r\n`` events and nothing is pending, else None.

        Google frames its events that way, and a chunk often holds exactly whole events: they are taken here without
        splitting lines, with the same result as the line-by-line path (which gets everything else). When the blank
        line separators account for every CR and LF in `text`, each block between them is a single ``data:`` line.
        """
        if self._partial or self._data or self._raw is not None or self._skip_lf or not text.endswith(_EVENT_END):
            return None
        blocks = text.split(_EVENT_END)
        blocks.pop()  # the empty text after the last separator
        if text.count("\n") != 2 * len(blocks) or text.count("\r") != 2 * len(blocks):
            return None
        out = []
        for block in blocks:
            if not block.startswith("data:"):
                return None
            out.append(_classify(block[6:] if block[5:6] == " " else block[5:]))
        return out

    def _lines(self, text: str) -> list[SSEMessage]:
        out: list[SSEMessage] = []
        if self._skip_lf and text:
            if text[0] == "\n":
                text = text[1:]
            self._skip_lf = False
        if not text:
            return out
        # Only the new text is scanned: a long line (a streamed base64 image) arriving in many
        # chunks costs linear time. The kept partial never ends in CR, so no CRLF spans the seam.
        # Two C-level replaces and a split: the same lines as splitting on CR, LF and CRLF, about twice as fast
        # as a regex on event-sized text.
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if len(lines) == 1:
            self._partial.append(text)
            return out
        if self._partial:
            lines[0] = "".join(self._partial) + lines[0]
        self._partial = [lines[-1]] if lines[-1] else []
        # A trailing CR was already taken as a line break; the LF of its CRLF may come next.
        self._skip_lf = text[-1] == "\r"
        data = self._data
        for line in lines[:-1]:
            # The lines of nearly every event, handled here rather than in `_line` (a call per line adds up).
            if self._raw is None:
                if line.startswith("data:"):
                    data.append(line[6:] if line[5:6] == " " else line[5:])
                    continue
                if not line:
                    self._dispatch(out)
                    continue
            self._line(line, out)
        return out

    def _line(self, line: str, out: list[SSEMessage]) -> None:
        if self._raw is not None:
            self._raw_line(self._raw, line, out)
        elif line.startswith("data:"):  # the common case first
            self._data.append(line[6:] if line[5:6] == " " else line[5:])
        elif not line:
            self._dispatch(out)
        elif line[0] == ":":
            return  # comment
        elif line.lstrip()[:1] in ("{", "["):
            self._dispatch(out)
            self._raw = []
            self._braces = _BraceCounter()
            self._raw_line(self._raw, line, out)
        elif line == "data":  # a field with no colon has an empty value
            self._data.append("")
        # "event", "id", "retry" and unknown fields carry nothing Gemini uses.

    def _raw_line(self, raw: list[str], line: str, out: list[SSEMessage]) -> None:
        raw.append(line)
        if self._braces.feed(line):
            out.append(_classify("\n".join(raw)))
            self._raw = None

    def _dispatch(self, out: list[SSEMessage]) -> None:
        data = self._data
        if data:
            out.append(_classify(data[0] if len(data) == 1 else "\n".join(data)))
            data.clear()  # in place: `_lines` holds this list


def _is_final(event: Mapping[str, Any]) -> bool:
    """A stream is complete once a candidate has a finishReason or the prompt was blocked."""
    candidates = event.get("candidates")
    if type(candidates) is list:
        for candidate in candidates:  # a loop, not any(...): this runs for every event
            if type(candidate) is dict and candidate.get("finishReason"):
                return True
    feedback = event.get("promptFeedback")
    return isinstance(feedback, dict) and bool(feedback.get("blockReason"))


class EventReader:
    """Turns decoded messages into events; raises API errors, invalid events and truncation.

    Args:
        secret: The API key, redacted from every error built here.
    """

    __slots__ = ("_secret", "completed")

    def __init__(self, secret: Secrets) -> None:
        self._secret = secret
        self.completed = False

    def accept(self, message: SSEMessage) -> dict[str, Any]:
        """The event in `message`, or raise the error it carries."""
        kind, event = message
        if kind == "event":
            if not self.completed:
                self.completed = _is_final(event)
            return event  # type: ignore[no-any-return]
        if kind == "error":
            raise error_from_body(event, secret=self._secret)
        raise GeminiResponseValidationError(
            "stream event is not a JSON object", body=redact(event, self._secret), is_retryable=False
        )

    def finish(self) -> None:
        """At a clean end of stream: raise `GeminiStreamError` if no event completed the answer."""
        if not self.completed:
            raise GeminiStreamError("stream ended before completion (no finishReason)")
