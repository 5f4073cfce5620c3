"""Rules for media parts: MIME types, file references, per-part media resolution and video metadata.

* MIME types are those of reference 9.2-9.5, plus the raw PCM the API itself speaks (`audio/L16` out of TTS,
  reference 10.3; `audio/pcm` in, 10.4). Parameters (`audio/pcm;rate=16000`) and case are ignored. Anything else
  is 400 "Unsupported MIME type: image/gif" (the API's words, e.g. ogkalu2/comic-translate#399,
  charmbracelet/crush#995).
* `fileData.fileUri` may be a Files API URI (`.../v1beta/files/<id>`, or the bare name `files/<id>`), a YouTube
  URL (no MIME type needed, reference 9.4), or any other `https://`, `http://` or `gs://` URI with a MIME type
  (public and signed URLs and registered GCS objects are accepted inputs: "Increased file size limits and expanded
  inputs support in Gemini API", Google blog, 2026). The emulator never fetches them.
* A Files API file that does not exist is 403 "You do not have permission to access the File <id> or it may not
  exist." (the real body for a missing or deleted file: google-gemini/deprecated-generative-ai-js#236,
  googleapis/python-genai#1218, google-gemini/deprecated-generative-ai-python#692); one that is PROCESSING or
  FAILED is 400 FAILED_PRECONDITION "The File <id> is not in an ACTIVE state and usage is not allowed." (quoted
  verbatim in many public reports, e.g. mikonapoli/gaspare's changelog).
* `Part.mediaResolution` is "Gemini 3 only" (media-resolution guide) and only means something on media;
  `videoMetadata` needs video, offsets are Durations (checked by the transcoder) with start before end, and fps
  is in (0, 24] ("The fps range is (0.0, 24.0]", VideoMetadata in googleapis/js-genai). Wording of these three
  is ours.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from langchain_gemini.testing._context import context_of
from langchain_gemini.testing._errors import ApiError, invalid_argument
from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._normalize import duration_seconds
from langchain_gemini.testing._rules import FieldRule, RequestRule, Violations, parts_with_paths
from langchain_gemini.testing._tokens import FILE_TOKENS_KEY

SUPPORTED_MIME_TYPES = frozenset(
    {
        # images (9.2)
        "image/png",
        "image/jpeg",
        "image/webp",
        "image/heic",
        "image/heif",
        # audio (9.3; audio/mpeg from the samples; raw PCM from 10.3 and 10.4)
        "audio/wav",
        "audio/mp3",
        "audio/mpeg",
        "audio/aiff",
        "audio/aac",
        "audio/ogg",
        "audio/flac",
        "audio/pcm",
        "audio/l16",
        # video (9.4, both mirrors)
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
        # documents (9.5)
        "application/pdf",
        "application/x-javascript",
        "text/javascript",
        "application/x-python",
        "text/x-python",
        "text/plain",
        "text/html",
        "text/css",
        "text/md",
        "text/csv",
        "text/xml",
        "text/rtf",
    }
)
FILES_URI = re.compile(r"(?:https?://[^/]+/(?:v1beta|v1|v1alpha)/)?files/([^/?#]+)")
_YOUTUBE = re.compile(r"https?://(?:(?:www|m|music)\.)?(?:youtube\.com|youtu\.be)/", re.IGNORECASE)
_SCHEMES = ("https://", "http://", "gs://")
_MAX_FPS = 24.0


def is_supported(mime: str) -> bool:
    """Whether Gemini accepts `mime` as input (parameters and case ignored)."""
    return mime.partition(";")[0].strip().lower() in SUPPORTED_MIME_TYPES


def _media_parts(request: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every part holding media, function-response parts included."""
    for _, part in parts_with_paths(request):
        if "inlineData" in part or "fileData" in part:
            yield part
        for inner in part.get("functionResponse", {}).get("parts", ()):
            if "inlineData" in inner:
                yield inner


