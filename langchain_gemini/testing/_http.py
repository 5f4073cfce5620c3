"""A small HTTP/1.1 server on asyncio.Protocol.

It supports keep-alive, Content-Length and chunked request bodies, and chunked responses for streams.

It is written for speed (it is the server of our benchmarks): a request that needs no waiting is parsed,
handled and answered inside `data_received`, with no task or coroutine per request. Requests on one connection
are answered in order; pipelined requests wait in the buffer while an answer is delayed.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import NamedTuple
from urllib.parse import parse_qsl, unquote

MAX_HEADER_BYTES = 65_536
MAX_BODY_BYTES = 64 * 1024 * 1024  # far above the API's 20 MB limit, so that limit can be answered in JSON


class HttpRequest(NamedTuple):
    """A parsed request."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    """What to answer: a complete body, its `parts`, or `chunks` sent with chunked transfer encoding.

    `delay` is waited before anything is written; `drop` closes the connection instead of answering;
    `api` marks requests that count in the statistics.
    """

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] | None = None
    parts: list[bytes] | None = None  # a large body in pieces (sent with Content-Length, never joined)
    delay: float = 0.0
    drop: bool = False
    api: bool = False


Handler = Callable[[HttpRequest], Reply]


class Hooks(NamedTuple):
    """Callbacks into the emulator: the request handler and the statistics counters."""

    handle: Handler
    on_api_connection: Callable[[], None]
    on_api_request: Callable[[], None]


_REASONS = {s.value: s.phrase for s in HTTPStatus}
_date_cache: tuple[int, str] = (0, "")


def _date() -> str:
    global _date_cache  # noqa: PLW0603 - one formatted Date header per second, shared by all connections
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, email.utils.formatdate(now, usegmt=True))
    return _date_cache[1]


def _head(status: int, reply: Reply, length: int | None, close: bool) -> bytes:
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}",
        f"Date: {_date()}",
        f"Content-Type: {reply.content_type}",
    ]
    lines.append("Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}")
    lines.extend(f"{k}: {v}" for k, v in reply.headers.items())
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _batches(pieces: list[bytes], size: int = 65_536) -> list[bytes]:
    """Join consecutive small pieces into blocks of about `size` bytes (fewer send calls)."""
    out: list[bytes] = []
    group: list[bytes] = []
    total = 0
    for piece in pieces:
        group.append(piece)
        total += len(piece)
        if total >= size:
            out.append(b"".join(group))
            group, total = [], 0
    if group:
        out.append(b"".join(group))
    return out


class _BadRequestError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class HttpProtocol(asyncio.Protocol):
    """One client connection."""

    def __init__(self, hooks: Hooks, connections: set[HttpProtocol]) -> None:
        self.hooks = hooks
        self.connections = connections
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.busy = False
        self.counted = False
        self.task: asyncio.Task[None] | None = None
        self._head: tuple[str, str, dict[str, str], int] | None = None  # method, target, headers, body start
        self._expect_sent = False
        self.outgoing: deque[bytes] = deque()
        self.paused = False
        self.close_after = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.discard(self)
        self.outgoing.clear()
        if self.task is not None:
            self.task.cancel()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self.outgoing and self._pump():
            self.busy = False
            self._process()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self._process()

    def _process(self) -> None:
        while self.transport is not None and not self.transport.is_closing():
            try:
                parsed = self._parse()
            except _BadRequestError as exc:
                self._write(Reply(status=exc.status, content_type="text/plain"), close=True)
                return
            if parsed is None:
                return
            request, close = parsed
            reply = self.hooks.handle(request)
            if reply.api and not self.counted:
                self.counted = True
                self.hooks.on_api_connection()
            if reply.delay > 0 or reply.drop:
                self.busy = True
                self.task = asyncio.get_running_loop().create_task(self._deliver_later(reply, close))
                return
            if not self._finish(reply, close):
                self.busy = True  # the rest goes out from resume_writing
                return

    async def _deliver_later(self, reply: Reply, close: bool) -> None:
        if reply.delay > 0:
            await asyncio.sleep(reply.delay)
        self.task = None
        self.busy = False
        if reply.drop:
            if reply.api:
                self.hooks.on_api_request()
            if self.transport is not None:
                self.transport.close()
            return
        if self._finish(reply, close):
            self._process()
        else:
            self.busy = True

    def _finish(self, reply: Reply, close: bool) -> bool:
        """Write `reply`; False while part of it waits for the socket to drain."""
        if reply.api:
            self.hooks.on_api_request()
        return self._write(reply, close)

    def _write(self, reply: Reply, close: bool) -> bool:
        transport = self.transport
        if transport is None or transport.is_closing():
            return True
        if reply.chunks is None and reply.parts is None:
            transport.write(_head(reply.status, reply, len(reply.body), close) + reply.body)
            if close:
                transport.close()
            return True
        if reply.parts is not None:
            pieces = [_head(reply.status, reply, sum(map(len, reply.parts)), close), *reply.parts]
        else:
            pieces = [_head(reply.status, reply, None, close)]
            pieces.extend(b"%x\r\n%b\r\n" % (len(c), c) for c in reply.chunks or () if c)
            pieces.append(b"0\r\n\r\n")
        self.outgoing.extend(_batches(pieces))
        self.close_after = close
        return self._pump()

    def _pump(self) -> bool:
        """Write queued pieces until the transport asks us to pause; True when all are written.

        Large answers go out piece by piece under flow control, so neither we nor the transport ever hold them
        as one buffer (a megabyte-sized buffer per answer costs more in page faults than building it).
        """
        transport = self.transport
        while self.outgoing and not self.paused:
            if transport is None or transport.is_closing():
                self.outgoing.clear()
                break
            transport.write(self.outgoing.popleft())
        if self.outgoing:
            return False
        if self.close_after and transport is not None:
            transport.close()
        return True

    def _parse(self) -> tuple[HttpRequest, bool] | None:
        """The next complete request in the buffer (consumed), or None if more bytes are needed."""
        if self._head is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEADER_BYTES:
                    raise _BadRequestError(431)
                return None
            self._head = self._parse_head(bytes(self.buffer[:end]), end + 4)
            self._expect_sent = False
        method, target, headers, start = self._head
        body = self._body(headers, start)
        if body is None:
            return None
        self._head = None
        path, _, query = target.partition("?")
        close = headers.get("connection", "").lower() == "close"
        request = HttpRequest(method, unquote(path), dict(parse_qsl(query, keep_blank_values=True)), headers, body)
        return request, close

    def _parse_head(self, raw: bytes, start: int) -> tuple[str, str, dict[str, str], int]:
        lines = raw.decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ")
        except ValueError:
            raise _BadRequestError(400) from None
        if not version.startswith("HTTP/1."):
            raise _BadRequestError(505)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise _BadRequestError(400)
            headers[name.strip().lower()] = value.strip()
        if version == "HTTP/1.0" and headers.get("connection", "").lower() != "keep-alive":
            headers["connection"] = "close"
        return method, target, headers, start

    def _body(self, headers: dict[str, str], start: int) -> bytes | None:
        if headers.get("expect", "").lower() == "100-continue" and not self._expect_sent and self.transport:
            self._expect_sent = True
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return self._chunked_body(start)
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            raise _BadRequestError(400) from None
        if length > MAX_BODY_BYTES:
            raise _BadRequestError(413)
        if len(self.buffer) < start + length:
            return None
        body = bytes(self.buffer[start : start + length])
        del self.buffer[: start + length]
        return body

    def _chunked_body(self, start: int) -> bytes | None:
        position, pieces = start, list[bytes]()
        buffer = self.buffer
        while True:
            line_end = buffer.find(b"\r\n", position)
            if line_end < 0:
                return None
            try:
                size = int(bytes(buffer[position:line_end]).split(b";")[0], 16)
            except ValueError:
                raise _BadRequestError(400) from None
            if size == 0:
                trailer_end = buffer.find(b"\r\n\r\n", line_end)
                if trailer_end < 0:
                    return None
                del buffer[: trailer_end + 4]
                return b"".join(pieces)
            data_start = line_end + 2
            if len(buffer) < data_start + size + 2:
                return None
            pieces.append(bytes(buffer[data_start : data_start + size]))
            if sum(map(len, pieces)) > MAX_BODY_BYTES:
                raise _BadRequestError(413)
            position = data_start + size + 2
