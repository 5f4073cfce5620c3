"""The Files API's storage: uploaded files, their states, and the resumable upload sessions that create them.

`File` resources follow reference 1.7: `name` "files/<id>" (the id is 12 lowercase letters and digits, as real ids
are; a chosen id may have up to 40 lowercase letters, digits or dashes), `uri` "<base url>/v1beta/files/<id>",
`sizeBytes` as a string (int64 in proto3 JSON), RFC 3339 timestamps, `expirationTime` 48 hours after creation
("Files are stored for 48 hours", reference 9.1), `sha256Hash` (bytes, so base64), `source` UPLOADED and `error`
when FAILED.

States (reference 12.3): `video/*` files start PROCESSING ("Videos need to be processed before you can use them")
and stay so for the first `processing_polls` GETs, then turn ACTIVE; other types are ACTIVE at once. A display
name containing `FILE_FAILED_TRIGGER` makes any file go through PROCESSING to FAILED instead; tests can also
force a state (`set_state`). File contents are kept only for JSON and text files (what a batch job reads as its
JSONL input); other uploads keep only what token counting needs.

Result files of batch jobs are `GENERATED` files (`generated`): their `downloadUri` serves the bytes, as Google
serves result files at `/download/v1beta/files/<id>:download?alt=media` (ai.google.dev/gemini-api/docs/batch-api,
"Retrieving results", REST). Uploaded files cannot be downloaded ("User uploads cannot be downloaded from the API").
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from langchain_gemini.testing._tokens import media_tokens

FILE_FAILED_TRIGGER = "[emulator:file-failed]"
"""In an uploaded file's display name: the file goes through PROCESSING to FAILED instead of ACTIVE."""
DEFAULT_PROCESSING_POLLS = 1
MAX_FILE_BYTES = 2 * 1024**3  # "per-file maximum size of 2 GB" (reference 9.1)
_LIFETIME = 48 * 3600
_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")  # "up to 40 chars, lowercase alphanumeric or dashes"
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_VIDEO_BYTES_PER_SECOND = 250_000  # as `_tokens` estimates inline video
_FAILURE = "The file could not be processed (failed by the Gemini emulator)."


def valid_id(file_id: str) -> bool:
    """Whether `file_id` is a well-formed Files API id."""
    return bool(_ID.fullmatch(file_id))


def _kept(mime_type: str) -> bool:
    """Whether an upload's bytes are kept: JSON Lines and text, what a batch job may read back."""
    mime = mime_type.lower()
    return "json" in mime or mime.startswith("text/")


def _timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class StoredFile:
    """One file's metadata (its bytes are not kept)."""

    id: str
    uri: str
    mime_type: str
    size: int
    sha256: bytes
    display_name: str | None = None
    state: str = "ACTIVE"
    polls_left: int = 0
    fails: bool = False
    error: str | None = None
    tokens: tuple[str, int] = ("TEXT", 0)
    created: float = field(default_factory=time.time)
    updated: float = 0.0
    sequence: int = 0
    data: bytes | None = field(default=None, repr=False)
    """The content, for JSON and text uploads and for generated files."""
    download_uri: str | None = None
    """Set on generated files only: where their content is served."""

    def resource(self) -> dict[str, Any]:
        """The `File` JSON."""
        out: dict[str, Any] = {"name": f"files/{self.id}"}
        if self.display_name:
            out["displayName"] = self.display_name
        out["mimeType"] = self.mime_type
        out["sizeBytes"] = str(self.size)
        out["createTime"] = _timestamp(self.created)
        out["updateTime"] = _timestamp(self.updated or self.created)
        out["expirationTime"] = _timestamp(self.created + _LIFETIME)
        out["sha256Hash"] = base64.b64encode(self.sha256).decode()
        out["uri"] = self.uri
        out["state"] = self.state
        out["source"] = "GENERATED" if self.download_uri else "UPLOADED"
        if self.download_uri:
            out["downloadUri"] = self.download_uri
        if self.state == "FAILED":
            out["error"] = {"code": 13, "message": self.error or _FAILURE}  # google.rpc.Status: 13 is INTERNAL
        if self.state == "ACTIVE" and self.mime_type.lower().startswith("video/"):
            out["videoMetadata"] = {"videoDuration": f"{max(1, self.size // _VIDEO_BYTES_PER_SECOND)}s"}
        return out


@dataclass
class Upload:
    """A resumable upload session."""

    id: str
    origin: str
    version: str
    mime_type: str
    declared: int | None
    display_name: str | None
    file_id: str | None
    received: bytearray = field(default_factory=bytearray)
    result: StoredFile | None = None
    cancelled: bool = False


