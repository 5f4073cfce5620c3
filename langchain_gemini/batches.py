"""The Batch API for chat: many prompts as one job at half the price, run by Google, resumable by name.

For example:
```python
from langchain_gemini import ChatGemini, GeminiBatches

model = ChatGemini(model="gemini-2.5-flash")
job = model.batch_submit(["Name a colour.", "Name a fruit."], display_name="names")
batches = GeminiBatches.from_model(model)
job = batches.wait_until_done(job, poll_interval=0.01)  # or, in another process: batches.get(job.name)
answers = list(batches.results(job))  # AIMessages in input order; errors in their place
```

Requests travel inline in the create request (Google's limit for inline jobs is 20 MB in total). Jobs above that
need the JSONL-file form, which this client does not build yet: `batch_submit` refuses them with a ValueError.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from langchain_core.messages import AIMessage
from pydantic import PrivateAttr

from langchain_gemini._base import CONNECTION_FIELDS, GeminiClientSettings, model_path
from langchain_gemini._unknown_kwargs import RefusesUnknownKwargs
from langchain_gemini.errors import GeminiError, GeminiResponseValidationError

if TYPE_CHECKING:
    from langchain_core.language_models import LanguageModelInput

    from langchain_gemini._client import GeminiClient
    from langchain_gemini.chat_models import ChatGemini

__all__ = ["GeminiBatchItemError", "GeminiBatchJob", "GeminiBatchTimeoutError", "GeminiBatches"]

# Waiting sleeps here rather than in _client.py: polling a job is not a retry. Tests patch these.
_sleep = time.sleep
_asleep = asyncio.sleep
_monotonic = time.monotonic

MAX_INLINE_BYTES = 20 * 1024 * 1024  # "the total request size ... under 20MB" for inline batch requests
TERMINAL_STATES = frozenset(
    {"BATCH_STATE_SUCCEEDED", "BATCH_STATE_FAILED", "BATCH_STATE_CANCELLED", "BATCH_STATE_EXPIRED"}
)
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def _invalid(what: str, body: Any) -> GeminiResponseValidationError:
    msg = f"batch operation: {what} is missing or malformed in the API's answer"
    return GeminiResponseValidationError(msg, body=body, is_retryable=False)


def _count(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key, 0)  # int64: a JSON string in proto3 JSON
    if isinstance(value, bool) or not str(value).isdigit():
        raise _invalid(f"batchStats.{key}", dict(stats))
    return int(value)


@dataclass(frozen=True)
class GeminiBatchJob:
    """A batch job as last seen: plain data, and its `name` is all another process needs to resume it."""

    name: str
    """`batches/<id>`."""
    state: str
    """`BATCH_STATE_PENDING`, `_RUNNING`, `_SUCCEEDED`, `_FAILED`, `_CANCELLED` or `_EXPIRED`."""
    model: str | None = None
    """The model, e.g. `models/gemini-2.5-flash`."""
    display_name: str | None = None
    """The name given at submission, if any."""
    request_count: int = 0
    """Requests in the job."""
    successful_count: int = 0
    """Requests answered so far."""
    failed_count: int = 0
    """Requests that failed (each has an error in its place in `results`)."""
    pending_count: int = 0
    """Requests not yet processed."""
    create_time: str | None = None
    """When the job was created (RFC 3339)."""
    end_time: str | None = None
    """When the job ended (RFC 3339), once it has."""
    error: dict[str, Any] | None = None
    """The job's `google.rpc.Status` when it failed as a whole."""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The operation as the API returned it (results included, once done)."""

    @property
    def done(self) -> bool:
        """Whether the job has reached a final state."""
        return self.state in TERMINAL_STATES

    @classmethod
    def from_json(cls, body: Any) -> GeminiBatchJob:
        """Build from the long-running `Operation` JSON (`metadata` is the `GenerateContentBatch`).

        Raises:
            GeminiResponseValidationError: If the name, state or counts are missing or malformed.
        """
        if not isinstance(body, dict):
            raise _invalid("the operation", body)
        meta = body.get("metadata")
        if not isinstance(meta, dict):
            raise _invalid("metadata", body)
        name, state = body.get("name") or meta.get("name"), meta.get("state")
        if not isinstance(name, str) or not name.startswith("batches/"):
            raise _invalid("name", body)
        if not isinstance(state, str):
            raise _invalid("metadata.state", body)
        stats = meta.get("batchStats") or {}
        if not isinstance(stats, dict):
            raise _invalid("metadata.batchStats", body)
        error = body.get("error")
        return cls(
            name=name,
            state=state,
            model=meta.get("model"),
            display_name=meta.get("displayName"),
            request_count=_count(stats, "requestCount"),
            successful_count=_count(stats, "successfulRequestCount"),
            failed_count=_count(stats, "failedRequestCount"),
            pending_count=_count(stats, "pendingRequestCount"),
            create_time=meta.get("createTime"),
            end_time=meta.get("endTime"),
            error=error if isinstance(error, dict) else None,
            raw=body,
        )


