"""Errors raised by langchain-gemini. Each class is also the matching LangChain exception.

```
GeminiError(ModelError)                                          everything raised
├── GeminiAPIError                                               an error status
│   ├── GeminiBadRequestError(ModelInvalidRequestError)          400
│   │   └── GeminiContextOverflowError(ContextOverflowError)     400, too many tokens
│   ├── GeminiAuthenticationError(ModelAuthenticationError)      401, API_KEY_INVALID
│   ├── GeminiPermissionDeniedError(ModelPermissionDeniedError)  403
│   ├── GeminiNotFoundError(ModelNotFoundError)                  404
│   ├── GeminiRateLimitError(ModelRateLimitError)                429
│   └── GeminiServerError(ModelAPIError)                         5xx, 408
├── GeminiTimeoutError(ModelTimeoutError)                        transport timeout
├── GeminiConnectionError(ModelConnectionError)                  transport failure
├── GeminiStreamError                                            incomplete stream
└── GeminiResponseValidationError                                unexpected 2xx body
```

Every instance carries `message`, `status_code`, `status`, `details`, `retry_after`,
`request_id`, `body` and `is_retryable`; all strings are redacted of the API key (see `redact` for
the rule). `str(error)` stays short (`"429 RESOURCE_EXHAUSTED: <message>"`); the full body is only
in `.body`.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, quote_plus

from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

from langchain_gemini._retry import RETRYABLE_STATUSES, per_day_quota_id, retry_hint

__all__ = [
    "GeminiAPIError",
    "GeminiAuthenticationError",
    "GeminiBadRequestError",
    "GeminiConnectionError",
    "GeminiContextOverflowError",
    "GeminiContinuationLimitError",
    "GeminiError",
    "GeminiNotFoundError",
    "GeminiPermissionDeniedError",
    "GeminiRateLimitError",
    "GeminiResponseValidationError",
    "GeminiServerError",
    "GeminiStreamError",
    "GeminiTimeoutError",
    "error_from_body",
    "error_from_response",
    "error_from_transport",
    "redact",
]

Secrets = str | tuple[str, ...] | None
"""The secrets to redact: the API key, or every secret in use (Vertex AI access tokens, current and previous)."""

# Google API keys: "AIza" and 35 more characters (39 in all), the shape secret scanners look for.
_API_KEY_PATTERN = re.compile(r"AIza[0-9A-Za-z_-]{35}")
# A key shorter than this is not a secret: 8 characters is the minimum length NIST SP 800-63B (5.1.1.1) sets for a
# memorized secret. Replacing such a key everywhere would only mangle Google's messages (a key "k" turns
# 'Unknown name' into 'Un***nown name'); short keys are test keys, for emulators and mocks.
_MIN_SECRET_LENGTH = 8
# Context overflow is the one condition Google gives no status or reason code for, only this
# documented message: "The input token count (N) exceeds the maximum number of tokens allowed (M)."
_CONTEXT_OVERFLOW = re.compile(r"input token count.{0,40}exceeds the maximum number of tokens", re.IGNORECASE)
_ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
_AUTH_REASONS = frozenset({"API_KEY_INVALID", "API_KEY_EXPIRED"})
# google.rpc.Code name -> HTTP status, for error payloads that carry a status but no code.
_STATUS_CODES = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "OUT_OF_RANGE": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "ABORTED": 409,
    "RESOURCE_EXHAUSTED": 429,
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INTERNAL": 500,
    "DATA_LOSS": 500,
    "UNIMPLEMENTED": 501,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}
# Google front-ends do not document a request-id header; these are the common spellings.
_REQUEST_ID_HEADERS = ("x-request-id", "x-goog-request-id", "request-id")
_URL_QUERY = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s?#'\"]*)\?[^\s'\"]*", re.IGNORECASE)


def is_secret(key: str | None) -> bool:
    """Whether `key` is treated as a secret: 8 characters or more (shorter keys are test keys, see above)."""
    return bool(key) and len(key or "") >= _MIN_SECRET_LENGTH


def redact(text: str, secret: Secrets) -> str:
    """Replace the API key, and anything shaped like a Google API key, with ``***``.

    The rule: the key in use is replaced wherever it occurs when it has at least 8 characters (Google's keys
    have 39), raw, URL-encoded or JSON-escaped; a shorter key is no secret and is left alone, so that it cannot
    cut into ordinary words. Anything shaped like a Google API key (`AIza` + 35 characters) is replaced whatever
    key is in use.

    Args:
        text: Any string that may leave the package (messages, bodies, details).
        secret: The key in use, if known, or every secret in use (an API key, a current and a previous access
            token on Vertex AI).

    Returns:
        The text with every occurrence replaced.
    """
    for one in (secret,) if isinstance(secret, str) else secret or ():
        if is_secret(one):
            for form in _secret_forms(one):
                text = text.replace(form, "***")
    return _API_KEY_PATTERN.sub("***", text)


@functools.lru_cache(maxsize=4)
def _secret_forms(secret: str) -> tuple[str, ...]:
    """The key as it appears raw, URL-encoded (`%2B`, `+` for space) and JSON-escaped, longest first."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    return tuple(sorted(forms, key=len, reverse=True))


