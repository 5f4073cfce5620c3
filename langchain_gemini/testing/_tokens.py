"""Deterministic token counts: ceil(chars / 4) for text, fixed rates for media (reference section 12.1).

"A token is equivalent to about 4 characters" [001]; an image costs 258 tokens, a PDF page 258, audio 32 per
second and video 263 per second. Media durations are estimated from the byte size (audio at 16,000 bytes per
second, video at 250,000 bytes per second, at least one second). A Files API reference counts as the uploaded
file does (the Files API handler annotates the part); any other file reference counts as one image, one page,
or one minute of audio or video. System instructions, tools and the response schema count toward the prompt, as
the docs say they do.

Media resolution changes image and video costs. Per part (Gemini 3): LOW 280, MEDIUM 560, HIGH 1120, ULTRA_HIGH
2240 tokens per image (the media-resolution guide's table). In `generationConfig`: LOW 64, MEDIUM and HIGH 256
tokens per image (the MediaResolution enum's documentation), and LOW video frames cost 66 tokens instead of 258
(reference 9.4), so LOW video is 98 tokens per second with its audio.
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
_LOW_VIDEO_TOKENS_PER_SECOND = 66 + AUDIO_TOKENS_PER_SECOND
_AUDIO_BYTES_PER_SECOND = 16_000
_VIDEO_BYTES_PER_SECOND = 250_000
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?!s)")
_PART_IMAGE_TOKENS = {
    "MEDIA_RESOLUTION_LOW": 280,
    "MEDIA_RESOLUTION_MEDIUM": 560,
    "MEDIA_RESOLUTION_HIGH": 1120,
    "MEDIA_RESOLUTION_ULTRA_HIGH": 2240,
}
_CONFIG_IMAGE_TOKENS = {"MEDIA_RESOLUTION_LOW": 64, "MEDIA_RESOLUTION_MEDIUM": 256, "MEDIA_RESOLUTION_HIGH": 256}
FILE_TOKENS_KEY = "\x00file"  # set on a fileData part by the Files API check: (modality, tokens) of the file


def text_tokens(text: str) -> int:
    """ceil(len(text) / 4)."""
    return (len(text) + 3) // 4


def _json_tokens(value: Any) -> int:
    return text_tokens(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def media_tokens(mime: str, size: int, raw: bytes | None) -> tuple[str, int]:
    """(modality, tokens) for media of `size` bytes (`raw` when known) at the default resolution."""
    mime = mime.partition(";")[0].strip().lower()
    kind = mime.split("/", 1)[0]
    if kind == "image":
        return "IMAGE", IMAGE_TOKENS
    if kind == "audio":
        seconds = max(1, size // _AUDIO_BYTES_PER_SECOND) if raw is not None else 60
        return "AUDIO", seconds * AUDIO_TOKENS_PER_SECOND
    if kind == "video":
        seconds = max(1, size // _VIDEO_BYTES_PER_SECOND) if raw is not None else 60
        return "VIDEO", seconds * VIDEO_TOKENS_PER_SECOND
    if mime == "application/pdf":
        pages = max(1, len(_PDF_PAGE.findall(raw))) if raw is not None else 1
        return "DOCUMENT", pages * PDF_PAGE_TOKENS
    if raw is not None:  # text/plain, text/csv, code...: counted as the text they contain
        return "TEXT", text_tokens(raw.decode("utf-8", "replace"))
    return "DOCUMENT", PDF_PAGE_TOKENS


def _resolved(modality: str, tokens: int, part_level: str | None, config_level: str | None) -> int:
    """Apply a media resolution to a default-resolution count."""
    if modality == "IMAGE":
        if part_level in _PART_IMAGE_TOKENS:
            return _PART_IMAGE_TOKENS[part_level]
        return _CONFIG_IMAGE_TOKENS.get(config_level or "", tokens)
    if modality == "VIDEO" and (part_level or config_level) == "MEDIA_RESOLUTION_LOW":
        return tokens // VIDEO_TOKENS_PER_SECOND * _LOW_VIDEO_TOKENS_PER_SECOND
    return tokens


def _blob_tokens(blob: dict[str, Any]) -> tuple[str, int]:
    data = blob.get("data", "")
    mime = blob.get("mimeType", "")
    base = mime.partition(";")[0].strip().lower()
    # Decode only what is counted from the content: PDF pages and text.
    needs_bytes = base == "application/pdf" or not base.startswith(("image/", "audio/", "video/"))
    raw = decode_base64(data) if needs_bytes else b""
    return media_tokens(mime, len(data) * 3 // 4, raw)


def part_tokens(part: dict[str, Any], config_level: str | None = None) -> tuple[str, int]:
    """(modality, tokens) for one normalized part (`config_level`: generationConfig.mediaResolution)."""
    if "text" in part:
        return "TEXT", text_tokens(part["text"])
    media: tuple[str, int] | None = None
    if "inlineData" in part:
        media = _blob_tokens(part["inlineData"])
    elif "fileData" in part:
        media = part.get(FILE_TOKENS_KEY)
        if media is None:
            mime = part["fileData"].get("mimeType") or "video/mp4"  # YouTube links carry no MIME type
            media = media_tokens(mime, 0, None)
    if media is not None:
        level = part.get("mediaResolution", {}).get("level")
        return media[0], _resolved(media[0], media[1], level, config_level)
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

    def contents(self, contents: list[dict[str, Any]], config_level: str | None = None) -> Tally:
        """Count every part of every content."""
        for content in contents:
            for part in content.get("parts", ()):
                self.add(*part_tokens(part, config_level))
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
    config = request.get("generationConfig", {})
    level = config.get("mediaResolution")
    tally = request[_CACHE_KEY] = Tally().contents(request.get("contents", ()), level)
    system = request.get("systemInstruction")
    if system:
        tally.contents([system], level)
    if request.get("tools"):
        tally.add("TEXT", _json_tokens(request["tools"]))
    for key in ("responseSchema", "responseJsonSchema"):
        if key in config:
            tally.add("TEXT", _json_tokens(config[key]))
    return tally


def report_cached(answer: Any, tokens: int, details: list[dict[str, Any]]) -> Any:
    """Report `tokens` of the prompt as read from a cache (explicit and implicit hits read alike).

    `cachedContentTokenCount` goes after `promptTokenCount` (which already includes it), `cacheTokensDetails` last.
    """
    if not isinstance(answer, dict) or not isinstance(answer.get("usageMetadata"), dict):
        return answer
    ordered: dict[str, Any] = {}
    for key, value in answer["usageMetadata"].items():
        ordered[key] = value
        if key == "promptTokenCount":
            ordered["cachedContentTokenCount"] = tokens
    ordered.setdefault("cachedContentTokenCount", tokens)
    ordered["cacheTokensDetails"] = [dict(d) for d in details]
    answer["usageMetadata"] = ordered
    return answer
