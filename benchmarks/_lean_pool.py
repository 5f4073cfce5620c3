"""A measurement prototype: an httpx async transport whose pool does O(1) work per request.

httpcore 1.0.9's ``AsyncConnectionPool`` rescans every connection (and, for each
idle one, every connection again) and every queued request on each request start
and end, so its CPU per request grows with pool size and queue length.  This
transport keeps the same httpcore connections but caps them with a semaphore and
keeps idle ones on a LIFO stack, so a request touches one connection.  It exists
to measure that choice (``--only pool``); it maps no exceptions and is not the
package's transport.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpcore
import httpx


class LeanPoolTransport(httpx.AsyncBaseTransport):
    """At most ``size`` HTTP/1.1 connections; a request waits on a semaphore, not in a queue scan."""

    def __init__(self, size: int, keepalive_expiry: float = 5.0) -> None:
        self._expiry = keepalive_expiry
        self._idle: list[httpcore.AsyncHTTPConnection] = []
        self._gate = asyncio.Semaphore(size)

    def _checkout(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        while self._idle:
            connection = self._idle.pop()  # LIFO: the warmest connection, the others may expire
            if connection.can_handle_request(origin) and connection.is_idle() and not connection.has_expired():
                return connection
            self._idle_close(connection)
        return httpcore.AsyncHTTPConnection(origin=origin, keepalive_expiry=self._expiry)

    def _idle_close(self, connection: httpcore.AsyncHTTPConnection) -> None:
        asyncio.get_running_loop().create_task(connection.aclose())

    async def _checkin(self, connection: httpcore.AsyncHTTPConnection) -> None:
        if connection.is_idle():
            self._idle.append(connection)
        else:
            await connection.aclose()
        self._gate.release()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,  # type: ignore[arg-type]
            extensions=request.extensions,
        )
        await self._gate.acquire()
        connection = self._checkout(core_request.url.origin)
        try:
            response = await connection.handle_async_request(core_request)
        except BaseException:
            await connection.aclose()
            self._gate.release()
            raise
        stream = _Stream(response.stream, lambda: self._checkin(connection))  # type: ignore[arg-type]
        return httpx.Response(
            status_code=response.status, headers=response.headers, stream=stream, extensions=response.extensions
        )

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.aclose()


class _Stream(httpx.AsyncByteStream):
    """The body; closing it hands the connection back to the pool."""

    def __init__(self, inner: httpx.AsyncByteStream, on_close: Callable[[], Awaitable[None]]) -> None:
        self._inner = inner
        self._on_close = on_close

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            await self._on_close()
