"""An async transport whose connection pool does O(1) work per request.

Why: httpcore 1.0.9's `AsyncConnectionPool` rescans every connection (and, for each idle one, every connection
again) and every queued request whenever a request starts or ends, so its CPU cost per request grows with pool size
and queue length (encode/httpcore#1035). Measured with `benchmarks/run.py --only pool` (see benchmarks/README.md):
`abatch` at concurrency 128 with 50 ms of latency fell to 60-237 req/s on httpx's pools of 16 to 128 connections,
and reached 885 req/s on this design (1,015 with 128 connections), with no new connections after warm-up.

How: the connections are httpcore's own HTTP/1.1 `AsyncHTTPConnection`s. A semaphore caps how many are in use, so
nothing queues inside httpcore; idle ones sit on a LIFO stack, so a request takes the warmest connection and an
expired or server-closed one is dropped when it comes off the stack. Errors are mapped to httpx's exception classes,
which is all the rest of the client sees.

Closing: `aclose` closes the idle connections on their loop. `close_now` closes every socket the pool opened at
once, without awaiting, which is what an instance needs when it is closed from sync code or dropped after
`asyncio.run` has closed the loop those sockets belong to.

This is only the default for clients we create. With proxy settings in the environment we use httpx's own transport
(it implements proxies; this one does not), and a user's own `httpx.AsyncClient` is used as given.
"""

from __future__ import annotations

import asyncio
import ssl
import weakref
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import contextmanager

import httpcore
import httpx

WAIT_FOR_CONNECTION_EVENT = "pool.wait_for_connection.started"
"""The `trace` event (httpcore's extension, named in its style) sent when a request must wait for a connection."""

# httpcore exception -> httpx exception, most specific first (the same correspondence httpx's transport uses).
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _mapped_errors() -> Iterator[None]:
    try:
        yield
    except httpcore.TimeoutException as exc:
        raise _translate(exc) from exc
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
        raise _translate(exc) from exc


def _translate(exc: Exception) -> httpx.TransportError:
    for core_class, httpx_class in _ERRORS:
        if isinstance(exc, core_class):
            return httpx_class(str(exc))
    return httpx.TransportError(str(exc))


def _asyncio_transport(stream: httpcore.AsyncNetworkStream) -> asyncio.Transport | None:
    # httpcore's AnyIOStream wraps anyio's SocketStream, which wraps the asyncio transport owning the socket.
    transport = getattr(getattr(stream, "_stream", None), "_transport", None)
    return transport if isinstance(transport, asyncio.Transport) else None


def close_transport_now(transport: asyncio.Transport) -> None:
    """Close `transport`'s socket now, on the loop's thread or once that loop has stopped or closed.

    `abort()` closes the socket in a callback on the transport's loop. A closed loop can no longer schedule it
    ("Event loop is closed"), and the transport would close its socket only when collected, with a ResourceWarning;
    so for a closed loop this runs that callback's work here (asyncio's selector and proactor transports share it).
    """
    loop = getattr(transport, "_loop", None)  # asyncio sets it to None once the socket is closed
    if not isinstance(loop, asyncio.AbstractEventLoop):
        return
    if not loop.is_closed():
        transport.abort()
        return
    connection_lost = getattr(transport, "_call_connection_lost", None)
    if connection_lost is not None and getattr(transport, "_sock", None) is not None:
        connection_lost(None)


class _TrackingBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, remembering the asyncio transport under each connection it opens."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()
        # Weak: a connection closed the usual way drops out on its own.
        self._transports: weakref.WeakSet[asyncio.Transport] = weakref.WeakSet()

    @property
    def transports(self) -> Iterable[asyncio.Transport]:
        """The transports of the connections opened so far and not yet collected."""
        return list(self._transports)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        transport = _asyncio_transport(stream)
        if transport is not None:
            self._transports.add(transport)
        return stream

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class LeanAsyncTransport(httpx.AsyncBaseTransport):
    """At most `max_connections` HTTP/1.1 connections; a request waits on a semaphore, never in a queue scan."""

    def __init__(
        self, *, max_connections: int, keepalive_expiry: float = 5.0, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self._expiry = keepalive_expiry
        self._ssl_context = ssl_context or httpx.create_ssl_context()
        self._idle: list[httpcore.AsyncHTTPConnection] = []
        self._in_use = 0
        self._gate = asyncio.Semaphore(max_connections)
        self._closed = False
        self._backend = _TrackingBackend()

    async def _checkout(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        while self._idle:
            connection = self._idle.pop()  # LIFO: the warmest connection; the coldest ones are left to expire
            if connection.can_handle_request(origin) and connection.is_available() and not connection.has_expired():
                return connection
            await connection.aclose()
        return httpcore.AsyncHTTPConnection(
            origin=origin, ssl_context=self._ssl_context, keepalive_expiry=self._expiry, network_backend=self._backend
        )

    async def _checkin(self, connection: httpcore.AsyncHTTPConnection) -> None:
        try:
            if connection.is_idle() and not self._closed:
                self._idle.append(connection)
            else:
                await connection.aclose()
        finally:
            self._release()

    def _release(self) -> None:
        self._in_use -= 1
        self._gate.release()

    async def _acquire(self, request: httpx.Request) -> None:
        if self._gate.locked():  # every connection is in use: say so (trace extension), then wait for one
            trace = request.extensions.get("trace")
            if trace is not None:
                await trace(WAIT_FOR_CONNECTION_EVENT, {})
            try:
                await asyncio.wait_for(self._gate.acquire(), request.extensions.get("timeout", {}).get("pool"))
            except TimeoutError as exc:
                msg = "timed out waiting for a free connection"
                raise httpx.PoolTimeout(msg) from exc
        else:
            await self._gate.acquire()  # free: taken at once, without the loop turn wait_for's task would cost
        self._in_use += 1

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` on a pooled connection; the connection returns to the pool when the body is closed."""
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        await self._acquire(request)
        try:
            connection = await self._checkout(core_request.url.origin)
            with _mapped_errors():
                response = await connection.handle_async_request(core_request)
        except BaseException:
            self._release()
            raise
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_PooledStream(response, connection, self),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Close the idle connections; connections in use close when their responses do."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.aclose()

    def close_now(self) -> None:
        """Close every socket this pool opened, idle or in use, without awaiting; requests in flight fail.

        Call it on the event loop's thread, or once that loop has stopped or closed (see `close_transport_now`).
        """
        self._closed = True
        self._idle = []
        for transport in self._backend.transports:
            close_transport_now(transport)


class _PooledStream(httpx.AsyncByteStream):
    """A response body; closing it hands the connection back to the pool exactly once."""

    def __init__(
        self, response: httpcore.Response, connection: httpcore.AsyncHTTPConnection, pool: LeanAsyncTransport
    ) -> None:
        self._response = response
        self._connection = connection
        self._pool: LeanAsyncTransport | None = pool

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _mapped_errors():
            async for chunk in self._response.aiter_stream():
                yield chunk

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            with _mapped_errors():
                await self._response.aclose()
        finally:
            await pool._checkin(self._connection)
