"""Files API plumbing: upload sources and the resumable protocol's headers and answers (pure, no network).

Resumable upload (ai.google.dev/api/files#method:-media.upload, the resumable protocol):

1. `POST /upload/{version}/files` with `X-Goog-Upload-Protocol: resumable`, `X-Goog-Upload-Command: start`,
   `X-Goog-Upload-Header-Content-Length` / `-Content-Type` and a JSON `{"file": {...}}` body. The session URL
   comes back in the `X-Goog-Upload-URL` response header.
2. `POST <session url>` per chunk with `X-Goog-Upload-Offset` and `X-Goog-Upload-Command: upload` (the last one
   `upload, finalize`). The server answers `X-Goog-Upload-Status: active` until the final chunk, then `final`
   with `{"file": File}` (header values as google-genai 3.4's `_api_client.upload_file` reads them).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Iterator
from typing import IO, TYPE_CHECKING, Any, Union
from urllib.parse import urlsplit

from langchain_gemini._media import guess_from_name, sniff_mime
from langchain_gemini.errors import GeminiResponseValidationError

if TYPE_CHECKING:
    import httpx

FileSource = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes]]

# google-genai uploads in 8 MB chunks; Google's resumable uploads take chunks in multiples of the granularity the
# start response announces (X-Goog-Upload-Chunk-Granularity, 256 KiB unless told otherwise).
DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024
_GRANULARITY = 256 * 1024


class UploadSource:
    """Bytes, a path or a binary file object, read chunk by chunk (a whole `bytes` payload is never copied)."""

    def __init__(self, source: FileSource, mime_type: str | None) -> None:
        self._data: bytes | None = None
        self._file: IO[bytes] | None = None
        self._owned = False
        name: str | None = None
        if isinstance(source, (bytes, bytearray, memoryview)):
            self._data = source if isinstance(source, bytes) else bytes(source)
            self.size = len(self._data)
        elif isinstance(source, (str, os.PathLike)):
            name = os.fspath(source)
            self._file, self._owned = open(name, "rb"), True  # noqa: SIM115 - closed by close()
            self.size = os.fstat(self._file.fileno()).st_size
        elif hasattr(source, "read"):
            self._file = source
            name = getattr(source, "name", None) if isinstance(getattr(source, "name", None), str) else None
            self.size = self._measure(source)
        else:
            msg = f"cannot upload a {type(source).__name__}: pass a path, bytes or a binary file object"
            raise TypeError(msg)
        if self.size == 0:
            self.close()
            msg = "cannot upload an empty file"
            raise ValueError(msg)
        self.mime_type = mime_type or guess_from_name(name) or sniff_mime(self._head())
        if not self.mime_type:
            self.close()
            msg = "cannot tell the file's MIME type: pass mime_type=..."
            raise ValueError(msg)

    def _measure(self, file: IO[bytes]) -> int:
        if getattr(file, "seekable", lambda: False)():
            start = file.tell()
            end = file.seek(0, os.SEEK_END)
            file.seek(start)
            return end - start
        # An unseekable stream must be read whole: the start request declares the size.
        self._data, self._file = file.read(), None
        return len(self._data)

    def _head(self) -> bytes:
        if self._data is not None:
            return self._data[:8192]
        assert self._file is not None
        start = self._file.tell()
        head = self._file.read(8192)
        self._file.seek(start)
        return head

    def _read(self, offset: int, size: int) -> bytes:
        if self._data is not None:
            if offset == 0 and size >= self.size:
                return self._data
            return self._data[offset : offset + size]
        assert self._file is not None
        return self._file.read(size)

    def chunks(self, chunk_size: int) -> Iterator[tuple[int, bytes, bool]]:
        """Yield `(offset, data, is_last)`."""
        offset = 0
        while offset < self.size:
            data = self._read(offset, chunk_size)
            if not data:
                msg = f"the file ended after {offset} of {self.size} bytes"
                raise ValueError(msg)
            yield offset, data, offset + len(data) >= self.size
            offset += len(data)

    async def achunks(self, chunk_size: int) -> AsyncIterator[tuple[int, bytes, bool]]:
        """Async `chunks`: file reads run in a worker thread."""
        offset = 0
        while offset < self.size:
            if self._data is not None:
                data = self._read(offset, chunk_size)
            else:
                data = await asyncio.to_thread(self._read, offset, chunk_size)
            if not data:
                msg = f"the file ended after {offset} of {self.size} bytes"
                raise ValueError(msg)
            yield offset, data, offset + len(data) >= self.size
            offset += len(data)

    def close(self) -> None:
        """Close the file if this source opened it."""
        if self._owned and self._file is not None:
            self._file.close()
            self._file = None


def start_headers(source: UploadSource) -> dict[str, str]:
    """Headers of the `start` request."""
    return {
        "x-goog-upload-protocol": "resumable",
        "x-goog-upload-command": "start",
        "x-goog-upload-header-content-length": str(source.size),
        "x-goog-upload-header-content-type": str(source.mime_type),
    }


def start_body(source: UploadSource, display_name: str | None, name: str | None) -> dict[str, Any]:
    """The `{"file": {...}}` metadata of the `start` request."""
    file: dict[str, Any] = {"mimeType": source.mime_type}
    if display_name:
        file["displayName"] = display_name
    if name:
        file["name"] = name if name.startswith("files/") else f"files/{name}"
    return {"file": file}


def session(headers: httpx.Headers, chunk_size: int) -> tuple[str, int]:
    """The session URL and the chunk size rounded up to the server's granularity.

    Raises:
        GeminiResponseValidationError: If the start response has no `X-Goog-Upload-URL`.
    """
    url = headers.get("x-goog-upload-url")
    if not url:
        msg = "the upload start response carries no X-Goog-Upload-URL header"
        raise GeminiResponseValidationError(msg, is_retryable=False)
    granularity = headers.get("x-goog-upload-chunk-granularity", "")
    step = int(granularity) if granularity.isdigit() and int(granularity) > 0 else _GRANULARITY
    return url, max(step, -(-chunk_size // step) * step)


def chunk_headers(offset: int, last: bool) -> dict[str, str]:
    """Headers of one upload chunk."""
    return {
        "x-goog-upload-command": "upload, finalize" if last else "upload",
        "x-goog-upload-offset": str(offset),
    }


def check_chunk(response: httpx.Response, last: bool) -> dict[str, Any] | None:
    """Check a chunk's `X-Goog-Upload-Status`; return the `File` object after the final chunk.

    Raises:
        GeminiResponseValidationError: If the status or the final body is not what the protocol says.
    """
    status = response.headers.get("x-goog-upload-status", "final" if last else "active").lower()
    if not last:
        if status != "active":
            msg = f"upload session ended early (X-Goog-Upload-Status: {status})"
            raise GeminiResponseValidationError(msg, status_code=response.status_code, is_retryable=False)
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    file = body.get("file") if isinstance(body, dict) else None
    if status != "final" or not isinstance(file, dict):
        msg = "upload finished without a File in the response"
        raise GeminiResponseValidationError(msg, status_code=response.status_code, is_retryable=False)
    return file


def same_origin_url(url: str, base_url: str) -> str:
    """The session URL moved onto `base_url`'s scheme, host and port (path and query kept).

    Google answers with a session URL on its own host; behind a proxy or a regional endpoint `base_url` differs, and
    the key may only go to `base_url` (google-genai 3.4's `upload_file` rewrites the URL the same way).
    """
    session, base = urlsplit(url), urlsplit(base_url)
    return session._replace(scheme=base.scheme, netloc=base.netloc).geturl()
