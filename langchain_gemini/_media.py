"""Media content blocks -> Gemini parts (pure): block forms, data URLs, MIME types, references.

Every multimodal block form LangChain users write is reduced to one `MediaRef` (inline base64, or a reference),
then to one part:

* LangChain v1 `image` / `audio` / `video` / `file` blocks (`base64`, `url` or `file_id`, `mime_type`);
* OpenAI `image_url` (a string or `{"url"}`; data URLs included), `input_audio` and `file` blocks;
* Anthropic `image` / `document` blocks with a `source`, and LangChain v0 blocks with `source_type`;
* langchain-google-genai `media` blocks (`data` or `file_uri`, `mime_type`, `video_metadata`);
* plain-text documents (`text-plain` blocks, Anthropic text sources), sent as `text/plain` inline data.

OpenAI, Anthropic and v0 shapes go through langchain-core's own normalisation (`HumanMessage.content_blocks`);
`image_url` and `media` are read here because core rejects the plain-string `image_url` form and any `image_url`
with extra keys (such as a replayed thought signature), and does not know `media`.

Part-level fields travel with the block: `extras.signature` -> `thoughtSignature` (so a generated image replays
with its signature), `media_resolution` -> `mediaResolution.level`, `video_metadata` -> `videoMetadata`.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from langchain_gemini._wire import Part
from langchain_gemini.multimodal import to_media_resolution

# Google's front end rejects larger bodies with 400 "Request payload size exceeds the limit: 20971520 bytes."
# (the message quoted in public client code); the docs round it to "20 MB" (ai.google.dev/gemini-api/docs/files).
MAX_REQUEST_BYTES = 20 * 1024 * 1024

# MIME types Gemini documents for inline and file parts (ai.google.dev/gemini-api/docs/image-understanding,
# /audio, /video-understanding, /document-processing).
# `video/quicktime` is the newer docs' name for `video/mov`; `audio/pcm` and `audio/l16` are the raw PCM types
# the Live API takes and the TTS models return, so a replayed audio answer stays valid. Any `text/*` type is
# accepted: "Technically, you can pass other MIME types ... extracted as pure text" [001].
SUPPORTED_MIME_TYPES: Mapping[str, frozenset[str]] = {
    "image": frozenset({"image/png", "image/jpeg", "image/webp", "image/heic", "image/heif"}),
    "audio": frozenset(
        {
            "audio/wav",
            "audio/mp3",
            "audio/mpeg",
            "audio/aiff",
            "audio/aac",
            "audio/ogg",
            "audio/flac",
            "audio/pcm",
            "audio/l16",
        }
    ),
    "video": frozenset(
        {
            "video/mp4",
            "video/mpeg",
            "video/mov",
            "video/quicktime",
            "video/avi",
            "video/x-flv",
            "video/mpg",
            "video/webm",
            "video/wmv",
            "video/3gpp",
        }
    ),
    "document": frozenset(
        {"application/pdf", "application/json", "application/x-javascript", "application/x-python", "text/*"}
    ),
}
_ALL_SUPPORTED = frozenset().union(*SUPPORTED_MIME_TYPES.values())
# Names that sniffers and browsers use for the types above -> the name Gemini documents.
_ALIASES: Mapping[str, str] = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/x-flac": "audio/flac",
    "audio/x-aiff": "audio/aiff",
    "audio/x-aac": "audio/aac",
    "audio/x-mp3": "audio/mp3",
    "video/x-msvideo": "video/avi",
    "video/x-ms-wmv": "video/wmv",
    "application/x-pdf": "application/pdf",
}
GENERIC_MIME_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/unknown"})
# filetype reads at most this many leading bytes (filetype.utils._NUM_SIGNATURE_BYTES).
_SNIFF_BYTES = 8192

_YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "www.youtu.be"})
GOOGLE_FILES_HOST = "generativelanguage.googleapis.com"
_FILES_PATH = re.compile(r"^/v1[a-z0-9]*/files/[A-Za-z0-9_-]+$")
_FILE_NAME = re.compile(r"files/[A-Za-z0-9_-]+")

MEDIA_KINDS = ("image", "audio", "video", "file")


@dataclass
class MediaRef:
    """One media block, reduced: inline base64 (`data`, possibly inside a data URL) or a reference (`uri`)."""

    kind: str
    label: str
    data: str | None = None
    data_start: int = 0  # where the base64 starts inside `data` (after a data URL's comma); avoids a copy
    uri: str | None = None
    mime_type: str | None = None
    filename: str | None = None
    part_fields: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("mime_type", "filename"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                msg = f"{self.label}: {name!r} must be a string, got {type(value).__name__}"
                raise TypeError(msg)

    @property
    def b64_len(self) -> int:
        """Length of the base64 text, without slicing it out of a data URL."""
        return len(self.data) - self.data_start if self.data is not None else 0

    @property
    def b64(self) -> str:
        """The base64 text (one copy when it sits inside a data URL)."""
        if self.data is None:
            msg = f"{self.label}: block holds no inline data"
            raise ValueError(msg)
        return self.data[self.data_start :] if self.data_start else self.data


# -- MIME types --------------------------------------------------------------------------------------------------


def canonical_mime(mime: str) -> str:
    """Lower-case the type, map known aliases to Gemini's names, keep parameters (`audio/pcm;rate=16000`)."""
    base, sep, params = mime.partition(";")
    base = base.strip().lower()
    base = _ALIASES.get(base, base)
    return f"{base};{params.strip()}" if sep else base


