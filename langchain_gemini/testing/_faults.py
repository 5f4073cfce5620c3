"""Injected faults: what a real Gemini endpoint (or the network in front of it) does when things go wrong.

A `Fault` hits the next `times` requests that match its `method` (and `model`) filters, in injection order.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_gemini.testing._errors import (
    DEFAULT_MESSAGES,
    STATUS_NAMES,
    ApiError,
    help_link,
    quota_failure,
    retry_info,
)

FaultKind = Literal[
    "status", "drop", "delay", "mid_stream_error", "mid_stream_raw_error", "truncate_stream", "malformed_json"
]
"""The kinds of `Fault` (see `Fault.kind` for what each does)."""
STREAM_KINDS = frozenset({"mid_stream_error", "mid_stream_raw_error", "truncate_stream"})
_KINDS = frozenset(FaultKind.__args__)  # type: ignore[attr-defined]


@dataclass
class Fault:
    """A fault to inject into the next matching request(s).

    Attributes:
        kind: "status" answers `status` with Google's error body; "drop" closes the connection without a
            response; "delay" waits `delay` seconds, then answers normally; "mid_stream_error" sends
            `after_events` events, then `data: {"error": ...}`; "mid_stream_raw_error" sends them, then the raw
            pretty-printed JSON error block without `data:` that Google sends (vercel/ai#5217);
            "truncate_stream" ends the stream after `after_events` events with no finishReason;
            "malformed_json" answers 200 with a body cut off mid-JSON.
        status: HTTP status for "status" and for the error carried by the mid-stream kinds.
        status_name: Google status ("RESOURCE_EXHAUSTED"); defaults from `status`.
        message: Error message; defaults to Google's text for the status.
        retry_delay: Adds a RetryInfo detail ("23s", or seconds as a number).
        quota_id: Adds a QuotaFailure detail with this quotaId (use "...PerDay..." for a daily quota).
        details: Extra `details` entries, appended as given.
        headers: Extra response headers, e.g. {"Retry-After": "3"}.
        body: Raw body sent instead of Google's JSON envelope (e.g. an HTML page from a proxy).
        content_type: Content type for `body`.
        times: How many matching requests it hits; None for every one until reset.
        method: Only requests for this method ("generateContent", "streamGenerateContent", "countTokens",
            "embedContent", "batchEmbedContents", "listModels", "getModel", or the Files API's "uploadFile",
            "createFile", "getFile", "listFiles", "deleteFile"). Stream kinds default to streamGenerateContent.
        model: Only requests for this model id.
        delay: Seconds to wait for "delay" (also added before any other kind).
        after_events: Events sent before a mid-stream fault.
    """

    kind: FaultKind = "status"
    status: int = 503
    status_name: str | None = None
    message: str | None = None
    retry_delay: float | str | None = None
    quota_id: str | None = None
    details: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    content_type: str = "text/html; charset=UTF-8"
    times: int | None = 1
    method: str | None = None
    model: str | None = None
    delay: float = 0.0
    after_events: int = 1

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {sorted(_KINDS)}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        """Build a Fault from its JSON form (the control plane's `POST /_emulator/faults` body)."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return cls(**data)

    def matches(self, method: str, model: str | None) -> bool:
        """Whether this fault applies to a request for `method` on `model`."""
        if self.model is not None and self.model != model:
            return False
        if self.method is not None:
            return self.method == method
        if self.kind in STREAM_KINDS:
            return method == "streamGenerateContent"
        return True

    def error(self, model: str | None) -> ApiError:
        """The Google error this fault carries."""
        details: list[dict[str, Any]] = []
        if self.status == 429 or self.quota_id:
            details.append(help_link())
        if self.quota_id:
            details.append(quota_failure(self.quota_id, model))
        if self.retry_delay is not None:
            details.append(retry_info(self.retry_delay))
        details.extend(self.details)
        message = self.message or DEFAULT_MESSAGES.get(self.status, "The service encountered an error.")
        if self.message is None and self.status == 429 and self.retry_delay is not None:
            delay = self.retry_delay if isinstance(self.retry_delay, str) else f"{self.retry_delay:g}s"
            message += f"\nPlease retry in {delay}."  # the real bodies repeat the delay in prose
        status = self.status_name or STATUS_NAMES.get(self.status, "UNKNOWN")
        return ApiError(self.status, message, status=status, details=details, headers=dict(self.headers))