def redact_value(value: Any, secret: Secrets) -> Any:
    """`redact` applied to every string in `value`, dict keys included (dicts and lists are copied)."""
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, dict):
        return {redact_value(k, secret): redact_value(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v, secret) for v in value]
    return value


def _restore(cls: type[GeminiError], args: tuple[Any, ...], state: dict[str, Any]) -> GeminiError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class GeminiError(ModelError):
    """Base class of every error langchain-gemini raises.

    `str(error)` is short (`"429 RESOURCE_EXHAUSTED: <message>"`); everything else is in the attributes. Every
    string is redacted of the API key.

    Attributes:
        message: Google's error message, or the HTTP reason phrase when the body is not Google's JSON.
        status_code: The HTTP status, or `error.code` of an error inside a stream; `None` for transport failures.
        status: Google's status name (`"RESOURCE_EXHAUSTED"`, `"INVALID_ARGUMENT"`, ...), when the body has one.
        details: Google's `error.details` list (`ErrorInfo`, `QuotaFailure`, `RetryInfo`, `Help`, ...); `[]` if none.
        retry_after: Seconds the server asked to wait (from `RetryInfo.retryDelay`, `retry-after-ms` or
            `Retry-After`), `inf` for a hint too large to represent, `None` when there was no usable hint.
        request_id: The response's request id header (`x-request-id`, `x-goog-request-id` or `request-id`), if any.
        body: The whole error body, parsed if it was JSON, else the text; `None` for transport failures.
        is_retryable: Whether the retry policy would try again: true for 408/429/5xx and transport failures;
            false for a per-day quota, any other status, and stream or response-validation errors.
    """

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int | None = None,
        status: str | None = None,
        details: list[dict[str, Any]] | None = None,
        retry_after: float | None = None,
        request_id: str | None = None,
        body: Any = None,
        is_retryable: bool | None = None,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.status = status
        self.details: list[dict[str, Any]] = details if details is not None else []
        self.retry_after = retry_after
        self.request_id = request_id
        self.body = body
        self.is_retryable = type(self).is_retryable if is_retryable is None else is_retryable
        super().__init__(self._summary())

    def _summary(self) -> str:
        """`"429 RESOURCE_EXHAUSTED: msg"`; `"502 Bad Gateway"` when Google's status is unknown."""
        if self.status is not None:
            prefix = f"{self.status_code} {self.status}" if self.status_code else self.status
            return f"{prefix}: {self.message}" if self.message else prefix
        if self.status_code is not None:
            return f"{self.status_code} {self.message}".rstrip()
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # The keyword-only constructor cannot be replayed from `args`; rebuild from the state.
        return (_restore, (type(self), self.args, dict(self.__dict__)))


class GeminiAPIError(GeminiError):
    """The API answered with an error status."""


