"""The media pre-pass: resolve remote and oversized media before the pure request conversion.

`prepare_media` (sync) and `aprepare_media` (async) return messages in which

* http(s) media URLs that Gemini cannot read itself are downloaded under the fetch policy (or refused, or passed
  through), and
* when the inline media would push the request over Gemini's 20 MB cap (base64 counts), the largest media are
  uploaded through the Files API and referenced by URI, or, with uploads off, a ValueError is raised before any
  request is sent.

Only changed messages are copied (shallowly), and inline payloads that stay inline are never copied, so a large
image costs no more memory here than in a hand-written request. The sync and async versions share everything
but the network calls.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, BaseMessage

from langchain_gemini import _media_fetch
from langchain_gemini._media import (
    GENERIC_MIME_TYPES,
    MAX_REQUEST_BYTES,
    MEDIA_BLOCK_TYPES,
    MediaRef,
    canonical_mime,
    check_supported,
    is_files_uri,
    normalize_block,
    resolve_inline_mime,
    sniff_mime,
    url_kind,
)
from langchain_gemini._media_fetch import Fetched, FetchSettings, MediaFetchError, fetch_settings

if TYPE_CHECKING:
    from langchain_gemini.files import GeminiFile, GeminiFiles

# Room for what the estimate does not see: JSON framing, tools, generation config, system instruction.
_RESERVED_BYTES = 256 * 1024


@dataclass
class MediaContext:
    """What the pre-pass needs from its caller."""

    fetch: FetchSettings = field(default_factory=FetchSettings)
    upload: bool = True
    files: Callable[[], GeminiFiles] | None = None
    files_prefix: str | None = None  # "{base_url}/{version}/": recognises (and completes) our own file URIs
    max_request_bytes: int = MAX_REQUEST_BYTES
    no_files_reason: str = "no Files API client is available"  # why `files` is None, for the error
    files_api: bool = True  # False on Vertex AI: a Files API reference cannot be read there


@dataclass
class _Item:
    message: int
    position: int
    ref: MediaRef
    raw: bytes | None = None  # fetched bytes, not yet base64-encoded
    uploaded: GeminiFile | None = None
    changed: bool = False

    @property
    def inline_size(self) -> int:
        if self.raw is not None:
            return (len(self.raw) + 2) // 3 * 4
        return self.ref.b64_len


def _text_size(value: Any) -> int:
    if isinstance(value, str):
        return len(value) if value.isascii() else len(value.encode("utf-8"))
    return len(str(value))


def _scan(messages: Sequence[BaseMessage]) -> list[_Item]:
    """Find the media blocks, normalised."""
    items: list[_Item] = []
    for index, message in enumerate(messages):
        content = message.content
        if isinstance(content, str):
            continue
        for position, block in enumerate(content):
            if isinstance(block, dict) and block.get("type") in MEDIA_BLOCK_TYPES:
                ref = normalize_block(block, f"messages[{index}].content[{position}]")
                items.append(_Item(index, position, ref))
    return items


def _other_size(messages: Sequence[BaseMessage]) -> int:
    """Estimated bytes of everything but inline media (only computed when there is media)."""
    total = _RESERVED_BYTES
    for message in messages:
        if isinstance(message, AIMessage) and message.tool_calls:
            total += _text_size(message.tool_calls)
        content = message.content
        if isinstance(content, str):
            total += _text_size(content)
            continue
        for block in content:
            if not isinstance(block, dict):
                total += _text_size(block)
            elif block.get("type") not in MEDIA_BLOCK_TYPES:
                total += _text_size(block.get("text", block))
    return total


def _needs_fetch(item: _Item, context: MediaContext) -> bool:
    """Decide, under the policy, whether this reference is downloaded; raises when the policy refuses it."""
    uri = item.ref.uri
    if uri is None or url_kind(uri) != "http" or is_files_uri(uri, context.files_prefix):
        return False
    if context.fetch.mode == "refuse":
        msg = f"{item.ref.label}: media URL refused by media_fetch='refuse': {_media_fetch.safe_url(uri)}"
        raise MediaFetchError(msg)
    return context.fetch.mode == "fetch"


def _accept_fetched(item: _Item, fetched: Fetched) -> None:
    ref = item.ref
    given = (ref.mime_type or "").strip()
    if not given or canonical_mime(given) in GENERIC_MIME_TYPES:
        # Content first: servers often label binaries loosely; text files have no magic and keep their label.
        declared = canonical_mime(fetched.mime_type or "").partition(";")[0]
        ref.mime_type = sniff_mime(fetched.content[:8192]) or (declared if declared not in GENERIC_MIME_TYPES else None)
    if not ref.mime_type:
        msg = f"{ref.label}: cannot tell the MIME type of {_media_fetch.safe_url(str(ref.uri))}; set 'mime_type'"
        raise ValueError(msg)
    ref.mime_type = check_supported(ref.mime_type, ref.label)
    item.raw, item.changed = fetched.content, True


def _plan_uploads(items: list[_Item], other: int, context: MediaContext) -> list[_Item]:
    """The inline media to upload, largest first, so the request fits; raises when uploads are off."""
    total = other + sum(item.inline_size for item in items)
    if total <= context.max_request_bytes:
        return []
    inline = sorted((item for item in items if item.inline_size), key=lambda item: item.inline_size, reverse=True)
    chosen: list[_Item] = []
    for item in inline:
        if total <= context.max_request_bytes:
            break
        chosen.append(item)
        total -= item.inline_size
    if not context.upload or context.files is None:
        mb = (other + sum(item.inline_size for item in items)) / 1e6
        largest = inline[0].ref.label if inline else "the messages"
        reason = "upload_large_media is off" if not context.upload else context.no_files_reason
        msg = (
            f"the request would be about {mb:.1f} MB, over Gemini's 20 MB limit (base64 media count in full; "
            f"largest: {largest}), and {reason}. Upload large media with GeminiFiles and pass the file's "
            "content_block(), or enable upload_large_media."
        )
        raise ValueError(msg)
    return chosen


def _upload_payload(item: _Item) -> tuple[bytes, str]:
    """Raw bytes and MIME type of an inline item (decodes base64 once)."""
    mime = item.ref.mime_type if item.raw is not None else resolve_inline_mime(item.ref)
    raw = item.raw if item.raw is not None else base64.b64decode(item.ref.b64)
    return raw, str(mime)


def _block_for(item: _Item, context: MediaContext) -> dict[str, Any]:
    """The v1 block that replaces a changed item; part-level fields are carried in their wire form."""
    ref = item.ref
    block: dict[str, Any] = {"type": ref.kind}
    if item.uploaded is not None:
        block.update(file_id=item.uploaded.uri, mime_type=item.uploaded.mime_type or ref.mime_type)
    elif item.raw is not None:
        block.update(base64=base64.b64encode(item.raw).decode("ascii"), mime_type=ref.mime_type)
    else:
        uri = str(ref.uri)
        if uri.startswith("files/") and context.files_prefix:
            uri = context.files_prefix + uri
        block.update(file_id=uri)
        if ref.mime_type:
            block["mime_type"] = ref.mime_type
    fields = ref.part_fields
    if "thoughtSignature" in fields:
        block["extras"] = {"signature": fields["thoughtSignature"]}
    if "mediaResolution" in fields:
        block["media_resolution"] = fields["mediaResolution"]["level"]
    if "videoMetadata" in fields:
        block["video_metadata"] = fields["videoMetadata"]
    return block


def _mark_file_names(items: list[_Item], context: MediaContext) -> None:
    # A bare `files/<id>` becomes the full URI, the form the API documents for fileData.fileUri.
    if not context.files_prefix:
        return
    for item in items:
        if item.ref.uri and item.ref.uri.startswith("files/") and item.ref.data is None:
            item.changed = True


def _rewrite(messages: Sequence[BaseMessage], items: list[_Item], context: MediaContext) -> list[BaseMessage]:
    result = list(messages)
    by_message: dict[int, list[_Item]] = {}
    for item in items:
        if item.changed:
            by_message.setdefault(item.message, []).append(item)
    for index, changed in by_message.items():
        content = list(result[index].content)
        for item in changed:
            content[item.position] = _block_for(item, context)
        result[index] = result[index].model_copy(update={"content": content})
    return result


def _refuse_files_references(items: list[_Item], context: MediaContext) -> None:
    """On Vertex AI, a Files API file (`files/abc`, or its URI) is refused before sending: Vertex cannot read it."""
    if context.files_api:
        return
    for item in items:
        uri = item.ref.uri
        if uri is not None and (uri.startswith("files/") or url_kind(uri) == "files"):
            msg = (
                f"{item.ref.label}: a Files API file cannot be read by Vertex AI, which has no Files API; put the "
                "media in Cloud Storage and pass its gs:// URI"
            )
            raise ValueError(msg)


def _resolve(messages: Sequence[BaseMessage], items: list[_Item], context: MediaContext) -> list[BaseMessage]:
    _refuse_files_references(items, context)
    _mark_file_names(items, context)
    for item in items:
        if _needs_fetch(item, context):
            _accept_fetched(item, _media_fetch.fetch(str(item.ref.uri), context.fetch))
    chosen = _plan_uploads(items, _other_size(messages), context)
    if chosen:
        files = context.files() if context.files else None
        assert files is not None  # _plan_uploads raised otherwise
        for item in chosen:
            raw, mime = _upload_payload(item)
            item.uploaded = files.wait_until_active(files.upload(raw, mime_type=mime))
            item.raw, item.changed = None, True
    return _rewrite(messages, items, context)


async def _aresolve(messages: Sequence[BaseMessage], items: list[_Item], context: MediaContext) -> list[BaseMessage]:
    _refuse_files_references(items, context)
    _mark_file_names(items, context)
    for item in items:
        if _needs_fetch(item, context):
            _accept_fetched(item, await _media_fetch.afetch(str(item.ref.uri), context.fetch))
    chosen = _plan_uploads(items, _other_size(messages), context)
    if chosen:
        files = context.files() if context.files else None
        assert files is not None
        for item in chosen:
            raw, mime = _upload_payload(item)
            item.uploaded = await files.await_until_active(await files.aupload(raw, mime_type=mime))
            item.raw, item.changed = None, True
    return _rewrite(messages, items, context)


def prepare_media_with(messages: Sequence[BaseMessage], context: MediaContext) -> list[BaseMessage]:
    """`prepare_media` with an explicit `MediaContext`."""
    items = _scan(messages)
    return _resolve(messages, items, context) if items else list(messages)


async def aprepare_media_with(messages: Sequence[BaseMessage], context: MediaContext) -> list[BaseMessage]:
    """Async `prepare_media_with`: downloads and uploads never block the event loop."""
    items = _scan(messages)
    return await _aresolve(messages, items, context) if items else list(messages)


def _context(
    files: GeminiFiles | None,
    media_fetch: str | Mapping[str, Any] | None,
    upload_large_media: bool,
    max_request_bytes: int,
) -> MediaContext:
    return MediaContext(
        fetch=fetch_settings(media_fetch),
        upload=upload_large_media,
        files=(lambda: files) if files is not None else None,
        files_prefix=files.uri_prefix if files is not None else None,
        max_request_bytes=max_request_bytes,
    )


def prepare_media(
    messages: Sequence[BaseMessage],
    *,
    files: GeminiFiles | None = None,
    media_fetch: str | Mapping[str, Any] | None = "fetch",
    upload_large_media: bool = True,
    max_request_bytes: int = MAX_REQUEST_BYTES,
) -> list[BaseMessage]:
    """Resolve remote and oversized media so that the request can be built offline (see the module docstring).

    Args:
        messages: The conversation; it is not modified.
        files: Files API client for uploads (and to complete bare `files/<id>` references); without one, an
            oversized request raises.
        media_fetch: `"fetch"`, `"pass_through"`, `"refuse"` or a `MediaFetchPolicy` dict.
        upload_large_media: Upload the largest media when the request would exceed `max_request_bytes`.
        max_request_bytes: The request cap (Gemini's is 20 MiB).

    Returns:
        The messages, with changed ones shallow-copied.

    Raises:
        ValueError: For a refused or failed download, an unsupported MIME type, or an oversized request with
            uploads off.
    """
    context = _context(files, media_fetch, upload_large_media, max_request_bytes)
    return prepare_media_with(messages, context)


async def aprepare_media(
    messages: Sequence[BaseMessage],
    *,
    files: GeminiFiles | None = None,
    media_fetch: str | Mapping[str, Any] | None = "fetch",
    upload_large_media: bool = True,
    max_request_bytes: int = MAX_REQUEST_BYTES,
) -> list[BaseMessage]:
    """Async `prepare_media`: DNS runs in a worker thread, downloads and uploads on the running loop."""
    context = _context(files, media_fetch, upload_large_media, max_request_bytes)
    return await aprepare_media_with(messages, context)


def model_context(model: Any) -> MediaContext:
    """The pre-pass settings of a `ChatGemini` (its `media_fetch` and `upload_large_media` fields)."""
    from langchain_gemini.files import GeminiFiles

    if model.vertexai:
        # Vertex AI has no Files API: it reads large media from Cloud Storage (cloud.google.com/vertex-ai/
        # generative-ai/docs/multimodal/send-request-with-media: fileData with a gs:// URI).
        return MediaContext(
            fetch=fetch_settings(model.media_fetch),
            upload=model.upload_large_media,
            files_api=False,
            no_files_reason=(
                "Vertex AI has no Files API to upload to (put the media in Cloud Storage and pass its gs:// URI)"
            ),
        )
    return MediaContext(
        fetch=fetch_settings(model.media_fetch),
        upload=model.upload_large_media,
        files=lambda: GeminiFiles.from_model(model),
        files_prefix=f"{model.base_url}/{model.api_version}/",
    )


def resolve_media(model: Any, messages: list[BaseMessage]) -> list[BaseMessage]:
    """`ChatGemini`'s pre-pass: the messages themselves when they hold no media block (the common case)."""
    items = _scan(messages)
    return _resolve(messages, items, model_context(model)) if items else messages


async def aresolve_media(model: Any, messages: list[BaseMessage]) -> list[BaseMessage]:
    """Async `resolve_media`."""
    items = _scan(messages)
    return await _aresolve(messages, items, model_context(model)) if items else messages
