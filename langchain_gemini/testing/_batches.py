"""The Batch API (inline requests or a JSONL input file, result files): create, get, list, cancel and delete.

The shape is the long-running operation google-genai reads (google/genai/batches.py, `_BatchJob_from_mldev`):

* Create: `POST /v1beta/models/{model}:batchGenerateContent` with `{"batch": {"displayName", "inputConfig":
  {"requests": {"requests": [{"request": GenerateContentRequest, "metadata": {...}}]}}}}`. The answer is an
  `Operation`: `{"name": "batches/<id>", "metadata": GenerateContentBatch}`; `metadata.state` is
  `BATCH_STATE_PENDING`, then `RUNNING`, then `SUCCEEDED` (or `FAILED`, `CANCELLED`, `EXPIRED`).
* Each `GET /v1beta/batches/<id>` moves a job one state along (`pending_polls` / `running_polls`, default one GET
  each), so a client that polls sees every state. When it succeeds, `metadata.output.inlinedResponses.
  inlinedResponses[i]` holds `{"response": GenerateContentResponse}` or `{"error": google.rpc.Status}` for
  request i, in input order (with its `metadata` echoed), `metadata.batchStats` counts them (int64 as strings),
  and the operation has `"done": true` and the same output as its `response` (`GenerateContentBatchOutput`).
* `GET /v1beta/batches` lists operations (`{"operations": [...], "nextPageToken"}`); `POST .../<id>:cancel` and
  `DELETE .../<id>` answer `{}`.

A display name containing `BATCH_FAILED_TRIGGER` makes the job fail as a whole (the operation's `error`), one containing
`BATCH_EXPIRED_TRIGGER` expires it ("running or pending for more than 48 hours ... will not have any results").
`models/{model}:asyncBatchEmbedContent` takes EmbedContentRequests the same way and answers each with an
EmbedContentResponse.

File input: `{"batch": {"inputConfig": {"fileName": "files/<id>"}}}` (or `file_name`, as Google's REST sample and
google-genai's `_EmbeddingsBatchJobSource_to_mldev` write it) names an uploaded JSON Lines file, one request per line:
`{"key": "request-1", "request": GenerateContentRequest}` (ai.google.dev/gemini-api/docs/batch-api, "Input file").
The answers go to a generated result file, named by `metadata.output.responsesFile` (google-genai reads it as
`dest.file_name`, `_BatchJobDestination_from_mldev`) and downloaded with `files/<id>:download?alt=media`: one line
per request, `{"key": "request-1", "response": GenerateContentResponse}` or `{"key": ..., "error": Status}` (the
shape Google's batch samples parse: `'response' in line` / `'error' in line`). Lines follow the input order, except
in a job whose display name contains `BATCH_SHUFFLED_TRIGGER`: its result file lists them in reverse, as the real
service may (googleapis/python-genai#1909 reports answers out of order), so clients must match by key.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_gemini.testing._caches import timestamp
from langchain_gemini.testing._errors import ApiError, invalid_argument
from langchain_gemini.testing._files import FileStore
from langchain_gemini.testing._http import HttpRequest, Reply
from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._normalize import parse_json
from langchain_gemini.testing._paging import next_page_token, page_window

BATCH_FAILED_TRIGGER = "[emulator:batch-failed]"
"""In a batch's display name: the job fails as a whole instead of running."""
BATCH_EXPIRED_TRIGGER = "[emulator:batch-expired]"
"""In a batch's display name: the job expires instead of running."""
BATCH_SHUFFLED_TRIGGER = "[emulator:batch-shuffled]"
"""In a file-based batch's display name: its result file lists the answers in reverse order."""
MAX_INLINE_BYTES = 20 * 1024 * 1024  # "Inline requests total under 20MB" (Batch API docs)
_ROUTE = re.compile(r"/(v1beta|v1|v1alpha)/batches(?:/([^/:]+)(?::(cancel))?)?/?")
_CREATE = re.compile(r"/(v1beta|v1|v1alpha)/models/([^/:]+):(batchGenerateContent|asyncBatchEmbedContent)")
_TYPES = {
    "batchGenerateContent": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch",
    "asyncBatchEmbedContent": "type.googleapis.com/google.ai.generativelanguage.v1beta.EmbedContentBatch",
}
_OUTPUT_TYPES = {
    "batchGenerateContent": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatchOutput",
    "asyncBatchEmbedContent": "type.googleapis.com/google.ai.generativelanguage.v1beta.EmbedContentBatchOutput",
}
_DONE = frozenset({"BATCH_STATE_SUCCEEDED", "BATCH_STATE_FAILED", "BATCH_STATE_CANCELLED", "BATCH_STATE_EXPIRED"})
_DEFAULT_PAGE, _MAX_PAGE = 10, 100