@dataclass(frozen=True)
class GeminiBatchItemError:
    """A request of a batch that failed: it stands in the results where its answer would be."""

    index: int
    """Position of the request in the submitted inputs."""
    code: int | None
    """The status code Google gave the request (e.g. 400)."""
    message: str
    """Why it failed."""
    details: list[dict[str, Any]] = field(default_factory=list)
    """Google's `error.details`, if any."""


class GeminiBatchTimeoutError(GeminiError, TimeoutError):
    """A batch job had not finished when `wait` gave up (the job goes on: wait again, or cancel it)."""


def batch_name(job: GeminiBatchJob | str) -> str:
    """`GeminiBatchJob`, `batches/abc` or `abc` -> `batches/abc`.

    Raises:
        ValueError: If the id is not a plain batch id.
    """
    name = job.name if isinstance(job, GeminiBatchJob) else str(job)
    batch_id = name.removeprefix("batches/")
    if not _BATCH_ID.match(batch_id):
        msg = f"not a batch name: {name!r} (expected 'batches/<id>')"
        raise ValueError(msg)
    return f"batches/{batch_id}"


def create_body(requests: Sequence[Mapping[str, Any]], display_name: str | None) -> dict[str, Any]:
    """The `batchGenerateContent` body for inline requests (each with its index as `metadata.key`).

    Raises:
        ValueError: If there are no requests, or they exceed the inline limit.
    """
    if not requests:
        msg = "inputs: a batch needs at least one input"
        raise ValueError(msg)
    items = [{"request": dict(request), "metadata": {"key": str(index)}} for index, request in enumerate(requests)]
    batch: dict[str, Any] = {"inputConfig": {"requests": {"requests": items}}}
    if display_name:
        batch["displayName"] = display_name
    body = {"batch": batch}
    size = len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_INLINE_BYTES:
        msg = (
            f"inputs: {size} bytes of requests exceed the {MAX_INLINE_BYTES}-byte limit of inline batch jobs; "
            "split them into several jobs (file-based jobs are not supported yet)"
        )
        raise ValueError(msg)
    return body


def _settled(job: GeminiBatchJob, deadline: float, timeout: float) -> bool:
    if job.done:
        return True
    if _monotonic() >= deadline:
        msg = f"{job.name} is still {job.state} after {timeout:g} s"
        raise GeminiBatchTimeoutError(msg, status=job.state)
    return False


