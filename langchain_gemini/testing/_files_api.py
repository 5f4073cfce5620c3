"""The Files API over HTTP: the resumable upload protocol, files.get / list / delete and the metadata-only create.

Upload (reference 1.7, Google's `X-Goog-Upload-*` resumable protocol):

1. `POST /upload/v1beta/files` with `X-Goog-Upload-Protocol: resumable`, `X-Goog-Upload-Command: start`,
   `X-Goog-Upload-Header-Content-Length` / `-Content-Type` and an optional JSON body `{"file": {...}}`
   (`displayName`, `mimeType`, `name`). The answer is an empty 200 with `X-Goog-Upload-URL` (same origin,
   `?upload_id=...`), `X-Goog-Upload-Status: active` and `X-Goog-Upload-Chunk-Granularity: 262144`.
2. `POST <upload url>` with `X-Goog-Upload-Command: upload` (or `upload, finalize` for the last chunk, or just
   `finalize`) and `X-Goog-Upload-Offset`, which must equal the bytes received so far. `query` reports
   `X-Goog-Upload-Size-Received`; `cancel` ends the session. Every answer carries `X-Goog-Upload-Status`
   (`active`, `final` or `cancelled`); the final one has the body `{"file": File}`, after checking that the size
   matches the declared length.

The API key is needed to start an upload; the upload URL (its upload_id) authorises the later steps. Errors of
the upload protocol itself (offsets, sizes, sessions) use the emulator's wording: Google's was not found in
public sources. `GET /v1beta/files` pages by `pageSize` (default 10, at most 100) and `pageToken`, oldest first;
a missing file is 403 "You do not have permission to access the File <id> or it may not exist." for get, delete
and use alike (see `_media_rules`).

Download: `GET /download/v1beta/files/<id>:download?alt=media` (the path Google's Batch API docs give for result
files) or `GET /v1beta/files/<id>:download?alt=media` (the path google-genai's `files.download` builds) answers a
generated file's bytes. An uploaded file cannot be downloaded (reference 1.7: "User uploads cannot be downloaded
from the API"): 400, in the emulator's wording (Google's was not found in public sources).
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from langchain_gemini.testing._errors import ApiError, invalid_argument
from langchain_gemini.testing._files import MAX_FILE_BYTES, FileStore, StoredFile, Upload, valid_id
from langchain_gemini.testing._http import HttpRequest, Reply
from langchain_gemini.testing._normalize import normalize, parse_json
from langchain_gemini.testing._paging import next_page_token, page_window

GRANULARITY = 256 * 1024
_ROUTE = re.compile(r"/(upload/|download/)?(v1beta|v1|v1alpha)/files(?:/([^/:]+)(:download)?)?/?")
_MAX_DISPLAY_NAME = 512  # "must be no more than 512 characters in length" (File.display_name)
_DEFAULT_PAGE, _MAX_PAGE = 10, 100


def route(method: str, path: str) -> str | None:
    """The Files API action for a request, or None when the path is not a Files API path."""
    match = _ROUTE.fullmatch(path)
    if match is None:
        return None
    prefix, file_id, download = match.group(1), match.group(3), match.group(4)
    if download or prefix == "download/":
        return "downloadFile" if method == "GET" and download and file_id else None
    if prefix:
        return "uploadFile" if method == "POST" and file_id is None else None
    if file_id is None:
        return {"GET": "listFiles", "POST": "createFile"}.get(method)
    return {"GET": "getFile", "DELETE": "deleteFile"}.get(method)


def _json(payload: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(body=json.dumps(payload, ensure_ascii=False).encode(), headers=headers or {})


def _missing(file_id: str) -> ApiError:
    return ApiError(403, f"You do not have permission to access the File {file_id} or it may not exist.")


def _upload_error(message: str, status: str, received: int | None = None) -> ApiError:
    headers = {"X-Goog-Upload-Status": status}
    if received is not None:
        headers["X-Goog-Upload-Size-Received"] = str(received)
    return ApiError(400, message, headers=headers)


class FilesApi:
    """Answers Files API requests against one `FileStore`."""

    def __init__(self, store: FileStore) -> None:
        self.store = store

    def answer(self, request: HttpRequest, action: str) -> Reply:
        """Answer an authenticated Files API request.

        Raises:
            ApiError: Google's error for the request.
        """
        match = _ROUTE.fullmatch(request.path)
        assert match is not None  # route() matched it
        version, file_id = match.group(2), match.group(3) or ""
        if action == "uploadFile":
            if "upload_id" in request.query:
                return self._chunk(request, request.query["upload_id"])
            return self._start(request, version)
        if action == "createFile":
            upload = self._session(request, version, declared=None)
            return _json({"file": self.store.create(upload, b"").resource()})
        if action == "listFiles":
            return self._list(request)
        if action == "getFile":
            stored = self.store.get(file_id, poll=True)
            if stored is None:
                raise _missing(file_id)
            return _json(stored.resource())
        if action == "downloadFile":
            return self._download(request, file_id)
        if not self.store.delete(file_id):
            raise _missing(file_id)
        return _json({})

    def _session(self, request: HttpRequest, version: str, declared: int | None) -> Upload:
        """An upload session from the start request's headers and its `{"file": {...}}` body."""
        body = normalize(parse_json(request.body), "CreateFileRequest") if request.body.strip() else {}
        file = body.get("file", {})
        mime = file.get("mimeType") or request.headers.get("x-goog-upload-header-content-type", "")
        if not mime:
            raise invalid_argument("The file's MIME type is required (X-Goog-Upload-Header-Content-Type).")
        display_name = file.get("displayName")
        if display_name is not None and len(display_name) > _MAX_DISPLAY_NAME:
            raise invalid_argument(f"display_name must be at most {_MAX_DISPLAY_NAME} characters.")
        file_id = None
        if "name" in file:
            file_id = file["name"].removeprefix("files/")
            if not valid_id(file_id):
                raise invalid_argument(
                    f"Invalid file name {file['name']!r}: at most 40 lowercase letters, digits or dashes."
                )
            if self.store.exists(file_id):
                raise ApiError(409, f"File files/{file_id} already exists.", status="ALREADY_EXISTS")
        origin = f"http://{request.headers.get('host', '127.0.0.1')}"
        upload_id = secrets.token_urlsafe(24)
        return Upload(upload_id, origin, version, mime, declared, display_name, file_id)

    def _start(self, request: HttpRequest, version: str) -> Reply:
        protocol = request.headers.get("x-goog-upload-protocol", "").lower()
        command = request.headers.get("x-goog-upload-command", "").lower()
        if protocol != "resumable" or command != "start":
            raise invalid_argument(
                "Uploads use the resumable protocol: send X-Goog-Upload-Protocol: resumable and "
                "X-Goog-Upload-Command: start first."
            )
        declared = None
        raw_length = request.headers.get("x-goog-upload-header-content-length")
        if raw_length is not None:
            if not raw_length.strip().isdigit():
                raise invalid_argument(f"Invalid X-Goog-Upload-Header-Content-Length: {raw_length!r}.")
            declared = int(raw_length)
            if declared > MAX_FILE_BYTES:
                raise invalid_argument(f"The file is too large: at most {MAX_FILE_BYTES} bytes (2 GB) per file.")
        upload = self.store.start_upload(self._session(request, version, declared))
        url = f"{upload.origin}/upload/{version}/files?upload_id={upload.id}&upload_protocol=resumable"
        headers = {
            "X-Goog-Upload-Status": "active",
            "X-Goog-Upload-URL": url,
            "X-Goog-Upload-Control-URL": url,
            "X-Goog-Upload-Chunk-Granularity": str(GRANULARITY),
        }
        return Reply(body=b"", content_type="text/plain; charset=utf-8", headers=headers)

    def _chunk(self, request: HttpRequest, upload_id: str) -> Reply:
        upload = self.store.upload(upload_id)
        if upload is None:
            raise ApiError(404, f"Upload session {upload_id} not found.")
        commands = {c.strip() for c in request.headers.get("x-goog-upload-command", "").lower().split(",")}
        if upload.result is not None or upload.cancelled:
            status = "cancelled" if upload.cancelled else "final"
            if commands == {"query"}:
                return _status(status, len(upload.received))
            raise _upload_error(f"The upload session is {status}.", status, len(upload.received))
        if commands == {"query"}:
            return _status("active", len(upload.received))
        if commands == {"cancel"}:
            upload.cancelled = True
            return _status("cancelled", len(upload.received))
        if not commands or not commands <= {"upload", "finalize"}:
            raise _upload_error("X-Goog-Upload-Command must be upload, finalize, query or cancel.", "active")
        if "upload" in commands:
            self._append(upload, request)
        if "finalize" not in commands:
            return _status("active", len(upload.received))
        if upload.declared is not None and len(upload.received) != upload.declared:
            message = f"Received {len(upload.received)} bytes, but {upload.declared} were declared at the start."
            raise _upload_error(message, "active", len(upload.received))
        stored = self.store.create(upload, bytes(upload.received))
        upload.received = bytearray()  # the bytes are not kept once the file exists
        return _final(stored)

    def _append(self, upload: Upload, request: HttpRequest) -> None:
        offset = request.headers.get("x-goog-upload-offset")
        received = len(upload.received)
        if offset is None or not offset.strip().isdigit() or int(offset) != received:
            raise _upload_error(
                f"X-Goog-Upload-Offset {offset} does not match the {received} bytes received so far.",
                "active",
                received,
            )
        if upload.declared is not None and received + len(request.body) > upload.declared:
            raise _upload_error(f"More than the declared {upload.declared} bytes were sent.", "active", received)
        upload.received += request.body

    def _download(self, request: HttpRequest, file_id: str) -> Reply:
        stored = self.store.get(file_id)
        if stored is None:
            raise _missing(file_id)
        if request.query.get("alt") != "media":
            raise invalid_argument("Downloading a file's content needs the alt=media parameter.")
        if stored.download_uri is None or stored.data is None:
            raise invalid_argument(f"Only generated files can be downloaded; files/{file_id} was uploaded.")
        step = 1 << 20  # sent in pieces, never copied whole
        parts = [stored.data[i : i + step] for i in range(0, len(stored.data), step)] or [b""]
        return Reply(parts=parts, content_type=stored.mime_type)

    def _list(self, request: HttpRequest) -> Reply:
        size, after = page_window(request, default=_DEFAULT_PAGE, maximum=_MAX_PAGE)
        files, next_after = self.store.page(size, after)
        page: dict[str, Any] = {}
        if files:
            page["files"] = [f.resource() for f in files]
        if next_after is not None:
            page["nextPageToken"] = next_page_token(next_after)
        return _json(page)


def _status(status: str, received: int) -> Reply:
    headers = {"X-Goog-Upload-Status": status, "X-Goog-Upload-Size-Received": str(received)}
    return Reply(body=b"", content_type="text/plain; charset=utf-8", headers=headers)


def _final(stored: StoredFile) -> Reply:
    return _json({"file": stored.resource()}, {"X-Goog-Upload-Status": "final"})