Answer = Callable[[str, Any, ModelInfo], dict[str, Any]]
"""Answers one request of a batch, by method: a GenerateContentRequest or an EmbedContentRequest (raises ApiError
for a request Google would refuse). Embedding results use the same `inlinedResponses` list, each response an
`EmbedContentResponse`: google-genai tells them apart by their `embedding` field (`t_recv_batch_job_destination`)."""


ACTIONS = frozenset(
    {"batchGenerateContent", "asyncBatchEmbedContent", "listBatches", "getBatch", "cancelBatch", "deleteBatch"}
)


def route(method: str, path: str) -> str | None:
    """The batch action for a request, or None when the path is not a Batch API path."""
    created = _CREATE.fullmatch(path)
    if created:
        return created.group(3) if method == "POST" else None
    match = _ROUTE.fullmatch(path)
    if match is None:
        return None
    batch_id, verb = match.group(2), match.group(3)
    if batch_id is None:
        return "listBatches" if method == "GET" else None
    if verb == "cancel":
        return "cancelBatch" if method == "POST" else None
    return {"GET": "getBatch", "DELETE": "deleteBatch"}.get(method)


def missing(batch_id: str) -> ApiError:
    """A batch that does not exist (emulator wording: Google's was not found in public sources)."""
    return ApiError(404, f"Batch batches/{batch_id} not found.")


@dataclass
class StoredBatch:
    """One batch job."""

    id: str
    model: str
    requests: list[dict[str, Any]]
    display_name: str | None
    state: str = "BATCH_STATE_PENDING"
    polls: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    created: float = field(default_factory=time.time)
    updated: float = 0.0
    ended: float = 0.0
    sequence: int = 0
    method: str = "batchGenerateContent"
    source_file: str | None = None
    """`files/<id>` of a file-based job's input; its results then go to `results_file`."""
    results_file: str | None = None

    def resource(self) -> dict[str, Any]:
        """The `Operation` JSON, with the `GenerateContentBatch` (or `EmbedContentBatch`) as its metadata."""
        meta: dict[str, Any] = {"@type": _TYPES[self.method], "model": f"models/{self.model}"}
        if self.display_name:
            meta["displayName"] = self.display_name
        meta["createTime"] = timestamp(self.created)
        if self.ended:
            meta["endTime"] = timestamp(self.ended)
        meta["updateTime"] = timestamp(self.updated or self.created)
        meta["batchStats"] = self.stats()
        meta["state"] = self.state
        meta["name"] = f"batches/{self.id}"
        if self.state == "BATCH_STATE_SUCCEEDED":
            if self.results_file is not None:
                meta["output"] = {"responsesFile": self.results_file}
            else:
                meta["output"] = {"inlinedResponses": {"inlinedResponses": self.results}}
        out: dict[str, Any] = {"name": f"batches/{self.id}", "metadata": meta}
        if self.state in _DONE:
            out["done"] = True
        if "output" in meta:
            # The finished operation's `response` carries the output too: Google's REST sample reads
            # `.response.inlinedResponses` / `.response.responsesFile` (ai.google.dev/gemini-api/docs/batch-api).
            out["response"] = {"@type": _OUTPUT_TYPES[self.method], **meta["output"]}
        if self.error is not None:
            out["error"] = self.error
        return out

    def stats(self) -> dict[str, str]:
        """`batchStats`, int64 counts as proto3 JSON strings (zeros left out)."""
        total = len(self.requests)
        failed = sum(1 for r in self.results if "error" in r)
        counts = {
            "requestCount": total,
            "successfulRequestCount": len(self.results) - failed,
            "failedRequestCount": failed,
            "pendingRequestCount": total - len(self.results) if self.state not in _DONE else 0,
        }
        return {key: str(value) for key, value in counts.items() if value}