class FileStore:
    """Files and upload sessions of one emulator (thread-safe)."""

    def __init__(self, processing_polls: int = DEFAULT_PROCESSING_POLLS) -> None:
        self.processing_polls = processing_polls
        self._files: dict[str, StoredFile] = {}
        self._uploads: dict[str, Upload] = {}
        self._sequence = 0
        self._lock = threading.Lock()

    def new_id(self) -> str:
        """An unused generated file id."""
        with self._lock:
            while True:
                candidate = "".join(secrets.choice(_ALPHABET) for _ in range(12))
                if candidate not in self._files:
                    return candidate

    def exists(self, file_id: str) -> bool:
        """Whether a file with this id exists."""
        with self._lock:
            return file_id in self._files

    def start_upload(self, upload: Upload) -> Upload:
        """Register a new upload session."""
        with self._lock:
            self._uploads[upload.id] = upload
        return upload

    def upload(self, upload_id: str) -> Upload | None:
        """The session with this id."""
        with self._lock:
            return self._uploads.get(upload_id)

    def create(self, upload: Upload, data: bytes) -> StoredFile:
        """Turn a finished upload (or a metadata-only create, with no data) into a stored file."""
        file_id = upload.file_id or self.new_id()
        fails = FILE_FAILED_TRIGGER in (upload.display_name or "")
        video = upload.mime_type.lower().startswith("video/")
        stored = StoredFile(
            id=file_id,
            uri=f"{upload.origin}/{upload.version}/files/{file_id}",
            mime_type=upload.mime_type,
            size=len(data),
            sha256=hashlib.sha256(data).digest(),
            display_name=upload.display_name,
            state="PROCESSING" if video or fails else "ACTIVE",
            polls_left=self.processing_polls,
            fails=fails,
            tokens=media_tokens(upload.mime_type, len(data), data),
            data=data if _kept(upload.mime_type) else None,
        )
        with self._lock:
            self._sequence += 1
            stored.sequence = self._sequence
            self._files[file_id] = stored
            upload.result = stored
        return stored

    def generated(self, data: bytes, mime_type: str, display_name: str, origin: str, version: str) -> StoredFile:
        """Store a file the service wrote (a batch job's results): ACTIVE, and downloadable."""
        file_id = "batch-" + self.new_id()
        stored = StoredFile(
            id=file_id,
            uri=f"{origin}/{version}/files/{file_id}",
            mime_type=mime_type,
            size=len(data),
            sha256=hashlib.sha256(data).digest(),
            display_name=display_name,
            data=data,
            download_uri=f"{origin}/download/{version}/files/{file_id}:download?alt=media",
        )
        with self._lock:
            self._sequence += 1
            stored.sequence = self._sequence
            self._files[file_id] = stored
        return stored

    def get(self, file_id: str, *, poll: bool = False) -> StoredFile | None:
        """The file with this id; `poll` counts a GET, which is what moves processing along."""
        with self._lock:
            stored = self._files.get(file_id)
            if stored is not None and poll and stored.state == "PROCESSING":
                if stored.polls_left <= 0:
                    stored.state = "FAILED" if stored.fails else "ACTIVE"
                    stored.updated = time.time()
                stored.polls_left -= 1
            return stored

    def page(self, size: int, after: int) -> tuple[list[StoredFile], int | None]:
        """Up to `size` files created after sequence number `after`, and the cursor of the next page."""
        with self._lock:
            rest = [f for f in self._files.values() if f.sequence > after]
        page = rest[:size]
        return page, (page[-1].sequence if len(rest) > size else None)

    def delete(self, file_id: str) -> bool:
        """Delete a file; False when there was none."""
        with self._lock:
            return self._files.pop(file_id, None) is not None

    def set_state(self, file_id: str, state: str, message: str | None = None) -> StoredFile:
        """Force a file's state (tests).

        Raises:
            KeyError: If there is no such file.
            ValueError: If `state` is not PROCESSING, ACTIVE or FAILED.
        """
        if state not in ("PROCESSING", "ACTIVE", "FAILED"):
            raise ValueError(f"state must be PROCESSING, ACTIVE or FAILED, not {state!r}")
        with self._lock:
            stored = self._files[file_id]
            stored.state, stored.error, stored.updated = state, message, time.time()
            stored.fails = state == "FAILED"
            stored.polls_left = self.processing_polls if state == "PROCESSING" else 0
            return stored

    def all(self) -> list[StoredFile]:
        """Every file, oldest first."""
        with self._lock:
            return list(self._files.values())

    def clear(self) -> None:
        """Forget every file and upload session."""
        with self._lock:
            self._files.clear()
            self._uploads.clear()