class GeminiBadRequestError(GeminiAPIError, ModelInvalidRequestError):
    """400: the request is invalid (INVALID_ARGUMENT, FAILED_PRECONDITION, ...)."""


class GeminiContextOverflowError(GeminiBadRequestError, ContextOverflowError):
    """400: the input has more tokens than the model accepts."""


class GeminiAuthenticationError(GeminiAPIError, ModelAuthenticationError):
    """401, or a 400 whose ErrorInfo reason is API_KEY_INVALID: the key is missing or wrong."""


class GeminiPermissionDeniedError(GeminiAPIError, ModelPermissionDeniedError):
    """403: the key may not use this method, model or resource."""


class GeminiNotFoundError(GeminiAPIError, ModelNotFoundError):
    """404: the model or resource does not exist (for this API version)."""


class GeminiRateLimitError(GeminiAPIError, ModelRateLimitError):
    """429: a rate limit or quota was exceeded (not retryable when it is a per-day quota)."""


class GeminiServerError(GeminiAPIError, ModelAPIError):
    """5xx (and a proxy's 408): a failure on the server side."""


class GeminiTimeoutError(GeminiError, ModelTimeoutError):
    """The request timed out in transport; the httpx exception is the ``__cause__``."""


class GeminiConnectionError(GeminiError, ModelConnectionError):
    """The request failed in transport; the httpx exception is the ``__cause__``."""


class GeminiStreamError(GeminiError):
    """A stream ended before completion (no event carried a finishReason)."""


class GeminiResponseValidationError(GeminiError):
    """A 2xx response whose body is not the JSON we expect. Never retried."""


class GeminiContinuationLimitError(GeminiError):
    """A long answer still asked to be continued after `max_continuations` follow-up requests."""


def _error_class(code: int | None, reason: str | None, message: str) -> type[GeminiAPIError]:
    # The reason code decides authentication: Google answers a bad key with 400 INVALID_ARGUMENT.
    if reason in _AUTH_REASONS or code == 401:
        return GeminiAuthenticationError
    if code == 400:
        if _CONTEXT_OVERFLOW.search(message):
            return GeminiContextOverflowError
        return GeminiBadRequestError
    if code is not None and code in _BY_CODE:
        return _BY_CODE[code]
    if code is not None and 500 <= code <= 599:
        return GeminiServerError
    return GeminiAPIError


_BY_CODE: dict[int, type[GeminiAPIError]] = {
    403: GeminiPermissionDeniedError,
    404: GeminiNotFoundError,
    408: GeminiServerError,  # a proxy's timeout: worth retrying like a 5xx
    429: GeminiRateLimitError,
}


def _unwrap(body: object) -> dict[str, Any] | None:
    """The inner google.rpc.Status of `{"error": {...}}`, `[{"error": {...}}]` or a bare status."""
    if isinstance(body, list) and len(body) == 1:
        body = body[0]
    if not isinstance(body, dict):
        return None
    inner = body.get("error")
    if isinstance(inner, dict):
        return inner
    # A front-end may answer with only top-level "message"/"status"; the legacy "errors" list
    # next to them is ignored.
    if any(k in body for k in ("code", "message", "status")):
        return body
    return None


def _reason_of(details: list[dict[str, Any]]) -> str | None:
    for detail in details:
        if detail.get("@type") == _ERROR_INFO and isinstance(detail.get("reason"), str):
            return str(detail["reason"])
    return None


