"""Download http(s) media for a request, safely (sync and async).

Policy, checked on the first URL and on every redirect:

* http and https only, no credentials in the URL;
* the host is resolved and EVERY address must be public: loopback, private, link-local, shared (CGNAT),
  multicast, reserved and unspecified ranges are refused (IPv4-mapped IPv6 is checked as IPv4). Loopback is
  allowed only with `allow_loopback=True`, for tests;
* the connection goes to the checked address (the URL's host is replaced by the IP, with the original `Host`
  header and TLS SNI), so a second DNS answer cannot swap in an internal address (DNS rebinding);
* redirects are followed by hand, at most `max_redirects`, each one re-checked;
* the download stops at `max_bytes` and at `timeout` seconds in total (slow-drip servers included).

The async path resolves with `loop.getaddrinfo` (a worker thread) and downloads with `httpx.AsyncClient`, so the
event loop never blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    import ipaddress
    import ssl

    import httpx

FetchMode = Literal["fetch", "pass_through", "refuse"]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class MediaFetchError(ValueError):
    """A media URL was refused by the policy or could not be downloaded. The message never includes the query."""


@dataclass(frozen=True)
class FetchSettings:
    """Resolved `MediaFetchPolicy` (see `langchain_gemini.multimodal.MediaFetchPolicy`)."""

    mode: FetchMode = "fetch"
    timeout: float = 30.0
    max_bytes: int = 32 * 1024 * 1024
    max_redirects: int = 5
    allow_loopback: bool = False


def fetch_settings(value: str | Mapping[str, Any] | FetchSettings | None) -> FetchSettings:
    """`"fetch"`, a `MediaFetchPolicy` dict or `FetchSettings` -> `FetchSettings`.

    Raises:
        ValueError: For an unknown mode or field, or a non-positive limit.
    """
    if value is None:
        return FetchSettings()
    if isinstance(value, FetchSettings):
        return value
    if isinstance(value, str):
        value = {"mode": value}
    unknown = set(value) - set(FetchSettings.__dataclass_fields__)
    if unknown:
        msg = f"media_fetch: unknown field(s) {sorted(unknown)}"
        raise ValueError(msg)
    settings = FetchSettings(**value)
    if settings.mode not in {"fetch", "pass_through", "refuse"}:
        msg = f"media_fetch: mode must be 'fetch', 'pass_through' or 'refuse', got {settings.mode!r}"
        raise ValueError(msg)
    if settings.timeout <= 0 or settings.max_bytes <= 0 or settings.max_redirects < 0:
        msg = "media_fetch: timeout and max_bytes must be positive, max_redirects >= 0"
        raise ValueError(msg)
    return settings


@dataclass(frozen=True)
class Fetched:
    """A downloaded body and the MIME type the server declared (parameters kept), if any."""

    content: bytes
    mime_type: str | None


@dataclass(frozen=True)
class _Target:
    url: str  # as the user wrote it (for redirects and messages)
    host: str
    port: int
    scheme: str


def safe_url(url: str) -> str:
    """The URL without query, fragment or credentials, for error messages (signed URLs carry secrets)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def check_url(url: str) -> _Target:
    """Parse and vet a URL before any network access.

    Raises:
        MediaFetchError: For other schemes, a missing host or embedded credentials.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        msg = f"media URL must be an absolute http(s) URL: {safe_url(url)}"
        raise MediaFetchError(msg)
    if parts.username or parts.password:
        msg = f"media URL must not embed credentials: {safe_url(url)}"
        raise MediaFetchError(msg)
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        msg = f"media URL has an invalid port: {safe_url(url)}"
        raise MediaFetchError(msg) from None
    return _Target(url=url, host=parts.hostname, port=port, scheme=scheme)


def is_allowed_address(address: str, *, allow_loopback: bool) -> bool:
    """Whether the client may connect to this IP: public unicast only (plus loopback when allowed)."""
    import ipaddress  # deferred: only requests with media URLs pay for it

    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            # A translating relay would carry the connection to this IPv4 address: it must be public itself.
            return all(is_allowed_address(str(inner), allow_loopback=False) for inner in embedded)
    if ip.is_loopback:
        return allow_loopback
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or ip.is_link_local:
        return False
    # 100.64.0.0/10 (RFC 6598 shared space) is not `is_private` before Python 3.11.4, and never a public host.
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.IPv4Network("100.64.0.0/10"):
        return False
    return ip.is_global


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address] | None:
    """The IPv4 addresses an IPv6 address reaches through a translation or tunnel prefix, None for a plain one.

    6to4 (2002::/16, RFC 3056), Teredo (2001::/32, RFC 4380: server and client) and NAT64 (64:ff9b::/96, RFC 6052).
    The local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215) embeds addresses of a private network: `0.0.0.0` stands
    for "refuse".
    """
    import ipaddress

    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if ip in ipaddress.IPv6Network("64:ff9b::/96"):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip in ipaddress.IPv6Network("64:ff9b:1::/48"):
        return [ipaddress.IPv4Address(0)]
    return None


def pick_address(target: _Target, addresses: list[str], settings: FetchSettings) -> str:
    """Check every resolved address and return the one to connect to.

    Raises:
        MediaFetchError: If the host did not resolve or any of its addresses is not allowed.
    """
    if not addresses:
        msg = f"media URL host did not resolve: {target.host}"
        raise MediaFetchError(msg)
    for address in addresses:
        if not is_allowed_address(address, allow_loopback=settings.allow_loopback):
            msg = (
                f"media URL {safe_url(target.url)} resolves to a non-public address ({address}); "
                "the client fetches only from public hosts"
            )
            raise MediaFetchError(msg)
    return addresses[0]


def _addresses(infos: list[tuple[Any, ...]]) -> list[str]:
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]), None)
    return list(seen)


def _literal(host: str) -> list[str] | None:
    import ipaddress

    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        return None


def resolve(host: str, port: int, timeout: float) -> list[str]:
    """All addresses of `host` (a literal IP is its own answer, without a lookup), within `timeout` seconds.

    `getaddrinfo` has no timeout of its own: it runs in a daemon thread that is abandoned (it ends when the
    resolver gives up) if the answer is late.
    """
    literal = _literal(host)
    if literal is not None:
        return literal
    done = threading.Event()
    answer: list[Any] = []

    def deliver(result: Any) -> None:
        answer.append(result)
        done.set()

    _lookup_thread(host, port, deliver)
    if not done.wait(timeout):
        raise _resolve_timeout(host, timeout)
    return _answer_addresses(host, answer[0])


async def aresolve(host: str, port: int, timeout: float) -> list[str]:
    """Async `resolve`; the lookup runs in a daemon thread, so the event loop never waits for it.

    Not `loop.getaddrinfo`: its executor thread would hold up `asyncio.run`'s shutdown until the resolver answers.
    """
    literal = _literal(host)
    if literal is not None:
        return literal
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def deliver(result: Any) -> None:
        if not future.done():
            future.set_result(result)

    _lookup_thread(host, port, lambda result: loop.call_soon_threadsafe(deliver, result))
    try:
        result = await asyncio.wait_for(future, timeout)
    except TimeoutError:
        raise _resolve_timeout(host, timeout) from None
    return _answer_addresses(host, result)


def _lookup_thread(host: str, port: int, report: Callable[[Any], object]) -> None:
    def lookup() -> None:
        try:
            result: Any = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            result = exc
        with contextlib.suppress(RuntimeError):  # the event loop closed during the lookup: nobody waits any more
            report(result)

    threading.Thread(target=lookup, name="langchain-gemini-resolve", daemon=True).start()


def _answer_addresses(host: str, result: Any) -> list[str]:
    if isinstance(result, OSError):
        msg = f"media URL host did not resolve: {host}"
        raise MediaFetchError(msg) from result
    return _addresses(result)


def _resolve_timeout(host: str, timeout: float) -> MediaFetchError:
    return MediaFetchError(f"media URL host {host} did not resolve within the media_fetch timeout ({timeout:.3g} s)")


def _pinned_request(
    client: httpx.Client | httpx.AsyncClient, target: _Target, address: str, remaining: float
) -> httpx.Request:
    parts = urlsplit(target.url)
    literal = f"[{address}]" if ":" in address else address
    default_port = 443 if target.scheme == "https" else 80
    netloc = literal if target.port == default_port else f"{literal}:{target.port}"
    pinned = parts._replace(netloc=netloc, fragment="").geturl()
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host:
        host_header = f"[{target.host}]" if target.port == default_port else f"[{target.host}]:{target.port}"
    return client.build_request(
        "GET",
        pinned,
        # identity: a compressed body could expand far past max_bytes before any check (a zstd bomb is 1:50,000).
        headers={"host": host_header, "accept": "*/*", "accept-encoding": "identity"},
        extensions={"sni_hostname": target.host},
        timeout=max(remaining, 0.001),  # every phase of every hop is bounded by what is left of the deadline
    )


class _Download:
    """Shared bookkeeping of one download: redirect count, deadline, size cap, result."""

    def __init__(self, url: str, settings: FetchSettings) -> None:
        self.settings = settings
        self.target = check_url(url)
        self.redirects = 0
        self.deadline = time.monotonic() + settings.timeout
        self.body = bytearray()

    def next_target(self, response: httpx.Response) -> _Target | None:
        """The redirect target to follow, None when `response` is the final answer."""
        if response.status_code not in _REDIRECTS or "location" not in response.headers:
            if not response.is_success:
                msg = f"GET {safe_url(self.target.url)} answered {response.status_code}"
                raise MediaFetchError(msg)
            self.check_length(response)
            return None
        self.redirects += 1
        if self.redirects > self.settings.max_redirects:
            msg = f"GET {safe_url(self.target.url)}: more than {self.settings.max_redirects} redirects"
            raise MediaFetchError(msg)
        self.target = check_url(urljoin(self.target.url, response.headers["location"]))
        return self.target

    def check_length(self, response: httpx.Response) -> None:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.settings.max_bytes:
            raise self.too_large()

    def decoder(self, response: httpx.Response) -> _CappedDecoder:
        """Undoes the body's content-encoding with output capped at what is left of `max_bytes`.

        Raises:
            MediaFetchError: For an encoding other than identity, gzip or deflate (we asked for identity).
        """
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in {"identity", "", "gzip", "x-gzip", "deflate"}:
            msg = f"GET {safe_url(self.target.url)}: content-encoding {encoding!r} refused (identity was asked for)"
            raise MediaFetchError(msg)
        return _CappedDecoder(encoding, self)

    def too_large(self) -> MediaFetchError:
        msg = f"GET {safe_url(self.target.url)}: body is over the {self.settings.max_bytes}-byte media_fetch limit"
        return MediaFetchError(msg)

    def add(self, chunk: bytes) -> None:
        self.body += chunk
        if len(self.body) > self.settings.max_bytes:
            raise self.too_large()
        self.check_time()

    def remaining(self) -> float:
        self.check_time()
        return self.deadline - time.monotonic()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            msg = f"GET {safe_url(self.target.url)}: download took longer than {self.settings.timeout:g} s"
            raise MediaFetchError(msg)

    def result(self, response: httpx.Response) -> Fetched:
        mime = response.headers.get("content-type")
        return Fetched(bytes(self.body), mime.strip() if mime else None)

    def transport_error(self, exc: Exception) -> MediaFetchError:
        msg = f"GET {safe_url(self.target.url)} failed: {type(exc).__name__}"
        return MediaFetchError(msg)


class _CappedDecoder:
    """Incremental gzip/deflate decoding that never produces more than `max_bytes` in all (identity passes)."""

    def __init__(self, encoding: str, download: _Download) -> None:
        self._download = download
        self._zlib: Any = None
        if encoding in {"gzip", "x-gzip"}:
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()  # RFC 9110: the zlib format (httpx also tries raw deflate)
        self._raw_deflate = encoding == "deflate"

    def decode(self, chunk: bytes) -> bytes:
        if self._zlib is None:
            return chunk
        room = self._download.settings.max_bytes - len(self._download.body) + 1
        try:
            out: bytes = self._zlib.decompress(chunk, room)
        except zlib.error:
            if self._raw_deflate and not self._download.body:
                self._zlib, self._raw_deflate = zlib.decompressobj(-zlib.MAX_WBITS), False
                return self.decode(chunk)
            msg = f"GET {safe_url(self._download.target.url)}: the body does not decode as its content-encoding says"
            raise MediaFetchError(msg) from None
        if self._zlib.unconsumed_tail:
            raise self._download.too_large()  # more output is pending than the cap allows
        return out

    def flush(self) -> bytes:
        return b"" if self._zlib is None else bytes(self._zlib.flush())


def _ssl_context() -> ssl.SSLContext:
    global _SSL_CONTEXT  # noqa: PLW0603 - built once per process: creating one costs ~10 ms
    if _SSL_CONTEXT is None:
        import httpx

        _SSL_CONTEXT = httpx.create_ssl_context()
    return _SSL_CONTEXT


_SSL_CONTEXT: ssl.SSLContext | None = None


def new_client(settings: FetchSettings) -> httpx.Client:
    """The client downloads go through (tests replace this factory with a MockTransport one)."""
    import httpx

    return httpx.Client(timeout=settings.timeout, follow_redirects=False, verify=_ssl_context())


def new_async_client(settings: FetchSettings) -> httpx.AsyncClient:
    """Async `new_client`."""
    import httpx

    return httpx.AsyncClient(timeout=settings.timeout, follow_redirects=False, verify=_ssl_context())


def fetch(url: str, settings: FetchSettings) -> Fetched:
    """Download one media URL under the policy (see the module docstring).

    Raises:
        MediaFetchError: If the policy refuses a URL or address, or the download fails or is too large or slow.
    """
    import httpx

    download = _Download(url, settings)
    target = download.target
    # Vetted before any connection.
    address = pick_address(target, resolve(target.host, target.port, download.remaining()), settings)
    with new_client(settings) as client:
        while True:
            request = _pinned_request(client, target, address, download.remaining())
            try:
                response = client.send(request, stream=True)
                try:
                    following = download.next_target(response)
                    if following is None:
                        if response.is_stream_consumed:  # a body already in memory (a mock transport)
                            download.add(response.content)
                            return download.result(response)
                        decoder = download.decoder(response)
                        for chunk in response.iter_raw():
                            download.add(decoder.decode(chunk))
                        download.add(decoder.flush())
                        return download.result(response)
                finally:
                    response.close()
            except httpx.HTTPError as exc:
                raise download.transport_error(exc) from exc
            target = following
            address = pick_address(target, resolve(target.host, target.port, download.remaining()), settings)


async def afetch(url: str, settings: FetchSettings) -> Fetched:
    """Async `fetch`; never blocks the event loop."""
    import httpx

    download = _Download(url, settings)
    target = download.target
    address = pick_address(target, await aresolve(target.host, target.port, download.remaining()), settings)
    async with new_async_client(settings) as client:
        while True:
            request = _pinned_request(client, target, address, download.remaining())
            try:
                response = await client.send(request, stream=True)
                try:
                    following = download.next_target(response)
                    if following is None:
                        if response.is_stream_consumed:
                            download.add(response.content)
                            return download.result(response)
                        decoder = download.decoder(response)
                        async for chunk in response.aiter_raw():
                            download.add(decoder.decode(chunk))
                        download.add(decoder.flush())
                        return download.result(response)
                finally:
                    await response.aclose()
            except httpx.HTTPError as exc:
                raise download.transport_error(exc) from exc
            target = following
            address = pick_address(target, await aresolve(target.host, target.port, download.remaining()), settings)