def _items(job: GeminiBatchJob) -> list[Any]:
    """The per-request entries of a SUCCEEDED job's output, one per request.

    Raises:
        ValueError: If the job has not succeeded.
        GeminiResponseValidationError: If the output is missing or has the wrong number of entries.
    """
    if job.state != "BATCH_STATE_SUCCEEDED":
        msg = f"{job.name} has no results: it is {job.state}" + (f" ({job.error.get('message')})" if job.error else "")
        raise ValueError(msg)
    output = job.raw.get("metadata", {}).get("output") or {}
    wrapper = output.get("inlinedResponses") if isinstance(output, dict) else None
    items = wrapper.get("inlinedResponses") if isinstance(wrapper, dict) else None
    if not isinstance(items, list) or len(items) != job.request_count:
        raise _invalid("metadata.output.inlinedResponses (one per request)", job.raw)
    return items


def item_responses(job: GeminiBatchJob) -> Iterator[dict[str, Any] | GeminiBatchItemError]:
    """Each request's raw response, or its error, in input order."""
    for index, item in enumerate(_items(job)):
        error = item.get("error") if isinstance(item, dict) else None
        response = item.get("response") if isinstance(item, dict) else None
        if isinstance(error, dict):
            code, message = error.get("code"), str(error.get("message", ""))
            yield GeminiBatchItemError(index, code, message, error.get("details") or [])
        elif isinstance(response, dict):
            yield response
        else:
            raise _invalid(f"metadata.output.inlinedResponses[{index}]", job.raw)


def job_results(job: GeminiBatchJob) -> Iterator[AIMessage | GeminiBatchItemError]:
    """The answers of a finished chat job, in input order (see `GeminiBatches.results`)."""
    from langchain_gemini._from_gemini import to_chat_result

    model = (job.model or "").removeprefix("models/")
    for index, response in enumerate(item_responses(job)):
        if isinstance(response, GeminiBatchItemError):
            yield response
            continue
        try:
            message = to_chat_result(response, model).generations[0].message  # type: ignore[arg-type]
        except GeminiError as failure:  # e.g. a refusal: that item failed, the others stand
            yield GeminiBatchItemError(index, failure.status_code, str(failure))
            continue
        assert isinstance(message, AIMessage)
        yield message


def structured_settings(schema: Mapping[str, Any] | type | None) -> dict[str, Any]:
    """The per-call settings `with_structured_output(schema)` (method json_schema) binds; {} without a schema."""
    if schema is None:
        return {}
    from langchain_gemini._structured import _json_schema_of

    return {"response_mime_type": "application/json", "response_schema": _json_schema_of(schema)}


def parsed_results(
    results: Iterator[AIMessage | GeminiBatchItemError], schema: Mapping[str, Any] | type
) -> Iterator[Any]:
    """Each answer parsed as `with_structured_output(schema)` parses it.

    An answer that does not parse becomes a `GeminiBatchItemError` in its place.
    """
    from langchain_core.exceptions import OutputParserException
    from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser

    from langchain_gemini._structured import _is_pydantic

    parser: Any = PydanticOutputParser(pydantic_object=schema) if _is_pydantic(schema) else JsonOutputParser()
    for index, result in enumerate(results):
        if isinstance(result, GeminiBatchItemError):
            yield result
            continue
        try:
            yield parser.invoke(result)
        except OutputParserException as failure:
            yield GeminiBatchItemError(index, None, f"the answer does not parse: {failure}")


def _failed(inputs: Sequence[Any], results: Sequence[AIMessage | GeminiBatchItemError]) -> list[int]:
    if len(results) != len(inputs):
        msg = f"results: {len(results)} results for {len(inputs)} inputs; pass the whole result list of the job"
        raise ValueError(msg)
    return [index for index, result in enumerate(results) if isinstance(result, GeminiBatchItemError)]


