"""Gemini media parts -> LangChain content blocks, and raw PCM -> WAV (pure).

* `inlineData` parts become standard blocks: `{"type": "image" | "audio" | "video" | "file", "base64",
  "mime_type"}`. The part's `thoughtSignature` goes to `extras.signature`, which the input converter puts back on
  the same part when the message is replayed.
* Audio keeps its MIME type as returned; the sample rate is read from it (`audio/L16;codec=pcm;rate=24000`) into
  `extras.sample_rate`, never assumed. `wav_bytes` wraps raw PCM in a WAV header for playback.
* `fileData` parts become blocks with `file_id` (the file URI).
"""

from __future__ import annotations

import base64
import io
import wave
from collections.abc import Mapping
from typing import Any

from langchain_gemini._wire import Part

# Raw PCM types: `audio/L16` (RFC 2586) as the TTS models label their output, `audio/pcm` as the Live API does.
_PCM_WIDTHS = {"audio/l8": 1, "audio/l16": 2, "audio/l24": 3, "audio/pcm": 2}
MEDIA_BLOCK_KINDS = frozenset({"image", "audio", "video", "file"})


def mime_params(mime: str) -> tuple[str, dict[str, str]]:
    """`"audio/L16;codec=pcm;rate=24000"` -> `("audio/l16", {"codec": "pcm", "rate": "24000"})`."""
    base, *params = mime.split(";")
    parsed = {}
    for param in params:
        key, _, value = param.partition("=")
        if key.strip():
            parsed[key.strip().lower()] = value.strip().strip('"')
    return base.strip().lower(), parsed


def sample_rate(mime: str) -> int | None:
    """The `rate=` parameter of a MIME type, or None when it has none."""
    rate = mime_params(mime)[1].get("rate", "")
    return int(rate) if rate.isdigit() and int(rate) > 0 else None


def _kind(mime: str) -> str:
    top = mime.partition("/")[0].lower()
    return top if top in {"image", "audio", "video"} else "file"


def media_output_block(part: Part) -> dict[str, Any]:
    """One `inlineData` or `fileData` part as a standard content block (see the module docstring)."""
    extras: dict[str, Any] = {}
    if "inlineData" in part:
        blob = part["inlineData"]
        mime = blob.get("mimeType", "")
        block: dict[str, Any] = {"type": _kind(mime), "base64": blob.get("data", ""), "mime_type": mime}
        if block["type"] == "audio" and (rate := sample_rate(mime)) is not None:
            extras["sample_rate"] = rate
    else:
        file = part["fileData"]
        mime = file.get("mimeType", "")
        block = {"type": _kind(mime), "file_id": file["fileUri"]}
        if mime:
            block["mime_type"] = mime
    if signature := part.get("thoughtSignature"):
        extras["signature"] = signature
    if extras:
        block["extras"] = extras
    return block


def pcm_to_wav(pcm: bytes, *, rate: int, channels: int = 1, sample_width: int = 2) -> bytes:
    """Wrap little-endian PCM samples in a WAV container.

    Gemini's PCM is little-endian ("raw, little-endian, 16-bit PCM", ai.google.dev/gemini-api/docs/live; its TTS
    sample writes the bytes straight into a WAV file), which is WAV's own byte order, so the samples are copied
    as they are.
    """
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(sample_width)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    return out.getvalue()


def _audio_block(source: Any) -> Mapping[str, Any]:
    if isinstance(source, Mapping):
        return source
    content = getattr(source, "content", None)
    for block in content if isinstance(content, list) else []:
        if isinstance(block, Mapping) and block.get("type") == "audio" and block.get("base64"):
            return block
    msg = "no audio block found: pass an audio content block or a message that holds one"
    raise ValueError(msg)


def wav_bytes(source: Any, *, rate: int | None = None, channels: int | None = None) -> bytes:
    """Playable WAV bytes from an audio content block (or the first audio block of a message).

    Raw PCM (`audio/L16`, `audio/pcm`) is wrapped in a WAV header at the sample rate given by the block's MIME
    type; a block that is already WAV is returned decoded.

    Args:
        source: An audio block `{"type": "audio", "base64", "mime_type"}` or an `AIMessage` holding one.
        rate: Sample rate to use when the MIME type does not state one.
        channels: Channel count (default: the MIME type's `channels=` parameter, else 1).

    Raises:
        ValueError: If there is no audio, the format is neither PCM nor WAV, or the sample rate is unknown.
    """
    block = _audio_block(source)
    mime = str(block.get("mime_type") or "")
    base, params = mime_params(mime)
    data = base64.b64decode(block.get("base64") or "")
    if base in {"audio/wav", "audio/x-wav", "audio/wave"}:
        return data
    if base not in _PCM_WIDTHS:
        what = mime or "audio without a MIME type"
        msg = f"cannot make WAV from {what}: only raw PCM (audio/L16, audio/pcm) is wrapped"
        raise ValueError(msg)
    found = sample_rate(mime) or (block.get("extras") or {}).get("sample_rate") or rate
    if not found:
        msg = f"the sample rate of {mime!r} is unknown: pass rate=..."
        raise ValueError(msg)
    count = channels or (int(params["channels"]) if params.get("channels", "").isdigit() else 1)
    return pcm_to_wav(data, rate=int(found), channels=count, sample_width=_PCM_WIDTHS[base])
