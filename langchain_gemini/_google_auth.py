"""Access tokens for Vertex AI from google-auth credentials: the only module that imports google-auth.

It is imported only when a model talks to Vertex AI with credentials (not with an API key), so the Developer API
never pays for google-auth at import time. `TokenSource` hands out a bearer token, refreshing it before it expires:

* one refresh at a time (single flight): threads wait on one lock, and the coroutines of an event loop on one
  `asyncio.Lock`, then find the fresh token and reuse it;
* async callers never block their event loop: google-auth's refresh is synchronous, so it runs in a worker thread;
* google-auth sends its token request through `HttpxRequest`, an implementation of its documented transport
  interface (`google.auth.transport.Request`) over httpx, with our timeouts and never following a redirect (the
  request carries a signed assertion), so `requests` is not needed.

The current and the previous token are kept as the secrets to redact: a request that started with the old token
can still fail (and be logged) after a refresh.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

try:
    import google.auth
    import google.auth.credentials
    import google.auth.exceptions
    import google.auth.transport
except ImportError as exc:  # tests/unit/test_vertex.py hides the package in a subprocess
    msg = 'Vertex AI with Google credentials needs google-auth: pip install "langchain-gemini-api[vertex]"'
    raise ImportError(msg) from exc

from langchain_gemini.errors import GeminiAuthenticationError, GeminiConnectionError, redact

# The scope google-genai asks Application Default Credentials for (google/genai/_api_client.py, `load_auth`).
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
# google-auth treats a token as stale 3 min 45 s before it expires (google/auth/_helpers.py, REFRESH_THRESHOLD);
# a token that lives shorter than twice that is refreshed once half its life is gone, or it would never be used.
_REFRESH_MARGIN = timedelta(minutes=3, seconds=45)
# A token endpoint answers in well under a second; these bound a stuck one without the 600 s read we allow Gemini.
_TOKEN_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


class _HttpxResponse(google.auth.transport.Response):
    """google-auth's view of an httpx response (its `Response` interface: status, headers, data)."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class HttpxRequest(google.auth.transport.Request):
    """google-auth's `Request` interface over httpx: what it sends to the token endpoint goes through here.

    Args:
        client: An httpx client to send with (the user's `http_client`, for its proxy settings); None opens one
            per request and closes it (a token is fetched about once an hour).
        timeout: Seconds for the whole exchange when google-auth gives none.
        transport: The transport of the clients opened here (tests pass `httpx.MockTransport`).
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = client
        self._timeout = _TOKEN_TIMEOUT if timeout is None else httpx.Timeout(timeout)
        self._transport = transport

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _HttpxResponse:
        per_call = self._timeout if timeout is None else httpx.Timeout(timeout)
        try:
            if self._client is not None:
                return self._send(self._client, url, method, body, headers, timeout=per_call)
            with httpx.Client(transport=self._transport, timeout=per_call) as client:
                return self._send(client, url, method, body, headers, timeout=per_call)
        except httpx.HTTPError as exc:
            # google-auth expects its own TransportError; the message names the failure, not the request body.
            failure = f"token request failed: {type(exc).__name__}"
            raise google.auth.exceptions.TransportError(failure) from None  # type: ignore[no-untyped-call]

    @staticmethod
    def _send(
        client: httpx.Client,
        url: str,
        method: str,
        body: bytes | None,
        headers: Mapping[str, str] | None,
        *,
        timeout: httpx.Timeout,
    ) -> _HttpxResponse:
        request = client.build_request(method, url, content=body, headers=headers, timeout=timeout)
        response = client.send(request, follow_redirects=False)
        response.read()
        response.close()
        return _HttpxResponse(response)


def default_credentials() -> tuple[google.auth.credentials.Credentials, str | None]:
    """Application Default Credentials and their project, with the scope google-genai asks for.

    ADC are found in `GOOGLE_APPLICATION_CREDENTIALS` (a key file), gcloud's login, or the metadata server.
    """
    try:
        credentials, project = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
    except google.auth.exceptions.DefaultCredentialsError:
        msg = (
            "No Google credentials for Vertex AI: pass credentials=..., or set up Application Default Credentials "
            "(GOOGLE_APPLICATION_CREDENTIALS, or `gcloud auth application-default login`), or use an API key "
            "(express mode: api_key=... without project or location)"
        )
        raise ValueError(msg) from None
    return credentials, project


def _now() -> datetime:
    # google-auth keeps `expiry` as a naive UTC datetime.
    return datetime.now(UTC).replace(tzinfo=None)


class TokenSource:
    """Bearer tokens from google-auth credentials, refreshed before expiry, one refresh at a time.

    Args:
        credentials: A `google.auth.credentials.Credentials` object (never copied, pickled or shown).
        request: The transport google-auth refreshes through.
    """

    def __init__(self, credentials: google.auth.credentials.Credentials, request: HttpxRequest) -> None:
        if getattr(credentials, "requires_scopes", False):
            # Service-account credentials loaded without scopes cannot mint a token; google-genai scopes them too.
            credentials = credentials.with_scopes([CLOUD_PLATFORM_SCOPE])  # type: ignore[attr-defined]
        self._credentials = credentials
        self._request = request
        self._lock = threading.Lock()
        self._loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._issued_at: datetime | None = None
        self._previous: str | None = None
        self.refreshes = 0
        """How many refreshes this source made (the tests' single-flight check)."""

    def __repr__(self) -> str:
        return f"TokenSource(credentials={type(self._credentials).__name__})"

    @property
    def quota_project_id(self) -> str | None:
        """The project to bill quota to, sent as `x-goog-user-project` as google-genai does."""
        value = getattr(self._credentials, "quota_project_id", None)
        return value if isinstance(value, str) and value else None

    def secrets(self) -> tuple[str, ...]:
        """The current and previous tokens: what must be redacted from anything that leaves the package."""
        current = self._credentials.token
        return tuple(token for token in (current, self._previous) if isinstance(token, str) and token)

    def token(self, stale: str | None = None) -> str:
        """A usable token; `stale` is one the server refused (401), refreshed even if its expiry says otherwise."""
        current = self._usable(stale)
        if current is not None:
            return current
        with self._lock:
            return self._refresh_if_needed(stale)

    async def atoken(self, stale: str | None = None) -> str:
        """`token` for coroutines: concurrent callers of a loop wait for one refresh, run in a worker thread."""
        current = self._usable(stale)
        if current is not None:
            return current
        loop = asyncio.get_running_loop()
        with self._lock:
            lock = self._loop_locks.get(loop)
            if lock is None:
                lock = self._loop_locks[loop] = asyncio.Lock()
        async with lock:
            current = self._usable(stale)
            if current is not None:
                return current
            return await asyncio.to_thread(self.token, stale)

    def _usable(self, stale: str | None) -> str | None:
        token = self._credentials.token
        if not isinstance(token, str) or not token or token == stale:
            return None
        expiry = self._credentials.expiry
        if expiry is None:
            return token  # credentials that do not expire
        expiry = expiry.replace(tzinfo=None) if expiry.tzinfo is None else expiry.astimezone(UTC).replace(tzinfo=None)
        margin = _REFRESH_MARGIN
        if self._issued_at is not None:
            margin = min(margin, (expiry - self._issued_at) / 2)
        return token if _now() < expiry - margin else None

    def _refresh_if_needed(self, stale: str | None) -> str:
        current = self._usable(stale)  # another thread may have refreshed while this one waited
        if current is not None:
            return current
        before = self._credentials.token
        issued_at = _now()
        try:
            self._credentials.refresh(self._request)  # type: ignore[no-untyped-call]
        except google.auth.exceptions.TransportError as exc:
            msg = redact(f"could not reach the token endpoint: {exc}", self.secrets())
            raise GeminiConnectionError(msg, is_retryable=True) from None
        except google.auth.exceptions.GoogleAuthError as exc:
            # A refused assertion or bad key (`invalid_grant`): not retryable, and the message is google-auth's.
            msg = redact(f"could not get a Vertex AI access token: {exc}", self.secrets())
            raise GeminiAuthenticationError(msg, status_code=401, is_retryable=False) from None
        token = self._credentials.token
        if not isinstance(token, str) or not token:
            msg = "the credentials refreshed without an access token"
            raise GeminiAuthenticationError(msg, status_code=401, is_retryable=False)
        if isinstance(before, str) and before and before != token:
            self._previous = before
        self._issued_at = issued_at
        self.refreshes += 1
        return token
