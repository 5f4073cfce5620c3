"""Retry policy: which failures to retry and how long to wait. Pure: no IO, no sleeping.

The client asks `RetryPolicy.next_delay(attempt, error)` after each failed attempt and either sleeps
for the returned number of seconds or raises the error. The hint parsers here are also used by
`errors.py` to fill `GeminiError.retry_after` while a response is parsed.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_gemini.errors import GeminiError

# Statuses worth another attempt. 408 comes from proxies; Gemini itself uses 429/500/503/504.
# Every other 4xx is a problem with the request and fails the same way again.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

DEFAULT_MAX_RETRIES = 2
INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
MAX_SERVER_DELAY = 60.0

_RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
_QUOTA_FAILURE = "type.googleapis.com/google.rpc.QuotaFailure"


# A number as servers write one: digits, an optional fraction and exponent. `float()` alone would also take
# "inf", "nan", "1_000" and non-ASCII digits; the retry tests (tests/unit/test_retry.py) count those as garbage
# (backoff), while a numeric literal that overflows to infinity is a real, too-long hint (give up with retry_after set).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def _parse_seconds(text: str) -> float | None:
    """A positive number of seconds from a numeric literal, ``inf`` only on overflow; else ``None``."""
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    seconds = float(text)
    return seconds if seconds > 0 else None


def parse_duration(value: object) -> float | None:
    """Parse a protobuf Duration string such as ``"45.837906927s"`` into seconds.

    Args:
        value: The raw ``retryDelay`` value from a ``google.rpc.RetryInfo`` detail.

    Returns:
        The delay in seconds if it is positive (``inf`` if the number overflows), else ``None``
        (also for ``"infs"``, ``"nans"`` and other text that is not a number).
    """
    if not isinstance(value, str) or not value.endswith("s"):
        return None
    return _parse_seconds(value[:-1])


def parse_retry_after(value: str, *, now: float | None = None) -> float | None:
    """Parse a ``Retry-After`` header: delta-seconds or an HTTP-date.

    Args:
        value: The header value.
        now: The current Unix time; defaults to ``time.time()``.

    Returns:
        The delay in seconds if it is positive (``inf`` if the number overflows, e.g. ``1e999``),
        else ``None`` (``0``, negative, ``nan``, ``inf`` and other garbage).
    """
    if _NUMBER.fullmatch(value.strip()):
        return _parse_seconds(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT
        return None
    seconds = when.timestamp() - (time.time() if now is None else now)
    return seconds if seconds > 0 else None


def _details_of_type(details: Iterable[Any], type_url: str) -> list[dict[str, Any]]:
    return [d for d in details if isinstance(d, dict) and d.get("@type") == type_url]


def retry_hint(details: Iterable[Any], headers: Mapping[str, str] | None = None) -> float | None:
    """The server's retry delay in seconds, or ``None`` when it gave no usable hint.

    Precedence: ``RetryInfo.retryDelay`` in the body (the only hint Gemini sends for 429s), then
    ``retry-after-ms``, then ``Retry-After``. A source that is absent or unusable (0, negative,
    ``nan``, ``inf``, garbage) falls through to the next one; a number that overflows to infinity
    is usable and gives up (it is above any ``max_server_delay``).

    Args:
        details: The ``error.details`` list of the response body.
        headers: Response headers (any case).

    Returns:
        A positive number of seconds (possibly ``inf``) or ``None``.
    """
    for info in _details_of_type(details, _RETRY_INFO):
        delay = parse_duration(info.get("retryDelay"))
        if delay is not None:
            return delay
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    if "retry-after-ms" in lower:
        ms = _parse_seconds(lower["retry-after-ms"])
        if ms is not None:
            return ms / 1000.0
    if "retry-after" in lower:
        return parse_retry_after(lower["retry-after"])
    return None


def per_day_quota_id(details: Iterable[Any]) -> str | None:
    """The id of a violated per-day quota, if any: those reset hours later, so never retry them.

    Args:
        details: The ``error.details`` list of the response body.

    Returns:
        The first ``QuotaFailure.violations[].quotaId`` containing ``PerDay``, else ``None``.
    """
    for failure in _details_of_type(details, _QUOTA_FAILURE):
        violations = failure.get("violations")
        for violation in violations if isinstance(violations, list) else ():
            quota_id = violation.get("quotaId") if isinstance(violation, dict) else None
            if isinstance(quota_id, str) and "PerDay" in quota_id:
                return quota_id
    return None


@dataclass(frozen=True)
class RetryPolicy:
    """When to retry a failed attempt, and after how long.

    Attributes:
        max_retries: Retries after the first attempt (so ``max_retries + 1`` attempts at most).
        initial_delay: Backoff before the first retry, doubled each retry.
        max_delay: Cap of the exponential backoff.
        max_server_delay: A server hint above this is not waited for: the error is raised at once
            with ``retry_after`` set, so the caller can decide.
        jitter: Source of uniform randoms in [0, 1); ``None`` uses ``random.random`` at call time
            (so tests can patch it).
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = INITIAL_DELAY
    max_delay: float = MAX_DELAY
    max_server_delay: float = MAX_SERVER_DELAY
    jitter: Callable[[], float] | None = None

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with up to 25 % negative jitter.

        Args:
            attempt: How many retries were made so far (0 before the first retry).

        Returns:
            ``min(initial_delay * 2**attempt, max_delay) * (1 - 0.25 * U[0, 1))``.
        """
        rand = (self.jitter or random.random)()
        # The exponent is capped so a huge attempt number cannot overflow the float.
        base = min(self.initial_delay * 2.0 ** min(attempt, 64), self.max_delay)
        return base * (1.0 - 0.25 * rand)

    def is_retryable(self, error: GeminiError) -> bool:
        """Whether this kind of failure is worth another attempt at all.

        Args:
            error: The mapped failure of the last attempt.

        Returns:
            True for transport failures and for 408/429/500/502/503/504 that are not a per-day
            quota; False for everything else.
        """
        if not error.is_retryable:
            return False
        if error.status_code is None:  # transport failures carry no status
            return True
        return error.status_code in RETRYABLE_STATUSES and per_day_quota_id(error.details) is None

    def next_delay(self, attempt: int, error: GeminiError) -> float | None:
        """Decide what to do after a failed attempt.

        Args:
            attempt: How many retries were made so far (0 after the first attempt failed).
            error: The mapped failure of that attempt.

        Returns:
            Seconds to sleep before the next attempt, or ``None`` to give up and raise ``error``.
        """
        if attempt >= self.max_retries or not self.is_retryable(error):
            return None
        hint = error.retry_after
        if hint is not None:
            return hint if hint <= self.max_server_delay else None
        return self.backoff(attempt)