def is_supported(mime: str) -> bool:
    """Whether Gemini accepts this MIME type in a part (parameters ignored)."""
    base = mime.partition(";")[0].strip().lower()
    return base in _ALL_SUPPORTED or base.startswith("text/")


def check_supported(mime: str, label: str) -> str:
    """Return the canonical type, or raise a ValueError naming the block and the supported types."""
    canonical = canonical_mime(mime)
    if is_supported(canonical):
        # Keep the caller's spelling unless it is an alias (MIME types are case-insensitive; replays stay verbatim).
        return mime.strip() if canonical.lower() == mime.strip().lower() else canonical
    listing = "; ".join(f"{group}: {', '.join(sorted(types))}" for group, types in SUPPORTED_MIME_TYPES.items())
    msg = f"{label}: MIME type {mime!r} is not supported by Gemini. Supported types are {listing}"
    raise ValueError(msg)


def sniff_mime(head: bytes) -> str | None:
    """The MIME type recognised from leading bytes with `filetype`, canonicalised, or None."""
    import filetype  # deferred: only media requests pay for it

    guess = filetype.guess_mime(head[:_SNIFF_BYTES])
    return canonical_mime(guess) if guess else None


def b64_head(data: str, start: int = 0, label: str = "") -> bytes:
    """Decode just enough leading base64 to sniff a type; no copy of the whole payload.

    Raises:
        ValueError: If the leading characters are not base64.
    """
    chunk = data[start : start + (_SNIFF_BYTES // 3 + 2) * 4]
    chunk = "".join(chunk.split()).replace("-", "+").replace("_", "/")  # tolerate line breaks and URL-safe text
    chunk = chunk[: len(chunk) // 4 * 4]
    try:
        return base64.b64decode(chunk, validate=True)
    except (binascii.Error, ValueError):
        msg = f"{label}: inline data is not valid base64"
        raise ValueError(msg) from None


def guess_from_name(name: str | None) -> str | None:
    """MIME type from a file name or URL path extension, or None."""
    if not name:
        return None
    guess, _ = mimetypes.guess_type(urlsplit(name).path if "://" in name else name, strict=False)
    return canonical_mime(guess) if guess else None


def resolve_inline_mime(ref: MediaRef) -> str:
    """The block's MIME type, else the sniffed one, else the one the file name implies; checked as supported.

    Raises:
        ValueError: If no type can be determined, or Gemini does not accept it.
    """
    given = (ref.mime_type or "").strip()
    if given and canonical_mime(given) not in GENERIC_MIME_TYPES:
        return check_supported(given, ref.label)
    found = sniff_mime(b64_head(ref.data or "", ref.data_start, ref.label)) or guess_from_name(ref.filename)
    if found is None:
        msg = f"{ref.label}: cannot tell the MIME type of this {ref.kind}; set 'mime_type' on the block"
        raise ValueError(msg)
    return check_supported(found, ref.label)


# -- URLs ---------------------------------------------------------------------------------------------------------


def url_kind(url: str) -> str:
    """`"data"`, `"gcs"`, `"youtube"`, `"files"` (Google's Files API host), `"http"` or `"other"`."""
    if url[:5].lower() == "data:":
        return "data"
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme == "gs":
        return "gcs"
    if scheme not in {"http", "https"}:
        return "other"
    if host in _YOUTUBE_HOSTS:
        return "youtube"
    if host == GOOGLE_FILES_HOST and _FILES_PATH.match(parts.path):
        return "files"
    return "http"


def is_files_uri(url: str, files_prefix: str | None) -> bool:
    """A Files API URI: on Google's host, or under our own `{base_url}/{version}/files/` (an emulator)."""
    if url_kind(url) == "files":
        return True
    if not files_prefix or not url.startswith(files_prefix):
        return False
    return _FILE_NAME.fullmatch(url[len(files_prefix) :]) is not None


def split_data_url(url: str, label: str) -> tuple[str | None, str, int]:
    """`data:<mime>[;params][;base64],<payload>` -> (mime or None, text holding base64, where it starts).

    A base64 payload is returned in place (no copy); a percent-encoded one is decoded and re-encoded.

    Raises:
        ValueError: If the URL has no comma.
    """
    comma = url.find(",", 0, 1024)
    if comma < 0:
        msg = f"{label}: malformed data URL (no ',' after the media type)"
        raise ValueError(msg)
    params = [item.strip() for item in url[5:comma].split(";")]
    is_b64 = bool(params) and params[-1].lower() == "base64"
    if is_b64:
        params.pop()
    mime = ";".join(params) if params and params[0] else None
    if is_b64:
        return mime, url, comma + 1
    raw = unquote_to_bytes(url[comma + 1 :])
    return mime, base64.b64encode(raw).decode("ascii"), 0


# -- blocks -> MediaRef -------------------------------------------------------------------------------------------


def _b64_text(value: Any, label: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(value).decode("ascii")
    msg = f"{label}: inline data must be a base64 string or bytes, got {type(value).__name__}"
    raise TypeError(msg)


def _kind_from_mime(mime: str | None) -> str:
    top = mime.partition("/")[0].lower() if isinstance(mime, str) else ""  # a non-string is refused by MediaRef
    return top if top in {"image", "audio", "video"} else "file"


def _is_local_path(url: str) -> bool:
    # No scheme (a relative or absolute path), file:, or a one-letter "scheme" (a Windows drive): a file on this
    # machine, which the API cannot read. Files API names (`files/abc`) have no scheme either but are not paths.
    scheme = urlsplit(url).scheme.lower()
    return (not scheme and not _FILE_NAME.fullmatch(url)) or scheme == "file" or len(scheme) == 1


def _from_url(ref: MediaRef, url: Any) -> MediaRef:
    if not isinstance(url, str) or not url:
        msg = f"{ref.label}: 'url' must be a non-empty string"
        raise ValueError(msg)
    if _is_local_path(url):
        msg = (
            f"{ref.label}: a local file path is not a URL Gemini can read. Read the file and pass its bytes "
            "({'type': 'image', 'base64': ..., 'mime_type': ...}, or a data URL), or upload it with GeminiFiles "
            "and pass the file's uri"
        )
        raise ValueError(msg)
    if url_kind(url) == "data":
        mime, ref.data, ref.data_start = split_data_url(url, ref.label)
        ref.mime_type = ref.mime_type or mime
    else:
        ref.uri = url
    return ref


def _from_v1(block: Mapping[str, Any], label: str, kind: str) -> MediaRef:
    extras = block.get("extras") or {}
    if not isinstance(extras, Mapping):
        msg = f"{label}: 'extras' must be a dict, got {type(extras).__name__}"
        raise TypeError(msg)
    ref = MediaRef(
        kind=kind,
        label=label,
        mime_type=block.get("mime_type"),
        filename=block.get("filename") or extras.get("filename"),
        part_fields=part_fields(block, label),
    )
    if block.get("base64") is not None:
        ref.data = _b64_text(block["base64"], label)
        return ref
    if block.get("url") is not None:
        return _from_url(ref, block["url"])
    file_id = block.get("file_id")
    if isinstance(file_id, str) and file_id:
        ref.uri = file_id
        return ref
    msg = f"{label}: this {kind} block needs 'base64', 'url' or 'file_id'"
    raise ValueError(msg)


def _from_image_url(block: Mapping[str, Any], label: str) -> MediaRef:
    value = block.get("image_url")
    url = value.get("url") if isinstance(value, Mapping) else value
    ref = MediaRef(kind="image", label=label, part_fields=part_fields(block, label))
    return _from_url(ref, url)


def _from_media(block: Mapping[str, Any], label: str) -> MediaRef:
    mime = block.get("mime_type")
    ref = MediaRef(kind=_kind_from_mime(mime), label=label, mime_type=mime, part_fields=part_fields(block, label))
    if block.get("data") is not None:
        if not mime:
            msg = f"{label}: a media block with 'data' needs 'mime_type'"
            raise ValueError(msg)
        ref.data = _b64_text(block["data"], label)
        return ref
    if isinstance(block.get("file_uri"), str) and block["file_uri"]:
        return _from_url(ref, block["file_uri"])
    msg = f"{label}: a media block needs 'data' or 'file_uri'"
    raise ValueError(msg)


def _via_core(block: Mapping[str, Any], label: str) -> MediaRef:
    """OpenAI `file`/`input_audio`, Anthropic `source` and v0 `source_type` blocks, read by langchain-core."""
    from langchain_core.messages import HumanMessage

    converted = HumanMessage(content=[dict(block)]).content_blocks
    standard: dict[str, Any] = dict(converted[0]) if len(converted) == 1 else {}
    if standard.get("type") == "text-plain":  # a plain-text document (e.g. Anthropic's `source.type == "text"`)
        text = base64.b64encode(str(standard.get("text", "")).encode("utf-8")).decode("ascii")
        mime = standard.get("mime_type") or "text/plain"
        return MediaRef(kind="file", label=label, data=text, mime_type=mime, part_fields=part_fields(block, label))
    if standard.get("type") not in MEDIA_KINDS:
        msg = f"{label}: cannot read this {block.get('type')!r} block (unknown or incomplete media shape)"
        raise ValueError(msg)
    source = block.get("source")
    if isinstance(source, Mapping) and source.get("type") == "file":
        # core files Anthropic's file reference under `id`, the block-id key; it is the file reference here
        standard["file_id"] = source.get("file_id")
    return _from_v1(standard, label, str(standard["type"]))


def normalize_block(block: Mapping[str, Any], label: str) -> MediaRef:
    """Any supported media block -> `MediaRef` (see the module docstring for the forms).

    Raises:
        ValueError: If the block is incomplete or of an unknown shape.
        TypeError: If inline data is neither text nor bytes.
    """
    block_type = block.get("type")
    if block_type == "image_url":
        return _from_image_url(block, label)
    if block_type == "media":
        return _from_media(block, label)
    foreign = "source" in block or "source_type" in block or block_type in {"input_audio", "document", "text-plain"}
    if block_type == "file" and isinstance(block.get("file"), Mapping):
        foreign = True
    if foreign or block_type not in MEDIA_KINDS:
        return _via_core(block, label)
    return _from_v1(block, label, str(block_type))


# -- part-level fields ---------------------------------------------------------------------------------------------


def _offset(value: Any, label: str, name: str) -> tuple[str, float]:
    if isinstance(value, Mapping):
        seconds = float(value.get("seconds", 0)) + float(value.get("nanos", 0)) / 1e9
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?s", value.strip()):
        seconds = float(value.strip()[:-1])
    else:
        msg = f"{label}: video_metadata.{name} must be seconds (10, 2.5, '10s' or {{'seconds': 10}}), got {value!r}"
        raise ValueError(msg)
    if seconds < 0:
        msg = f"{label}: video_metadata.{name} must not be negative"
        raise ValueError(msg)
    return f"{seconds:g}s", seconds


def video_metadata(value: Mapping[str, Any], label: str) -> dict[str, Any]:
    """`{start_offset, end_offset, fps}` (snake or camelCase; seconds as numbers, "10s" or Durations) -> wire.

    Raises:
        ValueError: For unknown keys, negative or reversed offsets, or a non-positive fps.
    """
    known = {"start_offset": "startOffset", "end_offset": "endOffset", "fps": "fps"}
    known.update({wire: wire for wire in list(known.values())})
    unknown = [key for key in value if key not in known]
    if unknown:
        msg = f"{label}: video_metadata has unknown field(s) {unknown}; expected start_offset, end_offset, fps"
        raise ValueError(msg)
    wire = {known[key]: item for key, item in value.items() if item is not None}
    result: dict[str, Any] = {}
    bounds = {}
    for name in ("startOffset", "endOffset"):
        if name in wire:
            result[name], bounds[name] = _offset(wire[name], label, name)
    if len(bounds) == 2 and bounds["startOffset"] > bounds["endOffset"]:
        msg = f"{label}: video_metadata start_offset is after end_offset"
        raise ValueError(msg)
    if "fps" in wire:  # "The valid range is (0.0, 24.0]" (google-genai 3.4 types.VideoMetadata.fps)
        fps = wire["fps"]
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not 0 < fps <= 24:
            msg = f"{label}: video_metadata.fps must be a number in (0, 24], got {fps!r}"
            raise ValueError(msg)
        result["fps"] = fps
    return result


def part_fields(block: Mapping[str, Any], label: str) -> dict[str, Any]:
    """Part-level fields carried by a block: thought signature, media resolution, video clipping."""
    extras: Mapping[str, Any] = block["extras"] if isinstance(block.get("extras"), Mapping) else {}
    fields: dict[str, Any] = {}
    signature = extras.get("signature") or block.get("signature") or block.get("thought_signature")
    if signature:
        fields["thoughtSignature"] = signature
    resolution = block.get("media_resolution") or extras.get("media_resolution")
    if resolution is not None:
        try:
            fields["mediaResolution"] = {"level": to_media_resolution(resolution).value}
        except ValueError as exc:
            raise ValueError(f"{label}: {exc}") from None
    metadata = block.get("video_metadata") or extras.get("video_metadata")
    if metadata:
        if not isinstance(metadata, Mapping):
            msg = f"{label}: video_metadata must be a mapping"
            raise ValueError(msg)
        fields["videoMetadata"] = video_metadata(metadata, label)
    return fields


# -- MediaRef -> part ----------------------------------------------------------------------------------------------


def ref_to_part(ref: MediaRef) -> Part:
    """Build the `inlineData` or `fileData` part for a normalised block.

    Raises:
        ValueError: For an unsupported MIME type, an unreadable URL scheme or undeterminable inline type.
    """
    if ref.data is not None:
        part: dict[str, Any] = {"inlineData": {"mimeType": resolve_inline_mime(ref), "data": ref.b64}}
    else:
        uri = str(ref.uri)
        kind = url_kind(uri)
        if kind == "other" and not uri.startswith("files/"):
            msg = f"{ref.label}: cannot send {urlsplit(uri).scheme}: URLs; use http(s), gs://, a data URL"
            msg += " or a Files API name"
            raise ValueError(msg)
        file_data: dict[str, Any] = {"fileUri": uri}
        given = (ref.mime_type or "").strip()
        mime = given if canonical_mime(given) not in GENERIC_MIME_TYPES else None
        if mime is None and kind in {"gcs", "http"}:
            mime = guess_from_name(uri) or guess_from_name(ref.filename)
        if mime is not None:
            file_data["mimeType"] = check_supported(mime, ref.label)
        part = {"fileData": file_data}
    part.update(ref.part_fields)
    return part  # type: ignore[return-value]


def media_block_to_parts(block: Mapping[str, Any], label: str) -> list[Part]:
    """`BLOCK_CONVERTERS` entry for every media block type: one block -> one part."""
    return [ref_to_part(normalize_block(block, label))]


MEDIA_BLOCK_TYPES = ("image", "audio", "video", "file", "image_url", "input_audio", "media", "document", "text-plain")
MEDIA_BLOCK_CONVERTERS: dict[str, Callable[[Mapping[str, Any], str], list[Part]]] = dict.fromkeys(
    MEDIA_BLOCK_TYPES, media_block_to_parts
)
