"""`GeminiEmulator`: the emulator in a background thread with its own event loop, and the standalone runner."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from langchain_gemini.testing._app import App
from langchain_gemini.testing._control import configure, set_file_state
from langchain_gemini.testing._faults import Fault
from langchain_gemini.testing._http import Hooks, HttpProtocol
from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._state import EmulatorStats, RecordedRequest, Scripted, State

_START_TIMEOUT = 10.0


class _Server:
    """The listening socket and its connections, on one event loop."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.app = App(state)
        self.connections: set[HttpProtocol] = set()
        self.hooks = Hooks(self.app.handle, self._count_connection, self._count_request)
        self.server: asyncio.Server | None = None

    def _count_connection(self) -> None:
        self.state.stats.connections_opened += 1

    def _count_request(self) -> None:
        self.state.stats.requests_served += 1

    async def listen(self, host: str, port: int) -> int:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: HttpProtocol(self.hooks, self.connections), host, port)
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.abort()
        if self.server is not None:
            await self.server.wait_closed()


class GeminiEmulator:
    """A wire-faithful Gemini REST server on loopback, for tests, demos and benchmarks.

    For example:
    ```python
    from langchain_gemini import ChatGemini
    from langchain_gemini.testing import GeminiEmulator

    with GeminiEmulator() as emulator:
        url = emulator.base_url
        model = ChatGemini(model="gemini-2.5-flash", api_key="test", base_url=url)
        model.invoke("Hello")
    ```
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        latency: float = 0.0,
        models: Iterable[ModelInfo] | None = None,
    ) -> None:
        """Configure (but do not start) an emulator.

        Args:
            host: Interface to listen on.
            port: Port to listen on; 0 picks a free one (see `base_url` after `start`).
            api_key: The only key accepted; None accepts any non-empty key.
            latency: Seconds to wait before answering every API request.
            models: Model registry; defaults to `DEFAULT_MODELS`.
        """
        self.host = host
        """The interface the server listens on."""
        self.port = port
        """The port; the one actually bound once started (a free one when 0 was asked for)."""
        self._state = State(api_key=api_key, latency=latency)
        if models is not None:
            self._state.set_models(models)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: _Server | None = None

    @property
    def base_url(self) -> str:
        """`http://HOST:PORT` (no `/v1beta`); valid once started."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """The API requests received since start or the last `reset()`, oldest first (a copy)."""
        with self._state.lock:
            return list(self._state.requests)

    @property
    def stats(self) -> EmulatorStats:
        """Connection and request counters (a snapshot)."""
        stats = self._state.stats
        return EmulatorStats(stats.connections_opened, stats.requests_served, self._state.tokens.token_requests)

    @property
    def models(self) -> dict[str, ModelInfo]:
        """The model registry by id."""
        return dict(self._state.models)

    def start(self) -> GeminiEmulator:
        """Start serving in a background thread; returns self.

        Raises:
            RuntimeError: If already running or the server could not start.
        """
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        loop = asyncio.new_event_loop()
        server = _Server(self._state)
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                self.port = loop.run_until_complete(server.listen(self.host, self.port))
            except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(server.close())
            loop.close()

        thread = threading.Thread(target=run, name=f"gemini-emulator-{id(self):x}", daemon=True)
        thread.start()
        if not ready.wait(_START_TIMEOUT) or failure:
            raise RuntimeError("the Gemini emulator failed to start") from (failure[0] if failure else None)
        self._loop, self._thread, self._server = loop, thread, server
        self._state.tokens.base_url = self.base_url
        return self

    def stop(self) -> None:
        """Stop serving and close every connection (idempotent)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(_START_TIMEOUT)
        self._loop = self._thread = self._server = None

    def __enter__(self) -> GeminiEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def enqueue(self, response: Scripted, *, method: str | None = None) -> None:
        """Script the next generateContent / streamGenerateContent answer.

        Args:
            response: A GenerateContentResponse dict (split into realistic events when streamed), or a list of
                events sent as-is to a stream. A dict `{"error": {"code": 429, ...}}` is answered as that error.
            method: Only consumed by this method ("generateContent" or "streamGenerateContent").
        """
        self._state.enqueue(response, method)

    def add_responder(self, fn: Callable[[RecordedRequest], dict[str, Any] | list[dict[str, Any]] | None]) -> None:
        """Add a rule: the first responder returning a non-None answer wins; None falls through.

        Responders see every POST method (generate, stream, countTokens, embeddings) after validation and the
        scripted queue; their answer is sent like an `enqueue`d one.
        """
        with self._state.lock:
            self._state.responders.append(fn)

    def inject(self, fault: Fault) -> None:
        """Arm a fault for the next matching request(s)."""
        self._state.add_fault(fault)

    def configure(
        self,
        *,
        latency: float | None = None,
        stream_events: int | None = None,
        file_processing_polls: int | None = None,
        token_lifetime: float | None = None,
    ) -> None:
        """Change settings; None leaves a setting as it is.

        Args:
            latency: Seconds to wait before answering every API request.
            stream_events: Events a default stream is split into.
            file_processing_polls: GETs for which a new video (or a file meant to fail) stays PROCESSING before
                it turns ACTIVE (or FAILED); 0 makes it ready at the first GET.
            token_lifetime: Seconds an access token issued from now on lives (its `expires_in`, and how long
                the Vertex paths accept it); 3600 by default, as Google's.
        """
        configure(
            self._state,
            {
                "latency": latency,
                "stream_events": stream_events,
                "file_processing_polls": file_processing_polls,
                "token_lifetime": token_lifetime,
            },
        )

    def service_account_info(self, project: str = "emulator-project") -> dict[str, str]:
        """The JSON content of a service-account key file whose tokens this emulator issues and accepts.

        Pass it to `google.oauth2.service_account.Credentials.from_service_account_info` (or write it to a file
        for `GOOGLE_APPLICATION_CREDENTIALS`): its `token_uri` is this emulator's `POST /token`, so google-auth's
        real token exchange runs offline. The RSA key is generated once per process (it needs the `vertex`
        extra: google-auth, with `cryptography` or `rsa`).

        Raises:
            RuntimeError: If the emulator is not running (the key file names its URL).
            ImportError: If google-auth's crypto is not installed.
        """
        self.base_url  # noqa: B018 - raises when not started: the token_uri needs the port
        return self._state.tokens.service_account_info(project)

    def expire_tokens(self) -> None:
        """Make every access token issued so far invalid now (the next Vertex request with one is a 401)."""
        self._state.tokens.expire_all()

    @property
    def files(self) -> list[dict[str, Any]]:
        """The Files API's files, oldest first, as `File` JSON (reading them does not advance processing)."""
        return [stored.resource() for stored in self._state.files.all()]

    def file_content(self, name: str) -> bytes | None:
        """The bytes of a stored file (`files/<id>`), as kept: JSON and text uploads and generated result files.

        None for a missing file or one whose content is not kept (media).
        """
        stored = self._state.files.get(name.removeprefix("files/"))
        return None if stored is None else stored.data

    def set_file_state(self, name: str, state: str, *, message: str | None = None) -> dict[str, Any]:
        """Force a file into PROCESSING, ACTIVE or FAILED (with `message` as its error); returns its `File` JSON.

        Raises:
            KeyError: If there is no such file.
            ValueError: If `state` is not one of the three.
        """
        return set_file_state(self._state, {"name": name, "state": state, "message": message})

    def advance_cache_clock(self, seconds: float) -> None:
        """Move the context caches' clock forward: caches whose expiry it passes are gone, as on the real API."""
        self._state.caches.advance(seconds)

    def reset(self) -> None:
        """Clear recorded requests, scripted answers, responders, faults, files, caches and statistics."""
        self._state.reset()


async def serve(
    host: str,
    port: int,
    *,
    api_key: str | None,
    latency: float,
    stream_events: int | None = None,
    file_processing_polls: int | None = None,
) -> None:
    """Run an emulator in the current event loop until SIGINT or SIGTERM, announcing its URL on stdout."""
    state = State(api_key=api_key, latency=latency)
    configure(state, {"stream_events": stream_events, "file_processing_polls": file_processing_polls})
    server = _Server(state)
    bound = await server.listen(host, port)
    shown = f"[{host}]" if ":" in host else host
    state.tokens.base_url = f"http://{shown}:{bound}"
    sys.stdout.write(f"GEMINI_EMULATOR_URL=http://{shown}:{bound}\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.close()