class BatchesApi:
    """Batch jobs of one emulator (thread-safe), answered through `answer_one` (generateContent's own path)."""

    def __init__(
        self,
        store: dict[str, StoredBatch],
        models: Callable[[], dict[str, ModelInfo]],
        answer_one: Answer,
        files: FileStore,
    ) -> None:
        self.models = models
        self.files = files
        self.answer_one = answer_one
        self.pending_polls = 1
        self.running_polls = 1
        self._batches = store  # the emulator state's, so that reset() forgets batches too
        self._sequence = 0
        self._origins: dict[str, tuple[str, str]] = {}  # batch id -> (origin, API version) for its result file
        self._lock = threading.Lock()

    def answer(self, request: HttpRequest, action: str) -> Reply:
        """Answer an authenticated Batch API request.

        Raises:
            ApiError: Google's error for the request.
        """
        if action in _TYPES:
            match = _CREATE.fullmatch(request.path)
            assert match is not None
            origin = f"http://{request.headers.get('host', '127.0.0.1')}"
            return _json(self._create(match.group(1), match.group(2), action, request.body, origin).resource())
        if action == "listBatches":
            return self._list(request)
        match = _ROUTE.fullmatch(request.path)
        assert match is not None
        batch_id = match.group(2)
        with self._lock:
            stored = self._batches.get(batch_id)
        if stored is None:
            raise missing(batch_id)
        if action == "getBatch":
            self._advance(stored)
            return _json(stored.resource())
        if action == "cancelBatch":
            with self._lock:
                if stored.state not in _DONE:
                    stored.state, stored.updated, stored.ended = "BATCH_STATE_CANCELLED", time.time(), time.time()
            return _json({})
        with self._lock:
            self._batches.pop(batch_id, None)
        return _json({})

    def _create(self, version: str, model_id: str, method: str, raw: bytes, origin: str) -> StoredBatch:
        model = self.models().get(model_id)
        if model is None or method not in model.methods:
            raise ApiError(
                404,
                f"models/{model_id} is not found for API version {version}, or is not supported for "
                f"{method}. Call ListModels to see the list of available models and their supported methods.",
            )
        body = parse_json(raw) if raw.strip() else {}
        batch = body.get("batch") if isinstance(body, dict) else None
        if not isinstance(batch, dict):
            raise invalid_argument("BatchGenerateContentRequest.batch is required.")
        config = batch.get("inputConfig") or batch.get("input_config")
        if not isinstance(config, dict) or not config:
            raise invalid_argument("batch.input_config is required: inline requests or a file name.")
        source = config.get("fileName") or config.get("file_name")
        if source is not None:
            requests = self._file_requests(source)
        else:
            requests = _inline_requests(config, raw)
        display_name = batch.get("displayName") or batch.get("display_name")
        with self._lock:
            batch_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(36))
            self._sequence += 1
            stored = StoredBatch(batch_id, model.id, requests, display_name, sequence=self._sequence, method=method)
            stored.source_file = source
            self._batches[batch_id] = stored
        self._origins[batch_id] = (origin, version)
        return stored

    def _file_requests(self, source: Any) -> list[dict[str, Any]]:
        """The JSONL input file's lines as inline items (`{"request", "metadata": {"key"}}`)."""
        if not isinstance(source, str) or not source.startswith("files/"):
            raise invalid_argument(f"batch.input_config.file_name must be a file name (files/<id>), not {source!r}.")
        stored = self.files.get(source.removeprefix("files/"))
        if stored is None:
            raise ApiError(403, f"You do not have permission to access the File {source} or it may not exist.")
        if stored.data is None:
            raise invalid_argument(f"{source} is not a JSON Lines file of requests ({stored.mime_type}).")
        requests: list[dict[str, Any]] = []
        for number, line in enumerate(stored.data.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                raise invalid_argument(f"{source}, line {number}: not valid JSON.") from None
            if not isinstance(item, dict) or not isinstance(item.get("request"), dict):
                raise invalid_argument(f"{source}, line {number}: each line needs a request object.")
            key = item.get("key")
            if key is not None and not isinstance(key, str):
                raise invalid_argument(f"{source}, line {number}: key must be a string.")
            requests.append({"request": item["request"], "metadata": {"key": key}} if key is not None else item)
        if not requests:
            raise invalid_argument(f"{source} holds no requests.")
        return requests

    def _advance(self, stored: StoredBatch) -> None:
        """One GET's worth of progress: PENDING, then RUNNING, then the outcome."""
        with self._lock:
            if stored.state in _DONE:
                return
            stored.polls += 1
            name = stored.display_name or ""
            if stored.state == "BATCH_STATE_PENDING" and stored.polls > self.pending_polls:
                stored.state, stored.polls, stored.updated = "BATCH_STATE_RUNNING", 1, time.time()
                return
            if stored.state != "BATCH_STATE_RUNNING" or stored.polls <= self.running_polls:
                return
        if BATCH_FAILED_TRIGGER in name:
            outcome, error = "BATCH_STATE_FAILED", {"code": 13, "message": "The batch failed (failed by the emulator)."}
            results: list[dict[str, Any]] = []
        elif BATCH_EXPIRED_TRIGGER in name:
            outcome, error, results = "BATCH_STATE_EXPIRED", None, []
        else:
            outcome, error, results = (
                "BATCH_STATE_SUCCEEDED",
                None,
                [self._run(item, stored) for item in stored.requests],
            )
        results_file = None
        if outcome == "BATCH_STATE_SUCCEEDED" and stored.source_file is not None:
            results_file = self._write_results(stored, results)
        with self._lock:
            if stored.state == "BATCH_STATE_RUNNING":  # not cancelled meanwhile
                stored.state, stored.error, stored.results = outcome, error, results
                stored.results_file = results_file
                stored.updated = stored.ended = time.time()

    def _write_results(self, stored: StoredBatch, results: list[dict[str, Any]]) -> str:
        """Write a file-based job's answers as a generated JSONL file; its name."""
        lines = []
        for result in results:
            line: dict[str, Any] = {}
            key = result.get("metadata", {}).get("key")
            if key is not None:
                line["key"] = key
            line.update((k, v) for k, v in result.items() if k in ("response", "error"))
            lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
        if BATCH_SHUFFLED_TRIGGER in (stored.display_name or ""):
            lines.reverse()
        origin, version = self._origins.get(stored.id, ("http://127.0.0.1", "v1beta"))
        data = ("\n".join(lines) + "\n").encode()
        name = f"batch-{stored.id}-results"
        return "files/" + self.files.generated(data, "application/jsonl", name, origin, version).id

    def _run(self, item: dict[str, Any], stored: StoredBatch) -> dict[str, Any]:
        model = self.models().get(stored.model)
        out: dict[str, Any] = {}
        try:
            if model is None:
                raise missing(stored.id)
            out["response"] = self.answer_one(stored.method, item["request"], model)
        except ApiError as error:
            out["error"] = {k: v for k, v in error.body()["error"].items() if k in ("code", "message", "details")}
        if "metadata" in item:
            out["metadata"] = item["metadata"]
        return out

    def _list(self, request: HttpRequest) -> Reply:
        size, after = page_window(request, default=_DEFAULT_PAGE, maximum=_MAX_PAGE)
        with self._lock:
            rest = [b for b in self._batches.values() if b.sequence > after]
        page_items = rest[:size]
        page: dict[str, Any] = {}
        if page_items:
            page["operations"] = [b.resource() for b in page_items]
        if len(rest) > size:
            page["nextPageToken"] = next_page_token(page_items[-1].sequence)
        return _json(page)


def _inline_requests(config: dict[str, Any], raw: bytes) -> list[dict[str, Any]]:
    wrapper = config.get("requests")
    requests = wrapper.get("requests") if isinstance(wrapper, dict) else None
    if not isinstance(requests, list) or not requests:
        raise invalid_argument("batch.input_config.requests.requests must not be empty.")
    if len(raw) > MAX_INLINE_BYTES:
        raise invalid_argument(f"Inline batch requests must total less than {MAX_INLINE_BYTES} bytes.")
    for index, item in enumerate(requests):
        if not isinstance(item, dict) or not isinstance(item.get("request"), dict):
            raise invalid_argument(f"batch.input_config.requests.requests[{index}].request is required.")
    return requests


def _json(payload: Any) -> Reply:
    return Reply(body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
