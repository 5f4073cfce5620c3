"""The httpx clients a `GeminiClient` creates, and closing them.

Sync requests use one `httpx.Client`. Async requests use one `httpx.AsyncClient` per event loop, because a
connection belongs to the loop that opened it (a second `asyncio.run` gets a new loop, so a new client).

`OwnedClients` is what `GeminiClient` hands to `weakref.finalize`: it never refers back to the `GeminiClient`, so a
dropped instance is collected and this closes what it opened. The hard case is an async client whose loop is gone:
`asyncio.run` closes its loop on return, after which the usual `aclose()` cannot run on it. Its sockets are closed
at once instead (`LeanAsyncTransport.close_now`): when another loop asks for a client, on `close()`, or on drop.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import httpx

from langchain_gemini._pool import LeanAsyncTransport

# Thinking models can be silent for minutes, and on a stream `read` bounds the gap between bytes.
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
# httpcore 1.0.9 evicts keep-alive connections whenever the pool holds more than
# max_keepalive_connections, and its per-request pool bookkeeping grows quadratically with the
# number of connections (encode/httpcore#1035). Equal limits mean no churn; 64 keeps the scan short.
DEFAULT_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=64)
_PROXY_ENV_VARS = tuple(name for base in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY") for name in (base, base.lower()))


@dataclass(frozen=True)
class _AsyncEntry:
    client: httpx.AsyncClient
    pool: LeanAsyncTransport | None
    """Our pool, whose sockets `close_now` can close without the loop; None for httpx's own or a mock."""
    closes_without_loop: bool
    """True when `client.aclose()` never waits once the pool is closed (our pool, or a mock transport)."""

    def close_now(self) -> None:
        if self.pool is not None:
            self.pool.close_now()
        if self.closes_without_loop:
            _run_to_first_wait(self.client.aclose())  # marks the client closed (`is_closed`)


class OwnedClients:
    """The httpx clients built for one `GeminiClient`: lazily, and again after they are closed."""

    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._transport = transport
        self._async_transport = async_transport
        self._sync: httpx.Client | None = None
        self._by_loop: dict[asyncio.AbstractEventLoop, _AsyncEntry] = {}
        self._lock = threading.Lock()

    @property
    def sync_client(self) -> httpx.Client | None:
        """The sync client, if one is open."""
        return self._sync

    @property
    def async_clients(self) -> dict[asyncio.AbstractEventLoop, httpx.AsyncClient]:
        """The open async clients, by event loop (a copy)."""
        return {loop: entry.client for loop, entry in self._by_loop.items()}

    def sync(self) -> httpx.Client:
        """The sync client, built on first use."""
        client = self._sync
        if client is None:
            with self._lock:
                if self._sync is None:
                    self._sync = httpx.Client(timeout=DEFAULT_TIMEOUT, limits=DEFAULT_LIMITS, transport=self._transport)
                client = self._sync
        return client

    def for_loop(self, loop: asyncio.AbstractEventLoop) -> httpx.AsyncClient:
        """The async client for `loop` (the running one), built on first use."""
        entry = self._by_loop.get(loop)
        if entry is not None:
            return entry.client
        with self._lock:
            entry = self._by_loop.get(loop)
            if entry is None:
                # A new loop usually means the previous asyncio.run has ended: close what its loop left behind.
                dead = {old: self._by_loop.pop(old) for old in list(self._by_loop) if old.is_closed()}
                entry = self._by_loop[loop] = self._new_entry()
            else:
                dead = {}
        _close_entries(dead)
        return entry.client

    def close(self) -> None:
        """Close every client: the sync one, and the async ones of every loop (their sockets at once)."""
        with self._lock:
            sync, self._sync = self._sync, None
            entries, self._by_loop = self._by_loop, {}
        if sync is not None:
            sync.close()
        _close_entries(entries)

    async def aclose(self) -> None:
        """`close`, but the running loop's async client closes gracefully, awaited."""
        loop = asyncio.get_running_loop()
        with self._lock:
            current = self._by_loop.pop(loop, None)
        self.close()
        if current is not None:
            await current.client.aclose()

    def _new_entry(self) -> _AsyncEntry:
        if self._async_transport is not None:
            transport: httpx.AsyncBaseTransport | None = self._async_transport
            pool = transport if isinstance(transport, LeanAsyncTransport) else None
            closes_without_loop = pool is not None or isinstance(transport, httpx.MockTransport)
        elif any(os.environ.get(name) for name in _PROXY_ENV_VARS):
            # httpx's own transport implements proxies from the environment; ours does not.
            transport, pool, closes_without_loop = None, None, False
        else:
            pool = LeanAsyncTransport(max_connections=DEFAULT_LIMITS.max_connections or 64)
            transport, closes_without_loop = pool, True
        client = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, limits=DEFAULT_LIMITS, transport=transport)
        return _AsyncEntry(client, pool, closes_without_loop)


def _close_entries(entries: dict[asyncio.AbstractEventLoop, _AsyncEntry]) -> None:
    for loop, entry in entries.items():
        if loop.is_running() and not _runs_here(loop):
            try:
                loop.call_soon_threadsafe(entry.close_now)  # the pool is not thread-safe: close it on its loop
                continue
            except RuntimeError:
                pass  # the loop closed in the meantime: nothing runs on it any more
        entry.close_now()


def _runs_here(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _run_to_first_wait(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run `coroutine` without a loop; one that would wait is abandoned there (it is never scheduled)."""
    try:
        coroutine.send(None)
    except StopIteration:
        return
    coroutine.close()
