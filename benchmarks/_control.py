"""The emulator's control plane (``/_emulator/...``) over one stdlib keep-alive connection.

Stdlib only, so a worker can read the server's connection counter without
loading any HTTP library that a client under test might share.
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit


class Control:
    """Config, reset and stats of an emulator at ``url`` (``http://host:port``)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)

    def _send(self, method: str, path: str, data: bytes | None) -> http.client.HTTPResponse:
        headers = {"content-type": "application/json"} if data is not None else {}
        self._conn.request(method, f"/_emulator/{path}", body=data, headers=headers)
        return self._conn.getresponse()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        try:
            response = self._send(method, path, data)
        except (ConnectionError, http.client.HTTPException):
            # The server may close an idle keep-alive connection: one retry on a fresh one.
            self._conn.close()
            response = self._send(method, path, data)
        payload = response.read()
        if response.status >= 400:
            raise RuntimeError(f"emulator control {path}: HTTP {response.status} {payload[:200]!r}")
        return json.loads(payload) if payload else {}

    def configure(self, **config: Any) -> None:
        self.call("POST", "config", config)

    def reset(self) -> None:
        self.call("POST", "reset", {})

    def stats(self) -> dict[str, Any]:
        return self.call("GET", "stats")

    def close(self) -> None:
        self._conn.close()


class ConnectionCounter:
    """Counts TCP connections the client under test opens between two marks.

    The control connection is itself a TCP connection the server counts; two
    back-to-back reads calibrate how many connections one read costs (0 when the
    server keeps it alive, 1 when it does not), so it can be subtracted.
    """

    def __init__(self, url: str) -> None:
        self._control = Control(url)
        first = self._opened()
        self._per_read = self._opened() - first
        self._mark = 0

    def _opened(self) -> int:
        return int(self._control.stats()["connections_opened"])

    def mark(self) -> None:
        self._mark = self._opened()

    def since_mark(self) -> int:
        return self._opened() - self._mark - self._per_read

    def close(self) -> None:
        self._control.close()
