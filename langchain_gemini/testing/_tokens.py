"""Deterministic token counts: ceil(chars / 4) for text, fixed rates for media (reference section 12.1).

"A token is equivalent to about 4 characters" [001]; an image costs 258 tokens, a PDF page 258, audio 32 per
second and video 263 per second. Inline media durations are estimated from the byte size (audio at 16,000 bytes
per second, video at 250,000 bytes per second, at least one second); a file reference counts as one image, one
page, or one minute of audio or video. System instructions, tools and the response schema count toward the
prompt, as the docs say they do.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_gemini.testing._normalize import decode_base64

IMAGE_TOKENS = 258
PDF_PAGE_TOKENS = 258
AUDIO_TOKENS_PER_SECOND = 32
VIDEO_TOKENS_PER_SECOND = 263
_AUDIO_BYTES_PER_SECOND = 16_000
_VIDEO_BYTES_PER_SECOND = 250_000
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?!s)")


def text_tokens(text: str) -> int:
    """ceil(len(text) / 4)."""
    return (len(text) + 3) // 4


def _json_tokens(value: Any) -> int:
    return text_tokens(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def _media(mime: str, size: int, data: str | None) -> tuple[str, int]:
    kind = mime.split("/", 1)[0]
    if kind == "image":
        return "IMAGE", IMAGE_TOKENS
    if kind == "audio":
        seconds = max(1, size // _AUDIO_BYTES_PER_SECOND) if data is not None else 60
        return "AUDIO", seconds * AUDIO_TOKENS_PER_SECOND
    if kind == "video":
        seconds = max(1, size // _VIDEO_BYTES_PER_SECOND) if data is not None else 60
        return "VIDEO", seconds * VIDEO_TOKENS_PER_SECOND
    if mime == "application/pdf":
        pages = 1
        if data is not None:
            pages = max(1, len(_PDF_PAGE.findall(decode_base64(data))))
        return "DOCUMENT", pages * PDF_PAGE_TOKENS
    if data is not None:  # text/plain, text/csv, code...: counted as the text they contain
        return "TEXT", text_tokens(decode_base64(data).decode("utf-8", "replace"))
    return "DOCUMENT", PDF_PAGE_TOKENS


def part_tokens(part: dict[str, Any]) -> tuple[str, int]:
    """(modality, tokens) for one normalized part."""
    if "text" in part:
        return "TEXT", text_tokens(part["text"])
    if "inlineData" in part:
        blob = part["inlineData"]
        data = blob.get("data", "")
        return _media(blob.get("mimeType", ""), len(data) * 3 // 4, data)
    if "fileData" in part:
        mime = part["fileData"].get("mimeType") or "video/mp4"  # YouTube links carry no MIME type
        return _media(mime, 0, None)
    for key in ("functionCall", "functionResponse", "executableCode", "codeExecutionResult"):
        if key in part:
            return "TEXT", _json_tokens(part[key])
    return "TEXT", 0


class Tally:
    """Prompt tokens by modality, in the order modalities first appear."""

    def __init__(self) -> None:
        self.by_modality: dict[str, int] = {}

    def add(self, modality: str, tokens: int) -> None:
        """Count `tokens` under `modality`."""
        self.by_modality[modality] = self.by_modality.get(modality, 0) + tokens

    def contents(self, contents: list[dict[str, Any]]) -> Tally:
        """Count every part of every content."""
        for content in contents:
            for part in content.get("parts", ()):
                self.add(*part_tokens(part))
                if "thoughtSignature" in part:  # "signatures ... increase the input tokens" [001]
                    self.add("TEXT", text_tokens(part["thoughtSignature"]))
        return self

    @property
    def total(self) -> int:
        """All tokens counted so far."""
        return sum(self.by_modality.values())

    def details(self) -> list[dict[str, Any]]:
        """`promptTokensDetails` entries (zero counts omitted, as proto3 JSON does)."""
        return [{"modality": m, "tokenCount": n} for m, n in self.by_modality.items() if n]


_CACHE_KEY = "\x00tally"  # cannot clash with a field name: normalized requests only hold known JSON names


def prompt_tally(request: dict[str, Any]) -> Tally:
    """Count a normalized GenerateContentRequest: contents, system instruction, tools and schema.

    The result is kept in the request dict, so validation and the answer count the prompt once.
    """
    cached: Tally | None = request.get(_CACHE_KEY)
    if cached is not None:
        return cached
    tally = request[_CACHE_KEY] = Tally().contents(request.get("contents", ()))
    system = request.get("systemInstruction")
    if system:
        tally.contents([system])
    if request.get("tools"):
        tally.add("TEXT", _json_tokens(request["tools"]))
    config = request.get("generationConfig", {})
    for key in ("responseSchema", "responseJsonSchema"):
        if key in config:
            tally.add("TEXT", _json_tokens(config[key]))
    return tally
