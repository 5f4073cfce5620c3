"""Explicit context caches: their storage, lifetime and size rules (the HTTP side is `_caches_api`).

A `CachedContent` (https://ai.google.dev/api/caching) holds a prefix of a prompt: `contents`, `systemInstruction`,
`tools` and `toolConfig`, all input-only (get and list return metadata only: "It's not possible to retrieve or
view cached content", https://ai.google.dev/gemini-api/docs/caching). Its output fields are `name`
("cachedContents/<id>"), `model`, `displayName`, `createTime`, `updateTime`, `expireTime` (always set) and
`usageMetadata.totalTokenCount`. A cache lives for `ttl` (default one hour, "If not set, the TTL defaults to 1
hour") or until `expireTime`; an expired cache is gone, as a deleted one is.

Minimum sizes: a cache smaller than its model's minimum (`_models.min_cache_tokens`) is refused with Google's 400
"Cached content is too small. total_token_count=416, min_total_token_count=4096" (reported in
zyddnys/manga-image-translator#929 and BerriAI/litellm#17696).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from langchain_gemini.testing._tokens import prompt_tally

DEFAULT_TTL_SECONDS = 3600.0
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_ID_LENGTH = 40  # real names are 40 lowercase letters and digits (realwire: cachedContents/7lf5him5ev4i...)


def timestamp(seconds: float) -> str:
    """RFC 3339 with microseconds and `Z`, as Google's timestamps read."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> float:
    """RFC 3339 (`Z` or an offset, up to nanoseconds) -> epoch seconds.

    Raises:
        ValueError: If `text` is not an RFC 3339 timestamp.
    """
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)", text.strip())
    if match is None:
        raise ValueError(text)
    base, fraction, zone = match.groups()
    parsed = datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone))
    return parsed.timestamp() + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)


def parse_duration(text: str) -> float:
    """A proto3 JSON Duration ("300s", "1.5s") -> seconds.

    Raises:
        ValueError: If `text` is not a duration.
    """
    match = re.fullmatch(r"(-?\d+)(\.\d{1,9})?s", text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(text)
    return float(match.group(1) + (match.group(2) or ""))


@dataclass
class StoredCache:
    """One cache: what it holds (a GenerateContentRequest prefix, normalized) and its metadata."""

    id: str
    model: str
    held: dict[str, Any]
    tokens: int
    details: list[dict[str, Any]]
    expire: float
    display_name: str | None = None
    created: float = 0.0
    updated: float = 0.0
    sequence: int = 0
    parent: str = ""
    """"" for the Developer API's caches; `projects/{number}/locations/{l}` for a Vertex AI project's."""

    @property
    def name(self) -> str:
        return f"{self.parent}/cachedContents/{self.id}" if self.parent else f"cachedContents/{self.id}"

    def resource(self) -> dict[str, Any]:
        """The `CachedContent` JSON (metadata only); on Vertex AI with full names (`_vertex_caches`)."""
        model = f"{self.parent}/publishers/google/models/{self.model}" if self.parent else f"models/{self.model}"
        out: dict[str, Any] = {"name": self.name, "model": model}
        if self.display_name:
            out["displayName"] = self.display_name
        out["createTime"] = timestamp(self.created)
        out["updateTime"] = timestamp(self.updated or self.created)
        out["expireTime"] = timestamp(self.expire)
        out["usageMetadata"] = {"totalTokenCount": self.tokens}
        return out


@dataclass
class CacheStore:
    """The caches of one emulator (thread-safe). `advance` moves its clock, so tests can expire caches."""

    _caches: dict[str, StoredCache] = field(default_factory=dict)
    _offset: float = 0.0
    _sequence: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now(self) -> float:
        """The store's clock: wall time plus what `advance` added."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward (caches whose expiry passes are gone)."""
        with self._lock:
            self._offset += seconds

    def add(
        self, model: str, held: dict[str, Any], expire: float, display_name: str | None, parent: str = ""
    ) -> StoredCache:
        """Store a new cache holding `held` (normalized `contents`, `systemInstruction`, `tools`, `toolConfig`)."""
        tally = prompt_tally(dict(held))
        now = self.now()
        with self._lock:
            cache_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))
            self._sequence += 1
            stored = StoredCache(
                cache_id,
                model,
                held,
                tally.total,
                tally.details(),
                expire,
                display_name,
                now,
                now,
                self._sequence,
                parent,
            )
            self._caches[cache_id] = stored
        return stored

    def get(self, cache_id: str, parent: str = "") -> StoredCache | None:
        """The live cache with this id under `parent`.

        An expired one is dropped and reads as missing; so does another project's, or a Vertex AI cache asked for
        on the Developer API.
        """
        now = self.now()
        with self._lock:
            stored = self._caches.get(cache_id)
            if stored is not None and stored.expire <= now:
                del self._caches[cache_id]
                return None
            return stored if stored is not None and stored.parent == parent else None

    def set_expiry(self, cache_id: str, expire: float, parent: str = "") -> StoredCache | None:
        """Change a live cache's expiry."""
        stored = self.get(cache_id, parent)
        if stored is not None:
            with self._lock:
                stored.expire, stored.updated = expire, self.now()
        return stored

    def page(self, size: int, after: int, parent: str = "") -> tuple[list[StoredCache], int | None]:
        """Up to `size` live caches of `parent` created after sequence `after`, and the cursor of the next page."""
        now = self.now()
        with self._lock:
            rest = [c for c in self._caches.values() if c.sequence > after and c.expire > now and c.parent == parent]
        page = rest[:size]
        return page, (page[-1].sequence if len(rest) > size else None)

    def delete(self, cache_id: str, parent: str = "") -> bool:
        """Delete a cache; False when there was no live one."""
        if self.get(cache_id, parent) is None:
            return False
        with self._lock:
            return self._caches.pop(cache_id, None) is not None

    def clear(self) -> None:
        """Forget every cache and reset the clock."""
        with self._lock:
            self._caches.clear()
            self._offset = 0.0
