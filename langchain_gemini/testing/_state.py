"""The emulator's mutable state, shared by the server's event loop and the test thread.

Everything a test changes (configuration, scripted responses, responders, faults) and everything it reads back
(recorded requests, statistics) lives here behind one lock, so `GeminiEmulator` methods are safe to call from
any thread while the server runs.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_gemini.testing._batches import StoredBatch
from langchain_gemini.testing._caches import CacheStore
from langchain_gemini.testing._faults import Fault
from langchain_gemini.testing._files import FileStore
from langchain_gemini.testing._implicit_cache import PrefixStore
from langchain_gemini.testing._long_decode import ContinuationTokens
from langchain_gemini.testing._models import DEFAULT_MODELS, ModelInfo
from langchain_gemini.testing._oauth import TokenAuthority
from langchain_gemini.testing._signatures import Signer

Scripted = dict[str, Any] | list[dict[str, Any]]
DEFAULT_STREAM_EVENTS = 4
DEFAULT_MAX_RECORDED = 10_000
DEFAULT_MAX_RECORDED_BYTES = 256 * 1024 * 1024  # bodies kept for inspection; large-image benchmarks stay bounded


@dataclass
class RecordedRequest:
    """One API request as the emulator received it.

    Attributes:
        method: HTTP method.
        path: URL path without the query, e.g. "/v1beta/models/gemini-2.5-flash:generateContent" (or a Vertex AI
            path, "/v1beta1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:generateContent").
        query: Query parameters (last value wins), e.g. {"alt": "sse"}.
        headers: Request headers with lower-case names.
        json: The parsed JSON body as sent (not normalized), or None if there was none or it did not parse.
        model: Model id from the path, if any.
        action: "generateContent", "streamGenerateContent", "countTokens", "embedContent",
            "batchEmbedContents", "predict" (Vertex AI), "listModels", "getModel", or for the Files API
            "uploadFile" (every step of an upload), "createFile", "getFile", "listFiles" and "deleteFile", for
            caches "createCachedContent", "getCachedContent", "listCachedContents", "updateCachedContent" and
            "deleteCachedContent".
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    model: str | None = None
    action: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the control plane's `GET /_emulator/requests`)."""
        return asdict(self)


@dataclass
class EmulatorStats:
    """Counters for API traffic (control-plane requests are not counted).

    Attributes:
        connections_opened: TCP connections that carried at least one API request.
        requests_served: API requests answered (errors and faults included).
        token_requests: Token exchanges answered by the OAuth endpoint (`POST /token`), refusals included.
    """

    connections_opened: int = 0
    requests_served: int = 0
    token_requests: int = 0

    def to_dict(self) -> dict[str, int]:
        """JSON-ready form (the control plane's `GET /_emulator/stats`)."""
        return asdict(self)


@dataclass
class _Armed:
    fault: Fault
    remaining: int | None


@dataclass
class State:
    """Configuration, scripts and records of one emulator."""

    api_key: str | None = None
    latency: float = 0.0
    stream_events: int = DEFAULT_STREAM_EVENTS
    max_recorded: int = DEFAULT_MAX_RECORDED
    max_recorded_bytes: int = DEFAULT_MAX_RECORDED_BYTES
    models: dict[str, ModelInfo] = field(default_factory=lambda: {m.id: m for m in DEFAULT_MODELS})
    requests: list[RecordedRequest] = field(default_factory=list)
    stats: EmulatorStats = field(default_factory=EmulatorStats)
    responders: list[Callable[[RecordedRequest], Any]] = field(default_factory=list)
    files: FileStore = field(default_factory=FileStore)
    caches: CacheStore = field(default_factory=CacheStore)
    prefixes: PrefixStore = field(default_factory=PrefixStore)
    batches: dict[str, StoredBatch] = field(default_factory=dict)
    signer: Signer = field(default_factory=Signer)
    continuations: ContinuationTokens = field(default_factory=ContinuationTokens)
    tokens: TokenAuthority = field(default_factory=TokenAuthority)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _queue: deque[tuple[Scripted, str | None]] = field(default_factory=deque)
    _faults: list[_Armed] = field(default_factory=list)
    _sequence: int = 0
    _sizes: deque[int] = field(default_factory=deque)
    _recorded_bytes: int = 0

    def set_models(self, models: Iterable[ModelInfo]) -> None:
        """Replace the model registry."""
        with self.lock:
            self.models = {m.id: m for m in models}

    def record(self, request: RecordedRequest, size: int = 0) -> None:
        """Keep `request` (whose body had `size` bytes), dropping the oldest records beyond the limits."""
        with self.lock:
            self.requests.append(request)
            self._sizes.append(size)
            self._recorded_bytes += size
            drop = 0
            while len(self._sizes) > 1 and (
                len(self._sizes) > self.max_recorded or self._recorded_bytes > self.max_recorded_bytes
            ):
                self._recorded_bytes -= self._sizes.popleft()
                drop += 1
            if drop:
                del self.requests[:drop]

    def enqueue(self, response: Scripted, method: str | None) -> None:
        """Script the answer of the next generate/stream call (matching `method` if given)."""
        with self.lock:
            self._queue.append((response, method))

    def take_scripted(self, method: str) -> Scripted | None:
        """Pop the first scripted answer that applies to `method`."""
        with self.lock:
            for index, (response, wanted) in enumerate(self._queue):
                if wanted is None or wanted == method:
                    del self._queue[index]
                    return response
        return None

    def add_fault(self, fault: Fault) -> None:
        """Arm `fault`."""
        with self.lock:
            self._faults.append(_Armed(fault, fault.times))

    def take_fault(self, method: str, model: str | None) -> Fault | None:
        """The first armed fault matching this request, consuming one of its hits."""
        with self.lock:
            for armed in self._faults:
                if armed.fault.matches(method, model):
                    if armed.remaining is not None:
                        armed.remaining -= 1
                        if armed.remaining <= 0:
                            self._faults.remove(armed)
                    return armed.fault
        return None

    def next_sequence(self) -> int:
        """A counter for response ids."""
        with self.lock:
            self._sequence += 1
            return self._sequence

    def reset(self) -> None:
        """Forget requests, scripts, responders, faults, files, caches (implicit ones too) and statistics.

        Configuration is kept.
        """
        self.files.clear()
        self.caches.clear()
        self.prefixes.clear()
        self.signer.forget()
        with self.lock:
            self.requests.clear()
            self.batches.clear()
            self._sizes.clear()
            self._recorded_bytes = 0
            self._queue.clear()
            self._faults.clear()
            self.responders.clear()
            self.stats = EmulatorStats()
            self._sequence = 0
        self.tokens.reset_counters()  # issued tokens stay valid: a client may hold one across tests
