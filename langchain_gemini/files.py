"""The Gemini Files API: upload, get, list, delete, and wait until a file is ACTIVE (sync and async).

For example:
```python
from langchain_core.messages import HumanMessage
from langchain_gemini import ChatGemini, GeminiFiles

model = ChatGemini(model="gemini-2.5-flash")
files = GeminiFiles.from_model(model)  # same key, base URL and connection pool
# Bytes, a path or a file object.
notes = files.upload(b"Meeting notes: ship on Friday.", mime_type="text/plain")
# Videos are PROCESSING for a while; other files are ACTIVE at once.
notes = files.wait_until_active(notes)
question = {"type": "text", "text": "When do we ship?"}
model.invoke([HumanMessage([notes.content_block(), question])])
```

Uploaded files live for 48 hours, up to 2 GB each and 20 GB per project, and cannot be downloaded
(ai.google.dev/gemini-api/docs/files).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import PrivateAttr

from langchain_gemini._base import CONNECTION_FIELDS, GeminiClientSettings
from langchain_gemini._response_check import check_file, check_file_page
from langchain_gemini._unknown_kwargs import RefusesUnknownKwargs
from langchain_gemini._upload import (
    DEFAULT_CHUNK_SIZE,
    FileSource,
    UploadSource,
    check_chunk,
    chunk_headers,
    same_origin_url,
    session,
    start_body,
    start_headers,
)
from langchain_gemini.errors import GeminiError, GeminiResponseValidationError

if TYPE_CHECKING:
    from langchain_gemini._client import GeminiClient

__all__ = ["GeminiFile", "GeminiFileError", "GeminiFileTimeoutError", "GeminiFiles"]

# Waiting sleeps here rather than in _client.py: polling a file's state is not a retry. Tests patch these.
_sleep = time.sleep
_asleep = asyncio.sleep
_monotonic = time.monotonic

_FILE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# A project holds at most 20 GB of files (https://ai.google.dev/gemini-api/docs/files); 10,000 pages of up to 100
# files is far beyond any real listing, so a server still paging after that (with fresh tokens) is looping.
MAX_LIST_PAGES = 10_000


def _int(value: Any) -> int | None:
    # int64 fields such as sizeBytes are JSON strings in proto3 JSON.
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class GeminiFile:
    """A file stored by the Files API (the REST `File` resource, snake_cased)."""

    name: str
    """`files/<id>`: the handle for get, delete and waiting."""
    uri: str
    """What content blocks reference (`file_id`), e.g. `https://generativelanguage.googleapis.com/v1beta/files/<id>`."""
    mime_type: str
    """The file's MIME type, e.g. `video/mp4`."""
    state: str
    """`PROCESSING`, `ACTIVE` or `FAILED` (`STATE_UNSPECIFIED` if the API has not said)."""
    size_bytes: int | None = None
    """Size in bytes, if the API reported it."""
    display_name: str | None = None
    """The human-readable name given at upload, if any."""
    create_time: str | None = None
    """When the file was created (RFC 3339 timestamp)."""
    update_time: str | None = None
    """When the file was last updated (RFC 3339 timestamp)."""
    expiration_time: str | None = None
    """When the API deletes the file, 48 hours after upload (RFC 3339 timestamp)."""
    sha256_hash: str | None = None
    """SHA-256 of the content, base64-encoded, as the API returns it."""
    source: str | None = None
    """Where the file came from (`UPLOADED` for uploads)."""
    error: dict[str, Any] | None = None
    """The API's `google.rpc.Status` when `state` is `FAILED` (its `message` says why)."""
    video_metadata: dict[str, Any] | None = None
    """Video details the API adds once a video is processed (e.g. `videoDuration`)."""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The resource as the API returned it."""

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> GeminiFile:
        """Build from the REST `File` JSON.

        Raises:
            GeminiResponseValidationError: A field has the wrong type.
        """
        body = check_file(body)
        return cls(
            name=str(body.get("name", "")),
            uri=str(body.get("uri", "")),
            mime_type=str(body.get("mimeType", "")),
            state=str(body.get("state") or "STATE_UNSPECIFIED"),
            size_bytes=_int(body.get("sizeBytes")),
            display_name=body.get("displayName"),
            create_time=body.get("createTime"),
            update_time=body.get("updateTime"),
            expiration_time=body.get("expirationTime"),
            sha256_hash=body.get("sha256Hash"),
            source=body.get("source"),
            error=body.get("error"),
            video_metadata=body.get("videoMetadata"),
            raw=dict(body),
        )

    def content_block(self) -> dict[str, Any]:
        """A LangChain content block referencing this file: `{"type": "video", "file_id": uri, "mime_type"}`."""
        top = self.mime_type.partition("/")[0]
        kind = top if top in {"image", "audio", "video"} else "file"
        return {"type": kind, "file_id": self.uri, "mime_type": self.mime_type}


class GeminiFileError(GeminiError):
    """A file did not become ACTIVE: its processing FAILED (the API's reason is in `message` and `file.error`)."""

    def __init__(self, message: str, *, file: GeminiFile | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.file = file
        """The file as last seen (its `state` and `error`), if known."""


class GeminiFileTimeoutError(GeminiFileError, TimeoutError):
    """A file was still processing when `wait_until_active` gave up."""


def file_name(file: GeminiFile | str) -> str:
    """`GeminiFile`, `files/abc`, `abc` or a file URI -> `files/abc`.

    Raises:
        ValueError: If the id is not a plain Files API id.
    """
    name = file.name if isinstance(file, GeminiFile) else str(file)
    file_id = name.rstrip("/").rsplit("/files/", 1)[-1].removeprefix("files/")
    if not _FILE_ID.match(file_id):
        msg = f"not a Files API name: {name!r} (expected 'files/<id>')"
        raise ValueError(msg)
    return f"files/{file_id}"


def _settled(file: GeminiFile, deadline: float, timeout: float, client: GeminiClient) -> bool:
    """True when ACTIVE; raises on FAILED or when the deadline has passed; False to keep polling."""
    if file.state == "ACTIVE":
        return True
    if file.state == "FAILED":
        # The error keeps the server's words: redacted, in case they echo the key back.
        file = (
            GeminiFile.from_json(client.scrub(file.raw)) if file.raw else replace(file, error=client.scrub(file.error))
        )
        reason = str((file.error or {}).get("message") or "no reason given")
        raise GeminiFileError(client.scrub(f"{file.name} failed processing: {reason}"), file=file, status="FAILED")
    if _monotonic() >= deadline:
        msg = f"{file.name} is still {file.state} after {timeout:g} s"
        raise GeminiFileTimeoutError(msg, file=file, status=file.state)
    return False


class GeminiFiles(RefusesUnknownKwargs, GeminiClientSettings):
    """Client for the Files API, with the same connection settings as `ChatGemini`.

    Build it with its own settings (`GeminiFiles(api_key=...)`, key from `GOOGLE_API_KEY`/`GEMINI_API_KEY` by
    default) or from a model with `GeminiFiles.from_model(model)`, which shares the model's connection pool.

    Built with its own settings, it owns its connections: `close()`, `await aclose()` or a `with` / `async with`
    block closes them (and so does dropping it); it opens new ones on its next call. Built with `from_model`, it
    borrows the model's connections: closing it leaves them open, and closing the model does not break it.
    """

    _vertex_refusal: ClassVar[str | None] = (
        "the Files API is a Gemini Developer API service; on Vertex AI, put media in Cloud Storage and pass gs:// URIs"
    )

    _parent: GeminiClientSettings | None = PrivateAttr(default=None)

    @classmethod
    def from_model(cls, model: GeminiClientSettings) -> GeminiFiles:
        """A Files client using `model`'s key, base URL, version, timeout, retries and connections.

        The connections stay the model's: closing the files client leaves them open, and after the model is closed
        the files client goes on through the new connections the model opens.
        """
        files = cls.model_validate({name: getattr(model, name) for name in CONNECTION_FIELDS})
        files._parent = model
        return files

    @property
    def _client(self) -> GeminiClient:
        if self._parent is not None:
            return self._parent._client
        return super()._client

    @property
    def uri_prefix(self) -> str:
        """`{base_url}/{api_version}/`: the prefix of this endpoint's file URIs."""
        return f"{self.base_url}/{self.api_version}/"

    # -- upload ------------------------------------------------------------------------------------------------

    def upload(
        self,
        source: FileSource,
        *,
        mime_type: str | None = None,
        display_name: str | None = None,
        name: str | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> GeminiFile:
        """Upload a file with the resumable protocol (chunked, so memory stays bounded for large paths).

        Args:
            source: A path, `bytes`, or a binary file object (read from its current position).
            mime_type: The file's type; by default guessed from the name, else sniffed from the content.
            display_name: A human-readable name (up to 512 characters).
            name: A chosen id (`files/<id>` or `<id>`); the API picks one by default.
            chunk_size: Bytes per upload request (rounded up to the server's granularity).

        Returns:
            The stored file; videos are usually still `PROCESSING` (see `wait_until_active`).

        Raises:
            ValueError: For an empty source or an undeterminable MIME type.
            GeminiError: If the API refuses the upload.
        """
        src = UploadSource(source, mime_type)
        try:
            body, headers = start_body(src, display_name, name), start_headers(src)
            started = self._client.send("POST", f"/upload/{self.api_version}/files", body=body, headers=headers)
            url, size = session(started.headers, chunk_size)
            url = same_origin_url(url, self.base_url)
            file: dict[str, Any] | None = None
            for offset, data, last in src.chunks(size):
                # A failed attempt resends the same chunk at the same offset (the client's retry policy).
                answer = self._client.send("POST", url, content=data, headers=chunk_headers(offset, last))
                file = check_chunk(answer, last)
        finally:
            src.close()
        return GeminiFile.from_json(file or {})

    async def aupload(
        self,
        source: FileSource,
        *,
        mime_type: str | None = None,
        display_name: str | None = None,
        name: str | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> GeminiFile:
        """Async `upload`; file reads happen in a worker thread."""
        src = await asyncio.to_thread(UploadSource, source, mime_type)
        try:
            body, headers = start_body(src, display_name, name), start_headers(src)
            path = f"/upload/{self.api_version}/files"
            started = await self._client.asend("POST", path, body=body, headers=headers)
            url, size = session(started.headers, chunk_size)
            url = same_origin_url(url, self.base_url)
            file: dict[str, Any] | None = None
            async for offset, data, last in src.achunks(size):
                answer = await self._client.asend("POST", url, content=data, headers=chunk_headers(offset, last))
                file = check_chunk(answer, last)
        finally:
            src.close()
        return GeminiFile.from_json(file or {})

    # -- get / list / delete -----------------------------------------------------------------------------------

    def get(self, file: GeminiFile | str) -> GeminiFile:
        """Fetch a file's metadata (`files/<id>`, `<id>`, its URI or a `GeminiFile`).

        Raises:
            ValueError: If `file` is not a Files API name or URI.
            GeminiNotFoundError: If the file does not exist (or has expired).
            GeminiError: For any other failure, after retries.
        """
        return GeminiFile.from_json(self._client.request_json("GET", file_name(file)))

    async def aget(self, file: GeminiFile | str) -> GeminiFile:
        """Async `get`."""
        return GeminiFile.from_json(await self._client.arequest_json("GET", file_name(file)))

    def list(self, *, page_size: int | None = None) -> Iterator[GeminiFile]:
        """Iterate over the project's files, following `nextPageToken` page by page.

        Args:
            page_size: Files per request (the API allows 1-100, default 10).

        Raises:
            GeminiError: If a page request fails, after retries.
        """
        pages = _Pages()
        while True:
            body = self._client.request_json("GET", "files", params=_page_params(page_size, pages.token))
            items = pages.turn(body)
            yield from (GeminiFile.from_json(item) for item in items)
            if pages.token is None:
                return

    async def alist(self, *, page_size: int | None = None) -> AsyncIterator[GeminiFile]:
        """Async `list`."""
        pages = _Pages()
        while True:
            body = await self._client.arequest_json("GET", "files", params=_page_params(page_size, pages.token))
            for item in pages.turn(body):
                yield GeminiFile.from_json(item)
            if pages.token is None:
                return

    def delete(self, file: GeminiFile | str) -> None:
        """Delete a file now (it would otherwise expire after 48 hours).

        Raises:
            ValueError: If `file` is not a Files API name or URI.
            GeminiNotFoundError: If the file does not exist (or has expired).
            GeminiError: For any other failure, after retries.
        """
        self._client.request_json("DELETE", file_name(file))

    async def adelete(self, file: GeminiFile | str) -> None:
        """Async `delete`."""
        await self._client.arequest_json("DELETE", file_name(file))

    # -- waiting -----------------------------------------------------------------------------------------------

    def wait_until_active(
        self, file: GeminiFile | str, *, timeout: float = 600.0, poll_interval: float = 2.0
    ) -> GeminiFile:
        """Poll until the file is ACTIVE (usable in prompts) and return it.

        Args:
            file: The file or its name; a `GeminiFile` that is already ACTIVE returns at once.
            timeout: Seconds to wait in total.
            poll_interval: Seconds between polls.

        Raises:
            GeminiFileError: If processing FAILED.
            GeminiFileTimeoutError: If the file is still processing after `timeout` seconds.
        """
        deadline = _monotonic() + timeout
        current = file if isinstance(file, GeminiFile) else self.get(file)
        while not _settled(current, deadline, timeout, self._client):
            _sleep(max(0.0, min(poll_interval, deadline - _monotonic())))
            current = self.get(current.name)
        return current

    async def await_until_active(
        self, file: GeminiFile | str, *, timeout: float = 600.0, poll_interval: float = 2.0
    ) -> GeminiFile:
        """Async `wait_until_active`."""
        deadline = _monotonic() + timeout
        current = file if isinstance(file, GeminiFile) else await self.aget(file)
        while not _settled(current, deadline, timeout, self._client):
            await _asleep(max(0.0, min(poll_interval, deadline - _monotonic())))
            current = await self.aget(current.name)
        return current


class _Pages:
    """Follows `nextPageToken`, refusing a token seen before: a server that repeats one would page forever."""

    def __init__(self) -> None:
        self.token: str | None = None
        self._seen: set[str] = set()

    def turn(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The page's items; sets `token` to the next page's, or None at the end.

        Raises:
            GeminiResponseValidationError: A malformed page, or a token the listing already returned.
        """
        items, token = check_file_page(body)
        if token is not None and token in self._seen:
            msg = f"files.list returned a page token it returned before (after {len(self._seen)} pages); stopped"
            raise GeminiResponseValidationError(msg, is_retryable=False)
        if token is not None and len(self._seen) >= MAX_LIST_PAGES:
            msg = f"files.list was still returning pages after {MAX_LIST_PAGES}; stopped"
            raise GeminiResponseValidationError(msg, is_retryable=False)
        if token is not None:
            self._seen.add(token)
        self.token = token
        return items


def _page_params(page_size: int | None, token: str | None) -> dict[str, str]:
    params = {}
    if page_size is not None:
        params["pageSize"] = str(page_size)
    if token:
        params["pageToken"] = token
    return params
