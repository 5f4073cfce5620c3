"""A scripted Vertex AI and OAuth token endpoint behind `httpx.MockTransport`, for unit tests (no sockets).

`StubCredentials` is a google-auth `Credentials` whose refresh POSTs to the fake token endpoint through the
transport google-auth hands it, as service-account credentials do (a form body, a JSON answer).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import google.auth.credentials
import httpx

from langchain_gemini import ChatGemini, GeminiEmbeddings
from tests.unit.fake_gemini import text_response

TOKEN_URI = "https://oauth2.test/token"
UNAUTHENTICATED = {
    "error": {
        "code": 401,
        "message": "Request had invalid authentication credentials. Expected OAuth 2 access token.",
        "status": "UNAUTHENTICATED",
    }
}


class StubCredentials(google.auth.credentials.Credentials):  # type: ignore[misc]
    """Credentials that fetch a token from `TOKEN_URI`; records the threads its refreshes ran on."""

    def __init__(self, *, project_id: str | None = None, quota_project_id: str | None = None) -> None:
        super().__init__()
        self.project_id = project_id
        self._quota_project_id = quota_project_id
        self.refresh_threads: list[threading.Thread] = []

    def refresh(self, request: Any) -> None:
        self.refresh_threads.append(threading.current_thread())
        body = b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=stub"
        headers = {"content-type": "application/x-www-form-urlencoded"}
        response = request(url=TOKEN_URI, method="POST", body=body, headers=headers)
        if response.status != 200:
            raise google.auth.exceptions.RefreshError(f"token endpoint answered {response.status}")
        answer = json.loads(response.data)
        self.token = answer["access_token"]
        self.expiry = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=answer["expires_in"])


@dataclass
class FakeVertex:
    """Issues tokens living `token_lifetime` seconds and answers Vertex AI calls that carry a valid one."""

    token_lifetime: float = 3600.0
    token_requests: int = 0
    requests: list[httpx.Request] = field(default_factory=list)
    valid: dict[str, datetime] = field(default_factory=dict)
    refuse_next: int = 0  # answer this many calls 401 whatever their token (a token revoked early)
    answers: list[httpx.Response] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URI:
            return self._token(request)
        # A copy: the client resends the same Request object with a new token after a 401.
        seen = httpx.Request(request.method, request.url, headers=request.headers, content=request.read())
        with self.lock:
            self.requests.append(seen)
            refused = self.refuse_next > 0
            self.refuse_next -= refused
        if "/publishers/google/" in request.url.path and "x-goog-api-key" not in request.headers:
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            expiry = self.valid.get(token)
            if refused or expiry is None or expiry <= datetime.now(UTC):
                return httpx.Response(401, json=UNAUTHENTICATED)
        if self.answers:
            return self.answers.pop(0)
        path = request.url.path
        if path.endswith(":countTokens"):
            return httpx.Response(200, json={"totalTokens": 7})
        if path.endswith(":embedContent"):
            return httpx.Response(200, json={"embedding": {"values": [0.6, 0.8]}})
        if path.endswith(":predict"):
            instances = json.loads(request.content)["instances"]
            vectors = [[0.6, 0.8], [0.8, 0.6]]
            predictions = [
                {"embeddings": {"values": vectors[i % 2], "statistics": {"token_count": 1, "truncated": False}}}
                for i in range(len(instances))
            ]
            return httpx.Response(200, json={"predictions": predictions, "metadata": {"billableCharacterCount": 2}})
        if path.endswith(":batchEmbedContents"):
            count = len(json.loads(request.content)["requests"])
            return httpx.Response(200, json={"embeddings": [{"values": [0.6, 0.8]}] * count})
        if path.endswith(":streamGenerateContent"):
            event = json.dumps(text_response("streamed"))
            return httpx.Response(
                200, content=f"data: {event}\r\n\r\n".encode(), headers={"content-type": "text/event-stream"}
            )
        return httpx.Response(200, json=text_response("ok"))

    async def ahandler(self, request: httpx.Request) -> httpx.Response:
        return self.handler(request)

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
        with self.lock:
            self.token_requests += 1
            token = f"ya29.fake-access-token-{self.token_requests:04d}-abcdefghijklmnop"
            self.valid[token] = datetime.now(UTC) + timedelta(seconds=self.token_lifetime)
        return httpx.Response(
            200, json={"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}
        )

    def clients(self) -> dict[str, Any]:
        return {
            "http_client": httpx.Client(transport=httpx.MockTransport(self.handler)),
            "http_async_client": httpx.AsyncClient(transport=httpx.MockTransport(self.ahandler)),
        }

    def chat(self, **kwargs: Any) -> ChatGemini:
        kwargs.setdefault("model", "gemini-2.5-flash")
        kwargs.setdefault("vertexai", True)
        kwargs.setdefault("project", "my-project")
        if "api_key" not in kwargs:
            kwargs.setdefault("credentials", StubCredentials())
        return ChatGemini(**self.clients(), **kwargs)

    def embeddings(self, **kwargs: Any) -> GeminiEmbeddings:
        kwargs.setdefault("model", "gemini-embedding-001")
        kwargs.setdefault("vertexai", True)
        kwargs.setdefault("project", "my-project")
        if "api_key" not in kwargs:
            kwargs.setdefault("credentials", StubCredentials())
        return GeminiEmbeddings(**self.clients(), **kwargs)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]