class GeminiBatches(RefusesUnknownKwargs, GeminiClientSettings):
    """Client for batch jobs, with the same connection settings as `ChatGemini`.

    `ChatGemini.batch_submit` builds and submits a job; this client follows it: `get` (by name, from any
    process), `wait_until_done`, `results`, `cancel`, `delete`, `list`, each with an async twin. Built with
    `from_model` it borrows the model's connections, otherwise it owns its own (`close()`, `with`), as
    `GeminiFiles` does.
    """

    _vertex_refusal: ClassVar[str | None] = (
        "Vertex AI batch prediction jobs read from Cloud Storage or BigQuery, "
        "a different API that this class does not speak"
    )

    _parent: GeminiClientSettings | None = PrivateAttr(default=None)

    @classmethod
    def from_model(cls, model: GeminiClientSettings) -> GeminiBatches:
        """A batches client using `model`'s connection settings and connections."""
        batches = cls.model_validate({name: getattr(model, name) for name in CONNECTION_FIELDS})
        batches._parent = model
        return batches

    @property
    def _client(self) -> GeminiClient:
        if self._parent is not None:
            return self._parent._client
        return super()._client

    def submit(
        self,
        model: str,
        requests: Sequence[Mapping[str, Any]],
        *,
        display_name: str | None = None,
        method: str = "batchGenerateContent",
    ) -> GeminiBatchJob:
        """Submit wire-form requests as one inline job.

        `ChatGemini.batch_submit` builds GenerateContentRequests for it, `GeminiEmbeddings.batch_submit`
        EmbedContentRequests (with `method="asyncBatchEmbedContent"`).
        """
        body = create_body(requests, display_name)
        path = f"{model_path(model.removeprefix('models/'))}:{method}"
        # Not retried: "The creation of a batch job is not idempotent" (Batch API docs); a retry could run it twice.
        return GeminiBatchJob.from_json(self._client.request_json("POST", path, body=body, max_retries=0))

    async def asubmit(
        self,
        model: str,
        requests: Sequence[Mapping[str, Any]],
        *,
        display_name: str | None = None,
        method: str = "batchGenerateContent",
    ) -> GeminiBatchJob:
        """Async `submit`."""
        body = create_body(requests, display_name)
        path = f"{model_path(model.removeprefix('models/'))}:{method}"
        return GeminiBatchJob.from_json(await self._client.arequest_json("POST", path, body=body, max_retries=0))

    def get(self, job: GeminiBatchJob | str) -> GeminiBatchJob:
        """The job's current state (by `GeminiBatchJob`, `batches/<id>` or `<id>`)."""
        return GeminiBatchJob.from_json(self._client.request_json("GET", batch_name(job)))

    async def aget(self, job: GeminiBatchJob | str) -> GeminiBatchJob:
        """Async `get`."""
        return GeminiBatchJob.from_json(await self._client.arequest_json("GET", batch_name(job)))

    def wait_until_done(
        self, job: GeminiBatchJob | str, *, timeout: float = 86_400.0, poll_interval: float = 30.0
    ) -> GeminiBatchJob:
        """Poll until the job reaches a final state and return it (Google targets 24 hours per job).

        Raises:
            GeminiBatchTimeoutError: If it is still pending or running after `timeout` seconds.
        """
        deadline = _monotonic() + timeout
        current = job if isinstance(job, GeminiBatchJob) else self.get(job)
        while not _settled(current, deadline, timeout):
            _sleep(max(0.0, min(poll_interval, deadline - _monotonic())))
            current = self.get(current.name)
        return current

    async def await_until_done(
        self, job: GeminiBatchJob | str, *, timeout: float = 86_400.0, poll_interval: float = 30.0
    ) -> GeminiBatchJob:
        """Async `wait_until_done`."""
        deadline = _monotonic() + timeout
        current = job if isinstance(job, GeminiBatchJob) else await self.aget(job)
        while not _settled(current, deadline, timeout):
            await _asleep(max(0.0, min(poll_interval, deadline - _monotonic())))
            current = await self.aget(current.name)
        return current

    def results(self, job: GeminiBatchJob | str, *, schema: Mapping[str, Any] | type | None = None) -> Iterator[Any]:
        """The answers of a SUCCEEDED job in input order.

        Each request gives an `AIMessage` (or, with the `schema` given to `batch_submit`, the parsed object), or a
        `GeminiBatchItemError` where it failed (never dropped).

        Raises:
            ValueError: If the job has not succeeded (it is still running, failed, cancelled or expired).
        """
        current = job if isinstance(job, GeminiBatchJob) and job.done else self.get(job)
        return job_results(current) if schema is None else parsed_results(job_results(current), schema)

    async def aresults(self, job: GeminiBatchJob | str, *, schema: Mapping[str, Any] | type | None = None) -> list[Any]:
        """Async `results` (as a list)."""
        current = job if isinstance(job, GeminiBatchJob) and job.done else await self.aget(job)
        results = job_results(current)
        return list(results if schema is None else parsed_results(results, schema))

    def resubmit_failed(
        self,
        model: ChatGemini,
        inputs: Sequence[LanguageModelInput],
        results: Sequence[AIMessage | GeminiBatchItemError],
        **kwargs: Any,
    ) -> tuple[GeminiBatchJob, list[int]] | None:
        """Submit, as a new job, the inputs whose results are errors (with `batch_submit`'s keyword arguments).

        Returns:
            The new job and, for each of its requests, the index of the input it answers (its i-th result belongs
            at `indices[i]` of the first job's results); None when nothing failed.

        Raises:
            ValueError: If `results` does not have one item per input.
        """
        indices = _failed(inputs, results)
        if not indices:
            return None
        return model.batch_submit([inputs[i] for i in indices], **kwargs), indices

    async def aresubmit_failed(
        self,
        model: ChatGemini,
        inputs: Sequence[LanguageModelInput],
        results: Sequence[AIMessage | GeminiBatchItemError],
        **kwargs: Any,
    ) -> tuple[GeminiBatchJob, list[int]] | None:
        """Async `resubmit_failed`."""
        indices = _failed(inputs, results)
        if not indices:
            return None
        return await model.abatch_submit([inputs[i] for i in indices], **kwargs), indices

    def cancel(self, job: GeminiBatchJob | str) -> None:
        """Ask Google to stop the job; requests already answered are still billed."""
        self._client.request_json("POST", f"{batch_name(job)}:cancel")

    async def acancel(self, job: GeminiBatchJob | str) -> None:
        """Async `cancel`."""
        await self._client.arequest_json("POST", f"{batch_name(job)}:cancel")

    def delete(self, job: GeminiBatchJob | str) -> None:
        """Delete the job and its results."""
        self._client.request_json("DELETE", batch_name(job))

    async def adelete(self, job: GeminiBatchJob | str) -> None:
        """Async `delete`."""
        await self._client.arequest_json("DELETE", batch_name(job))

    def list(self, *, page_size: int | None = None) -> Iterator[GeminiBatchJob]:
        """The project's jobs, page by page.

        Raises:
            GeminiResponseValidationError: If the API hands back a page token it already gave.
        """
        seen: set[str] = set()
        token: str | None = None
        while True:
            params = {"pageSize": str(page_size)} if page_size else {}
            if token:
                params["pageToken"] = token
            body = self._client.request_json("GET", "batches", params=params)
            yield from (GeminiBatchJob.from_json(op) for op in body.get("operations") or [])
            token = body.get("nextPageToken") or None
            if token is None:
                return
            if token in seen:
                raise _invalid(f"a new nextPageToken (got {token!r} again)", body)
            seen.add(token)

    async def alist(self, *, page_size: int | None = None) -> AsyncIterator[GeminiBatchJob]:
        """Async `list`."""
        seen: set[str] = set()
        token: str | None = None
        while True:
            params = {"pageSize": str(page_size)} if page_size else {}
            if token:
                params["pageToken"] = token
            body = await self._client.arequest_json("GET", "batches", params=params)
            for op in body.get("operations") or []:
                yield GeminiBatchJob.from_json(op)
            token = body.get("nextPageToken") or None
            if token is None:
                return
            if token in seen:
                raise _invalid(f"a new nextPageToken (got {token!r} again)", body)
            seen.add(token)
