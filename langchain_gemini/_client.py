"""HTTP transport for the Gemini REST API: the only module that imports httpx or waits to retry.

`GeminiClient` sends JSON requests (raw ones with `send`) and reads JSON or SSE responses,
retrying failed attempts as `RetryPolicy` decides. Retries happen only before a response starts:
once a stream has begun, partial output may already be visible, so any failure is raised.

No idempotency key exists in the Gemini API: retrying after a ReadTimeout or a dropped
connection may bill a generation twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import replace
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

import httpx
from pydantic import SecretStr

from langchain_gemini._owned import OwnedClients
from langchain_gemini._pool import WAIT_FOR_CONNECTION_EVENT
from langchain_gemini._retry import RetryPolicy
from langchain_gemini._retry_slots import retry_sleep
from langchain_gemini._sse import EventReader, SSEDecoder
from langchain_gemini._version import __version__
from langchain_gemini.errors import (
    GeminiAPIError,
    GeminiConnectionError,
    GeminiError,
    GeminiResponseValidationError,
    Secrets,
    error_from_response,
    error_from_transport,
    is_secret,
    redact,
    redact_value,
)

if TYPE_CHECKING:
    from langchain_gemini._google_auth import TokenSource

logger = logging.getLogger("langchain_gemini")

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
DEFAULT_API_VERSION = "v1beta"
# Named after the distribution, so Google-side logs point at what users install.
DEFAULT_USER_AGENT = f"langchain-gemini-api/{__version__}"
_SSE = {"alt": "sse"}
_DOWNLOAD_CHUNK = 1 << 20  # bytes per read of a download (a batch result file can be gigabytes)


class GeminiClient:
    """A small client for the Gemini REST API with retries, timeouts and SSE streaming.

    Args:
        api_key: The API key; sent only as the ``x-goog-api-key`` header of each request. None when
            ``token_source`` authenticates instead.
        base_url: Scheme and host (no version); must not carry a ``key`` query parameter.
        api_version: The path segment after the host, e.g. ``"v1beta"``.
        timeout: Seconds for connect, read, write and pool alike. ``None`` keeps the
            defaults (connect 5 s, the rest 600 s) or those of a supplied ``http_client``.
        max_retries: Retries after the first attempt of each call.
        http_client: A sync httpx client to use as-is (never closed by us).
        http_async_client: An async httpx client to use as-is (never closed by us).
        user_agent: The ``user-agent`` header.
        transport: Transport for the clients we create (e.g. ``httpx.MockTransport`` in tests).
        async_transport: Async transport for the clients we create. It is shared by every event
            loop, so pass a loop-independent one (a mock) here.
        token_source: Vertex AI access tokens (``Authorization: Bearer``), fetched before each attempt; a 401
            refreshes the token once and resends.
        resource_prefix: Path between the API version and ``models/...`` (Vertex AI's
            ``projects/{p}/locations/{l}/publishers/google/``). Paths that already name a project (a full Vertex
            resource name) go right after the version, those naming a publisher right after the project.
        collection_parent: Path before the collections a project owns (``cachedContents``): ``""`` on the
            Developer API, ``projects/{p}/locations/{l}/`` on Vertex AI, None where there are none (Vertex AI
            express mode); `why_no_collections` then says why.
        why_no_collections: The reason `collection_path` gives when ``collection_parent`` is None.
    """

    def __init__(
        self,
        *,
        api_key: SecretStr | None,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str = DEFAULT_API_VERSION,
        timeout: float | None = None,
        max_retries: int = 2,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        token_source: TokenSource | None = None,
        resource_prefix: str = "",
        collection_parent: str | None = "",
        why_no_collections: str = "this endpoint has no resource collections",
    ) -> None:
        if (api_key is None) == (token_source is None):
            raise ValueError("pass exactly one of api_key and token_source")
        self._tokens = token_source
        if api_key is None:
            api_key = SecretStr("")
        elif not api_key.get_secret_value().strip():
            raise ValueError("api_key is empty")
        if any(name.lower() == "key" for name, _ in parse_qsl(urlsplit(base_url).query, keep_blank_values=True)):
            raise ValueError("base_url must not contain a 'key' query parameter; pass api_key")
        key = api_key.get_secret_value().strip()  # a key pasted from a file often ends in "\n"
        if is_secret(key) and any(key in unquote_plus(value) for value in (base_url, api_version)):
            # A URL is logged (by httpx at INFO) and shown in errors: the key must never be part of one.
            raise ValueError("base_url and api_version must not contain the API key; pass api_key")
        if not key.isascii() or any(c.isspace() or not c.isprintable() for c in key):
            # Checked here, never left to httpx: its UnicodeEncodeError would carry the whole key in `args`.
            raise ValueError("api_key contains whitespace or control characters, or characters outside ASCII")
        self._api_key = api_key if key == api_key.get_secret_value() else SecretStr(key)
        self._base_url = base_url.rstrip("/")
        root = f"{self._base_url}/{api_version.strip('/')}/"
        self._prefix = root + resource_prefix
        # Where a model name that is already a resource name goes: `projects/...` after the version,
        # `publishers/...` after the project and location (google-genai, _api_client.py / _transformers.t_model).
        project_root = root + resource_prefix.removesuffix("publishers/google/")
        self._named_roots = {"projects/": root, "publishers/": project_root}
        self._resource_prefix = resource_prefix
        self._collection_parent = collection_parent
        self._why_no_collections = why_no_collections
        self._paths: dict[str, httpx.URL] = {}
        self._timeout = None if timeout is None else httpx.Timeout(timeout)
        self._policy = RetryPolicy(max_retries=_check_retries(max_retries))
        self._headers = {"content-type": "application/json", "user-agent": user_agent}
        if token_source is not None and token_source.quota_project_id:
            # As google-genai does (_api_client.py, `_request_once`): bill quota to the credentials' project.
            self._headers["x-goog-user-project"] = token_source.quota_project_id
        self._user_client = http_client
        self._user_async_client = http_async_client
        self._owned = OwnedClients(transport, async_transport)
        # Closes what we opened once this client is dropped; `_owned` never refers back to `self`.
        self._finalizer = weakref.finalize(self, self._owned.close)

    def __repr__(self) -> str:
        return f"GeminiClient(base_url={self._base_url!r}, max_retries={self._policy.max_retries})"

    # -- where resources live ---------------------------------------------------------------

    def collection_path(self, path: str) -> str:
        """`cachedContents` or `cachedContents/abc` -> the name this endpoint knows it by.

        On the Developer API that is `path` itself; on Vertex AI the project's collection,
        `projects/{p}/locations/{l}/cachedContents/abc` (google-genai, _transformers.py `_resource_name`). A full
        Vertex AI name is kept, on Vertex AI only.

        Raises:
            ValueError: A full Vertex AI name on the Developer API, or an endpoint without collections.
        """
        if self._collection_parent is None:
            raise ValueError(self._why_no_collections)
        if not path.startswith("projects/"):
            return self._collection_parent + path
        if not self._collection_parent:
            raise ValueError(f"{path!r} is a Vertex AI resource name, and this client talks to the Developer API")
        return path

    def model_name(self, model: str) -> str:
        """`gemini-2.5-flash` -> the model's full name on this endpoint, as a cache's `model` field takes it.

        `models/...`, or on Vertex AI `projects/{p}/locations/{l}/publishers/google/models/...` (google-genai,
        _transformers.py `t_caches_model`).
        """
        if model.startswith("projects/"):
            return model
        if model.startswith("publishers/"):
            return self._resource_prefix.removesuffix("publishers/google/") + model
        return self._resource_prefix + (model if model.startswith("models/") else f"models/{model}")

    # -- public API -------------------------------------------------------------------------

    def request_json(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> dict[str, Any]:
        """Send one JSON request, retrying as the policy allows, and return the JSON object.

        Args:
            method: HTTP method.
            path: Relative to ``{base_url}/{api_version}/``, or to ``base_url`` if it starts
                with ``/``.
            body: JSON body, if any.
            params: Query parameters (never the key).
            timeout: Per-call timeout in seconds (all four phases).
            max_retries: Per-call retry count.

        Returns:
            The parsed response object (``{}`` for an empty body to a DELETE).

        Raises:
            GeminiError: The mapped failure of the last attempt.
        """
        client = self._sync_client()
        request = self._build_json(client, method, path, body=body, params=params, timeout=timeout)
        response = self._send(client, request, self._policy_for(max_retries), stream=False)
        return self._parse_json(response)

    async def arequest_json(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> dict[str, Any]:
        """Async `request_json`."""
        client = self._async_client()
        request = self._build_json(client, method, path, body=body, params=params, timeout=timeout)
        response = await self._asend(client, request, self._policy_for(max_retries), stream=False)
        return self._parse_json(response)

    def stream_json(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """POST with ``alt=sse`` and yield each event's JSON object.

        The request is sent on the first ``next()``. Retries happen only until the response
        starts. The response is closed when the stream ends, fails or is abandoned.

        Args:
            path: As for `request_json`, e.g. ``"models/gemini-2.5-flash:streamGenerateContent"``.
            body: JSON body.
            timeout: Per-call timeout in seconds (``read`` bounds the gap between bytes).
            max_retries: Per-call retry count (for opening the stream).

        Yields:
            Each event (a ``GenerateContentResponse`` object).

        Raises:
            GeminiAPIError: The stream could not be opened, or an error payload arrived in it.
            GeminiTimeoutError: A transport timeout, before or after the stream started.
            GeminiConnectionError: Another transport failure.
            GeminiStreamError: The stream ended without any finishReason or blockReason.
            GeminiResponseValidationError: An event is not a JSON object.
        """
        client = self._sync_client()
        request = self._build_json(client, "POST", path, body=body, params=_SSE, timeout=timeout)
        response = self._send(client, request, self._policy_for(max_retries), stream=True)
        decoder, reader = SSEDecoder(), EventReader(self._secret)
        try:
            for chunk in response.iter_bytes():
                for message in decoder.feed(chunk):
                    yield reader.accept(message)
            for message in decoder.close():
                yield reader.accept(message)
            reader.finish()
        except httpx.RequestError as exc:  # transport failures, and bodies that fail to decode
            raise error_from_transport(exc, secret=self._secret) from exc
        finally:
            response.close()

    async def astream_json(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Async `stream_json`."""
        client = self._async_client()
        request = self._build_json(client, "POST", path, body=body, params=_SSE, timeout=timeout)
        response = await self._asend(client, request, self._policy_for(max_retries), stream=True)
        decoder, reader = SSEDecoder(), EventReader(self._secret)
        try:
            async for chunk in response.aiter_bytes():
                for message in decoder.feed(chunk):
                    yield reader.accept(message)
            for message in decoder.close():
                yield reader.accept(message)
            reader.finish()
        except httpx.RequestError as exc:  # transport failures, and bodies that fail to decode
            raise error_from_transport(exc, secret=self._secret) from exc
        finally:
            await response.aclose()

    def send(
        self,
        method: str,
        path_or_url: str,
        *,
        body: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """Send one request with caller-chosen headers and body (e.g. an upload), with retries.

        Args:
            method: HTTP method.
            path_or_url: A path as for `request_json`, or an absolute ``http(s)://`` URL on the
                same scheme, host and port as ``base_url``.
            body: A JSON body (sent with ``content-type: application/json`` unless ``headers``
                set one). Not together with ``content``.
            content: A raw body.
            headers: Extra headers; they may not set ``x-goog-api-key``.
            params: Query parameters, merged with any in an absolute URL.
            timeout: Per-call timeout in seconds (all four phases).
            max_retries: Per-call retry count. A retry resends the same body.
            stream: Return as soon as a 2xx status and headers are in, the body unread: the caller reads it
                (with `read_body`) and closes the response. Retries cover everything up to the headers.

        Returns:
            The 2xx response, its body read unless ``stream``.

        Raises:
            ValueError: For a URL on another origin, a key header, or both ``body`` and ``content``.
            GeminiError: The mapped failure of the last attempt.
        """
        client = self._sync_client()
        raw, all_headers = self._raw_parts(body, content, headers)
        request = self._build(
            client, method, path_or_url, content=raw, headers=all_headers, params=params, timeout=timeout
        )
        return self._send(client, request, self._policy_for(max_retries), stream=stream)

    def read_body(self, response: httpx.Response) -> bytes:
        """The whole body of a response from ``send(..., stream=True)``, which is closed afterwards.

        Raises:
            GeminiError: The connection failed while the body was read (mapped like any transport error).
        """
        try:
            return response.read()
        except httpx.RequestError as exc:  # transport failures, and bodies that fail to decode
            raise error_from_transport(exc, secret=self._secret) from exc
        finally:
            response.close()

    async def asend(
        self,
        method: str,
        path_or_url: str,
        *,
        body: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> httpx.Response:
        """Async `send`.

        `on_sent` is called (possibly more than once) when the request no longer needs the event loop to reach the
        server: its body is written, an attempt failed, or it waits for a free connection. It relies on httpcore's
        `trace` extension; a transport without it never calls `on_sent`, and the caller sees the response instead.
        """
        client = self._async_client()
        raw, all_headers = self._raw_parts(body, content, headers)
        request = self._build(
            client, method, path_or_url, content=raw, headers=all_headers, params=params, timeout=timeout
        )
        if on_sent is not None:
            request.extensions["trace"] = _tracer_calling(on_sent)
        return await self._asend(client, request, self._policy_for(max_retries), stream=False)

    def download(self, path: str, sink: IO[bytes], *, params: Mapping[str, str] | None = None) -> int:
        """GET `path` and write its body to `sink` piece by piece (never whole in memory); the bytes written.

        Retries cover the request up to the response headers, as for `send(..., stream=True)`.

        Raises:
            GeminiError: The request failed, or the connection broke while the body was read.
        """
        client = self._sync_client()
        request = self._build(client, "GET", path, content=None, headers={}, params=params, timeout=None)
        response = self._send(client, request, self._policy, stream=True)
        written = 0
        try:
            for chunk in response.iter_bytes(_DOWNLOAD_CHUNK):
                written += sink.write(chunk)
        except httpx.RequestError as exc:  # transport failures, and bodies that fail to decode
            raise error_from_transport(exc, secret=self._secret) from exc
        finally:
            response.close()
        return written

    async def adownload(self, path: str, sink: IO[bytes], *, params: Mapping[str, str] | None = None) -> int:
        """Async `download` (writes to `sink` from the event loop: meant for local temporary files)."""
        client = self._async_client()
        request = self._build(client, "GET", path, content=None, headers={}, params=params, timeout=None)
        response = await self._asend(client, request, self._policy, stream=True)
        written = 0
        try:
            async for chunk in response.aiter_bytes(_DOWNLOAD_CHUNK):
                written += sink.write(chunk)
        except httpx.RequestError as exc:  # transport failures, and bodies that fail to decode
            raise error_from_transport(exc, secret=self._secret) from exc
        finally:
            await response.aclose()
        return written

    def close(self) -> None:
        """Close the httpx clients we created, sync and async (a supplied one is left open).

        Async clients of other event loops have their sockets closed at once: those of a closed loop (a finished
        `asyncio.run`) directly, those of a loop running in another thread on that loop. The client stays usable:
        the next request builds new httpx clients.
        """
        self._owned.close()

    async def aclose(self) -> None:
        """`close`, awaiting the running loop's async client so that its connections close gracefully."""
        await self._owned.aclose()

    def scrub(self, value: Any) -> Any:
        """`value` (a string, or dicts and lists of them) with the API key redacted, as errors keep it."""
        return redact_value(value, self._secret)

    # -- retry loops: the only code that differs between sync and async ---------------------

    def _send(
        self, client: httpx.Client, request: httpx.Request, policy: RetryPolicy, *, stream: bool
    ) -> httpx.Response:
        attempt, token, renewed = 0, None, False
        while True:
            try:
                if self._tokens is not None:
                    token = self._tokens.token()
                    request.headers["authorization"] = f"Bearer {token}"
                # Never followed, whatever the client's setting: httpx keeps custom headers such as the key on a
                # redirect to another origin (it strips only Authorization and Cookie).
                response = client.send(request, stream=stream, follow_redirects=False)
                if response.is_success:
                    return response if stream else _unlinked(response)
                if not renewed and self._token_refused(response, token):
                    response.close()
                    self._tokens.token(stale=token)  # type: ignore[union-attr]
                    renewed = True
                    continue
                try:
                    response.read()  # a stream's error body too: parse it whole
                finally:
                    response.close()
            except httpx.RequestError as exc:  # transport failures, and bodies that fail to decode
                error: GeminiError = error_from_transport(exc, secret=self._secret)
            except GeminiConnectionError as exc:  # the token endpoint could not be reached: retried like the API
                error = exc
            else:
                error = self._status_error(response)
            retry_sleep(self._delay_or_raise(request, policy, attempt, error))
            attempt += 1

    async def _asend(
        self,
        client: httpx.AsyncClient,
        request: httpx.Request,
        policy: RetryPolicy,
        *,
        stream: bool,
    ) -> httpx.Response:
        attempt, token, renewed = 0, None, False
        while True:
            try:
                if self._tokens is not None:
                    token = await self._tokens.atoken()
                    request.headers["authorization"] = f"Bearer {token}"
                response = await client.send(request, stream=stream, follow_redirects=False)
                if response.is_success:
                    return response if stream else _unlinked(response)
                if not renewed and self._token_refused(response, token):
                    await response.aclose()
                    await self._tokens.atoken(stale=token)  # type: ignore[union-attr]
                    renewed = True
                    continue
                try:
                    await response.aread()
                finally:
                    await response.aclose()
            except httpx.RequestError as exc:  # transport failures, and bodies that fail to decode
                error: GeminiError = error_from_transport(exc, secret=self._secret)
            except GeminiConnectionError as exc:  # the token endpoint could not be reached: retried like the API
                error = exc
            else:
                error = self._status_error(response)
            await asyncio.sleep(self._delay_or_raise(request, policy, attempt, error))
            attempt += 1

    # -- shared helpers ---------------------------------------------------------------------

    @property
    def _secret(self) -> Secrets:
        if self._tokens is not None:
            return self._tokens.secrets()
        return self._api_key.get_secret_value()

    def _token_refused(self, response: httpx.Response, token: str | None) -> bool:
        # A 401 to a token we believed valid (revoked, or expired early): refresh once and resend; a second 401 in
        # the same call is an error like any other.
        return token is not None and response.status_code == 401

    def _policy_for(self, max_retries: int | None) -> RetryPolicy:
        if max_retries is None or max_retries == self._policy.max_retries:
            return self._policy
        return replace(self._policy, max_retries=_check_retries(max_retries))

    def _resolve(self, path: str) -> str:
        if path.startswith("/"):
            return self._base_url + path
        for head, root in self._named_roots.items():
            if path.startswith(head):
                return root + path
        return self._prefix + path

    def _url(self, path_or_url: str, params: Mapping[str, str] | None) -> httpx.URL:
        if not path_or_url[:8].lower().startswith(("http://", "https://")):
            url = self._paths.get(path_or_url)
            if url is None:
                # Parsing a URL (host and IP checks included) costs more than the rest of building a request;
                # a model uses a handful of paths, so each is parsed once.
                url = httpx.URL(self._resolve(path_or_url))
                if len(self._paths) < 256:
                    self._paths[path_or_url] = url
        else:
            url = httpx.URL(path_or_url)
            # Every request carries the key header: a URL from a response (an upload session) may only
            # point back at the API itself, or the key would go to whatever host the response named.
            if _origin(url) != _origin(httpx.URL(self._base_url)):
                raise ValueError("refusing to send the API key to a URL outside base_url's scheme, host and port")
        return url.copy_merge_params(params) if params else url  # merged: a session URL keeps its own query

    def _build(
        self,
        client: httpx.Client | httpx.AsyncClient,
        method: str,
        path_or_url: str,
        *,
        content: bytes | None,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None,
        timeout: float | None,
    ) -> httpx.Request:
        # The key is added per request, never to client defaults (httpx prints those in clear).
        per_call = None if timeout is None else httpx.Timeout(timeout)
        if self._tokens is None:
            headers = {**headers, "x-goog-api-key": self._api_key.get_secret_value()}
        return client.build_request(
            method,
            self._url(path_or_url, params),
            content=content,
            headers=headers,
            timeout=per_call or self._timeout or httpx.USE_CLIENT_DEFAULT,
        )

    def _build_json(
        self,
        client: httpx.Client | httpx.AsyncClient,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None,
        params: Mapping[str, str] | None,
        timeout: float | None,
    ) -> httpx.Request:
        content = None if body is None else _encode(body)
        return self._build(client, method, path, content=content, headers=self._headers, params=params, timeout=timeout)

    def _raw_parts(
        self, body: Mapping[str, Any] | None, content: bytes | None, headers: Mapping[str, str] | None
    ) -> tuple[bytes | None, dict[str, str]]:
        """The content and headers of a `send` call."""
        if body is not None and content is not None:
            raise ValueError("pass body (JSON) or content (bytes), not both")
        merged = httpx.Headers({"user-agent": self._headers["user-agent"]})
        if body is not None:
            merged["content-type"] = "application/json"
            content = _encode(body)
        merged.update(headers or {})
        if "x-goog-api-key" in merged or "authorization" in merged:
            raise ValueError("headers must not set x-goog-api-key or authorization: the client adds them itself")
        return content, dict(merged)

    def _status_error(self, response: httpx.Response) -> GeminiError:
        if response.is_redirect:
            target = response.next_request.url if response.next_request is not None else None
            where = f"{target.scheme}://{target.host}" if target is not None else "an unknown location"
            msg = f"redirected to {redact(where, self._secret)}; not followed: the API key is only sent to base_url"
            return GeminiAPIError(msg, status_code=response.status_code, is_retryable=False)
        return error_from_response(response.status_code, response.headers, response.content, secret=self._secret)

    def _delay_or_raise(self, request: httpx.Request, policy: RetryPolicy, attempt: int, error: GeminiError) -> float:
        delay = policy.next_delay(attempt, error)
        if delay is None:
            raise error
        outcome = error.status_code or type(error.__cause__).__name__
        logger.info(
            "%s %s -> %s; retrying in %.2fs (attempt %d/%d)",
            request.method,
            request.url.path,
            outcome,
            delay,
            attempt + 1,
            policy.max_retries + 1,
        )
        return delay

    def _parse_json(self, response: httpx.Response) -> dict[str, Any]:
        content = response.content
        if not content.strip():
            # Google answers `{}` even to a DELETE; a proxy may drop that body there. Anywhere else an empty 200 is
            # a broken answer: reading it as `{}` would turn it into "no candidates" or a count of 0.
            if response.request.method == "DELETE":
                return {}
            raise GeminiResponseValidationError(
                "response body is empty: expected a JSON object",
                status_code=response.status_code,
                body="",
                is_retryable=False,
            )
        try:
            value = json.loads(content)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than the decoder goes
            value = None
        if isinstance(value, dict):
            return value
        raise GeminiResponseValidationError(
            "response body is not a JSON object",
            status_code=response.status_code,
            body=redact(content.decode("utf-8", errors="replace"), self._secret),
            is_retryable=False,
        )

    def _sync_client(self) -> httpx.Client:
        if self._user_client is not None:
            return self._user_client
        return self._owned.sync()

    def _async_client(self) -> httpx.AsyncClient:
        if self._user_async_client is not None:
            return self._user_async_client
        return self._owned.for_loop(asyncio.get_running_loop())


def _tracer_calling(on_sent: Callable[[], None]) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
    """A `trace` request extension (httpx docs, "Request Extensions") calling `on_sent` at the events that mean sent.

    httpcore names each step "<module>.<step>.<started|complete|failed>", e.g. "http11.send_request_body.complete"
    (HTTP/2: "http2.send_request_body.complete"); LeanAsyncTransport adds WAIT_FOR_CONNECTION_EVENT.
    """

    async def trace(event: str, info: dict[str, Any]) -> None:
        if event.endswith(("send_request_body.complete", ".failed")) or event == WAIT_FOR_CONNECTION_EVENT:
            on_sent()

    return trace


def _unlinked(response: httpx.Response) -> httpx.Response:
    """A read `response` that refcounting alone frees, with the request body it holds.

    httpx leaves a read response in a reference cycle (its `stream` points back at it), so the request and its body
    live on until the cycle collector runs: a chunked upload piled up its 8 MiB chunks, 4 of them for a 30 MB file.
    A read body needs no stream; replacing it breaks the cycle.
    """
    response.stream = httpx.ByteStream(response.content)
    return response


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    # httpx drops a default port only when the scheme was written in lower case.
    return url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme)


def _encode(body: Mapping[str, Any]) -> bytes:
    try:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except RecursionError:
        # The last guard: what users pass is checked where it enters (`_nesting.py`), this catches the rest.
        raise ValueError("the request body is nested too deeply to encode") from None


def _check_retries(max_retries: int) -> int:
    if max_retries < 0:
        raise ValueError(f"max_retries must be >= 0, got {max_retries}")
    return max_retries