def _build(
    body: object,
    *,
    status_code: int | None,
    headers: Mapping[str, str] | None,
    secret: Secrets,
    fallback_message: str,
) -> GeminiAPIError:
    inner = _unwrap(body) or {}
    raw_details = inner.get("details")
    details = [d for d in raw_details if isinstance(d, dict)] if isinstance(raw_details, list) else []
    status = inner.get("status") if isinstance(inner.get("status"), str) else None
    if status_code is None:
        code = inner.get("code")
        status_code = code if isinstance(code, int) else _STATUS_CODES.get(status or "")
    raw_message = inner.get("message")
    message = raw_message if isinstance(raw_message, str) and raw_message else fallback_message
    cls = _error_class(status_code, _reason_of(details), message)
    is_retryable = status_code in RETRYABLE_STATUSES
    quota_id = per_day_quota_id(details)
    if quota_id is not None:
        is_retryable = False
        message = f"{message} (per-day quota {quota_id} exhausted; not retried)"
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    request_id = next((lower[h] for h in _REQUEST_ID_HEADERS if h in lower), None)
    return cls(
        redact(message, secret),
        status_code=status_code,
        status=status,
        details=redact_value(details, secret),
        retry_after=retry_hint(details, headers),
        request_id=request_id,
        body=redact_value(body, secret),
        is_retryable=is_retryable,
    )


def _reason_phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "HTTP error"


def error_from_response(
    status_code: int, headers: Mapping[str, str], content: bytes, *, secret: Secrets
) -> GeminiAPIError:
    """Map a non-2xx response to the matching error class.

    Args:
        status_code: The HTTP status.
        headers: The response headers (used for retry hints and a request id).
        content: The full response body.
        secret: The API key, to redact from everything the error keeps.

    Returns:
        The error to raise (classified by HTTP status and Google's reason code).
    """
    text = content.decode("utf-8", errors="replace")
    body: object
    try:
        body = json.loads(text) if text.strip() else None
    except ValueError:
        body = text  # HTML from a proxy, plain text: kept in .body only
    # Without a Google status (HTML, empty, foreign JSON) str(error) is the status line alone,
    # e.g. "502 Bad Gateway"; the body stays in .body.
    return _build(
        body,
        status_code=status_code,
        headers=headers,
        secret=secret,
        fallback_message=_reason_phrase(status_code),
    )


def error_from_body(body: object, *, status_code: int | None = None, secret: Secrets) -> GeminiAPIError:
    """Map an error payload (e.g. `{"error": {...}}` inside a 200 stream) to an error class.

    Args:
        body: The parsed payload: `{"error": {...}}`, `[{"error": {...}}]` or the bare status.
        status_code: The HTTP status if there is one; otherwise `error.code` (or the Google
            status name) decides.
        secret: The API key, to redact from everything the error keeps.

    Returns:
        The error to raise.
    """
    return _build(
        body,
        status_code=status_code,
        headers=None,
        secret=secret,
        fallback_message="error in response payload",
    )


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, TimeoutError):
        return True
    # Only _client.py imports httpx; an httpx exception implies the module is already loaded.
    httpx = sys.modules.get("httpx")
    return httpx is not None and isinstance(exc, httpx.TimeoutException)


def _scrub_chain(exc: BaseException, secret: Secrets) -> None:
    """Redact the string arguments of `exc` and the exceptions behind it: they stay reachable as `__cause__`."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.args = tuple(redact(arg, secret) if isinstance(arg, str) else arg for arg in current.args)
        current = current.__cause__ or current.__context__


def error_from_transport(exc: Exception, *, secret: Secrets) -> GeminiTimeoutError | GeminiConnectionError:
    """Map a transport exception (an httpx ``TransportError``) to a retryable error.

    Args:
        exc: The exception raised while sending or receiving.
        secret: The API key, to redact from the message.

    Returns:
        `GeminiTimeoutError` for timeouts, else `GeminiConnectionError`, with ``__cause__`` set.
        The message names the exception type and its text with any URL query removed.
    """
    detail = redact(_URL_QUERY.sub(r"\1", str(exc)), secret)
    _scrub_chain(exc, secret)
    kind = type(exc).__name__
    reason = f"{kind}: {detail}" if detail else kind
    error: GeminiTimeoutError | GeminiConnectionError
    if _is_timeout(exc):
        error = GeminiTimeoutError(f"Request timed out ({reason})")
    else:
        error = GeminiConnectionError(f"Connection failed ({reason})")
    error.__cause__ = exc
    error.__suppress_context__ = True
    return error