def media_mime_types(request: dict[str, Any], model: ModelInfo) -> ApiError | None:
    """Inline and file media must be of a supported type."""
    for part in _media_parts(request):
        mime = (part.get("inlineData") or part.get("fileData") or {}).get("mimeType")
        if mime and not is_supported(mime):
            return invalid_argument(f"Unsupported MIME type: {mime}")
    return None


def file_references(request: dict[str, Any], model: ModelInfo) -> ApiError | None:
    """Check `fileData` URIs: Files API files exist and are ACTIVE; other URIs have a scheme and a MIME type."""
    files = context_of(request).files
    for _, part in parts_with_paths(request):
        reference = part.get("fileData")
        if reference is None:
            continue
        uri = reference.get("fileUri", "")
        found = FILES_URI.fullmatch(uri)
        if found is not None and files is not None:
            error = _check_file(part, found.group(1), files)
            if error is not None:
                return error
        elif _YOUTUBE.match(uri):
            continue
        elif not uri.lower().startswith(_SCHEMES):
            return invalid_argument(f"Unsupported file_uri: {uri}. Use a Files API URI, an https:// URL or gs://.")
        elif not reference.get("mimeType"):
            return invalid_argument(f"file_data.mime_type is required for {uri}.")
    return None


def _check_file(part: dict[str, Any], file_id: str, files: Any) -> ApiError | None:
    stored = files.get(file_id)
    if stored is None:
        return ApiError(403, f"You do not have permission to access the File {file_id} or it may not exist.")
    if stored.state != "ACTIVE":
        message = f"The File {file_id} is not in an ACTIVE state and usage is not allowed."
        return ApiError(400, message, status="FAILED_PRECONDITION")
    mime = part["fileData"].get("mimeType") or stored.mime_type
    if not is_supported(mime):
        return invalid_argument(f"Unsupported MIME type: {mime}")
    part[FILE_TOKENS_KEY] = stored.tokens
    return None


def part_media_resolution(request: dict[str, Any], model: ModelInfo) -> Violations:
    """Per-part media resolution: Gemini 3 models, media parts."""
    for path, part in parts_with_paths(request):
        if "mediaResolution" not in part:
            continue
        where = f"{path}.media_resolution"
        if not model.per_part_media_resolution:
            yield where, "per-part media_resolution is not supported for this model."
        elif "inlineData" not in part and "fileData" not in part:
            yield where, "media_resolution can only be set on a part with inline_data or file_data."


def _mime_of(part: dict[str, Any]) -> str | None:
    blob = part.get("inlineData") or part.get("fileData") or {}
    return blob.get("mimeType")


def video_metadata(request: dict[str, Any], model: ModelInfo) -> Violations:
    """VideoMetadata: on a video part, start before end, fps in (0, 24]."""
    for path, part in parts_with_paths(request):
        metadata = part.get("videoMetadata")
        if metadata is None:
            continue
        where = f"{path}.video_metadata"
        mime = _mime_of(part)
        has_media = "inlineData" in part or "fileData" in part
        if not has_media or (mime and not mime.lower().startswith("video/")):
            yield where, "video_metadata can only be set on a video part."
        fps = metadata.get("fps")
        if fps is not None and not 0 < fps <= _MAX_FPS:
            yield f"{where}.fps", "fps must be in the range (0, 24]."
        start, end = metadata.get("startOffset"), metadata.get("endOffset")
        for key, value in (("start_offset", start), ("end_offset", end)):
            if value is not None and duration_seconds(value) < 0:
                yield f"{where}.{key}", "offset must not be negative."
        if start is not None and end is not None and duration_seconds(start) >= duration_seconds(end):
            yield f"{where}.end_offset", "end_offset must be after start_offset."


FIELD_RULES: list[FieldRule] = [part_media_resolution, video_metadata]
REQUEST_RULES: list[RequestRule] = [media_mime_types, file_references]
