"""A google-auth transport over httpx, for tests: google-auth's own ones need `requests`, which no lock holds.

google-auth calls a `google.auth.transport.Request` to reach the token endpoint (google/auth/transport/__init__.py
documents the interface: `__call__(url, method, body, headers, timeout)` returning a `Response` with `status`,
`headers` and `data`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from google.auth import exceptions, transport


class _Response(transport.Response):  # type: ignore[misc]
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return dict(self._response.headers)

    @property
    def data(self) -> bytes:
        return self._response.content


class HttpxRequest(transport.Request):  # type: ignore[misc]
    """One request per call, on a short-lived httpx client (nothing to close)."""

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> transport.Response:
        try:
            with httpx.Client(timeout=timeout or 30) as client:
                return _Response(client.request(method, url, content=body, headers=headers))
        except httpx.HTTPError as exc:
            raise exceptions.TransportError(exc) from exc


CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


def service_account_credentials(info: dict[str, str]) -> Any:
    """google-auth's service-account credentials for a key file's content, scoped for Vertex AI."""
    from google.oauth2 import service_account

    return service_account.Credentials.from_service_account_info(info, scopes=[CLOUD_PLATFORM])
