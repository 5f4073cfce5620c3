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

Google's size rule decides how the requests travel: inline in the create request while that request stays under
20 MB ("Inline requests ... total request size under 20MB", ai.google.dev/gemini-api/docs/batch-api) and the job
has at most 1,000 requests (an inline job's answers come back whole in its operation), otherwise as a JSON Lines file
uploaded through the Files API (up to 2 GB), whose answers come back in a result file. Requests are written to a
temporary file as they are built and results are read back one at a time (`_batch_io`), so memory does not grow
with the job.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from langchain_core.messages import AIMessage
from pydantic import PrivateAttr

from langchain_gemini._base import CONNECTION_FIELDS, GeminiClientSettings, model_path
from langchain_gemini._batch_io import MAX_INLINE_BYTES, MAX_INLINE_REQUESTS, JobRequests, file_body, indexed_lines
from langchain_gemini._batch_job import (
    GeminiBatchItem,
    GeminiBatchItemError,
    GeminiBatchJob,
    GeminiBatchTimeoutError,
    batch_name,
)
from langchain_gemini._batch_results import (
    chat_results,
    check_succeeded,
    entry_responses,
    inline_entries,
    invalid,
    parsed_results,
    structured_settings,
)
from langchain_gemini._unknown_kwargs import RefusesUnknownKwargs

if TYPE_CHECKING:
    from langchain_core.language_models import LanguageModelInput

    from langchain_gemini._client import GeminiClient
    from langchain_gemini.chat_models import ChatGemini

__all__ = ["GeminiBatchItem", "GeminiBatchItemError", "GeminiBatchJob", "GeminiBatchTimeoutError", "GeminiBatches"]

# Waiting sleeps here rather than in _client.py: polling a job is not a retry. Tests patch these.
_sleep = time.sleep
_asleep = asyncio.sleep
_monotonic = time.monotonic

InputMode = Literal["auto", "inline", "file"]
"""How a job's requests travel: `auto` (inline under Google's 20 MB limit, else a file), or forced."""


def _settled(job: GeminiBatchJob, deadline: float, timeout: float) -> bool:
    if job.done:
        return True
    if _monotonic() >= deadline:
        msg = f"{job.name} is still {job.state} after {timeout:g} s"
        raise GeminiBatchTimeoutError(msg, status=job.state)
    return False


def shared_settings(schema: Mapping[str, Any] | type | None, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The per-call settings of every item of a job: `kwargs`, plus structured output for `schema`."""
    return {**kwargs, **structured_settings(schema)}


def item_call(item: Any, shared: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    """An input of `batch_submit` -> (what `invoke` would take, its per-call settings).

    Raises:
        ValueError: If a `GeminiBatchItem` names a model (a job runs on one model).
    """
    if not isinstance(item, GeminiBatchItem):
        return item, dict(shared)
    if "model" in item.settings:
        msg = "GeminiBatchItem.settings: 'model' cannot differ per item (a batch job runs on one model)"
        raise ValueError(msg)
    own = structured_settings(item.schema) if item.schema is not None else {}
    return item.input, {**shared, **own, **item.settings}


def job_results(job: GeminiBatchJob) -> Iterator[AIMessage | GeminiBatchItemError]:
    """The answers of a finished inline chat job, in input order (`GeminiBatches.results` reads file jobs too)."""
    return chat_results(entry_responses(inline_entries(job)), job.model)


def _result_file(job: GeminiBatchJob) -> tuple[str, dict[str, str]]:
    """The download path of a file-based job's results (`/download/v1beta/files/<id>:download?alt=media`)."""
    from langchain_gemini.files import file_name

    # The REST path of Google's Batch API docs ("Retrieving results"); google-genai's files.download uses
    # `files/<id>:download` under /v1beta, which Google serves too.
    return f"/download/{{version}}/{file_name(job.responses_file or '')}:download", {"alt": "media"}


_JSON = {"content-type": "application/json"}


def _upload_args(display_name: str | None) -> dict[str, Any]:
    # JSON Lines; Google's sample uploads with mime_type 'jsonl' (google-genai), any JSON type is read the same.
    return {"mime_type": "application/jsonl", "display_name": f"{display_name or 'batch'} requests"[:512]}


def _operation(content: bytes, client: GeminiClient) -> GeminiBatchJob:
    try:
        body = json.loads(content)
    except ValueError:
        raise invalid("the operation (not JSON)", client.scrub(content[:200].decode(errors="replace"))) from None
    return GeminiBatchJob.from_json(body)


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
        requests: Iterable[Mapping[str, Any]],
        *,
        display_name: str | None = None,
        method: str = "batchGenerateContent",
        input_mode: InputMode = "auto",
    ) -> GeminiBatchJob:
        """Submit wire-form requests as one job: inline when small, else as an uploaded JSON Lines file.

        `auto` sends a job inline when its create request stays under Google's 20 MB limit and it has at most
        1,000 requests (an inline job's answers come back whole inside the job's operation), else as a file.

        `ChatGemini.batch_submit` builds GenerateContentRequests for it, `GeminiEmbeddings.batch_submit`
        EmbedContentRequests (with `method="asyncBatchEmbedContent"`). Each request is written to a temporary file
        as it comes, so a generator of requests is never held whole.

        Args:
            model: The model, e.g. `gemini-2.5-flash`.
            requests: GenerateContentRequests (or EmbedContentRequests), in input order.
            display_name: A name for the job.
            method: `batchGenerateContent` or `asyncBatchEmbedContent`.
            input_mode: `auto` (the size decides), `inline` (refused over 20 MB) or `file`.

        Raises:
            ValueError: No requests, an unknown `input_mode`, or an `inline` job over the limit.
            GeminiError: If the upload or the create request fails (the create request is never retried).
        """
        with JobRequests() as job:
            for request in requests:
                job.add(request)
            path, mode = self._create_plan(model, method, job, display_name, input_mode)
            if mode == "inline":
                content = job.inline_body(display_name)
            else:
                from langchain_gemini.files import GeminiFiles

                upload = GeminiFiles.from_model(self).upload(job.jsonl(), **_upload_args(display_name))
                content = json.dumps(file_body(upload.name, display_name)).encode()
        # Not retried: "The creation of a batch job is not idempotent" (Batch API docs); a retry could run it twice.
        answer = self._client.send("POST", path, content=content, headers=_JSON, max_retries=0)
        return _operation(answer.content, self._client)

    async def asubmit(
        self,
        model: str,
        requests: Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]],
        *,
        display_name: str | None = None,
        method: str = "batchGenerateContent",
        input_mode: InputMode = "auto",
    ) -> GeminiBatchJob:
        """Async `submit` (`requests` may be an async iterable)."""
        with JobRequests() as job:
            if isinstance(requests, AsyncIterable):
                async for request in requests:
                    job.add(request)
            else:
                for request in requests:
                    job.add(request)
            path, mode = self._create_plan(model, method, job, display_name, input_mode)
            if mode == "inline":
                content = job.inline_body(display_name)
            else:
                from langchain_gemini.files import GeminiFiles

                upload = await GeminiFiles.from_model(self).aupload(job.jsonl(), **_upload_args(display_name))
                content = json.dumps(file_body(upload.name, display_name)).encode()
        answer = await self._client.asend("POST", path, content=content, headers=_JSON, max_retries=0)
        return _operation(answer.content, self._client)

    @staticmethod
    def _create_plan(
        model: str, method: str, job: JobRequests, display_name: str | None, input_mode: str
    ) -> tuple[str, str]:
        """The create path, and `inline` or `file` for these requests."""
        if input_mode not in ("auto", "inline", "file"):
            msg = f"input_mode: expected 'auto', 'inline' or 'file', got {input_mode!r}"
            raise ValueError(msg)
        if not job.count:
            msg = "inputs: a batch needs at least one input"
            raise ValueError(msg)
        size = job.inline_size(display_name)
        if input_mode == "inline" and size > MAX_INLINE_BYTES:
            msg = (
                f"inputs: {size} bytes of requests exceed the {MAX_INLINE_BYTES}-byte limit of inline batch jobs; "
                "use input_mode='auto' or 'file' to send them as a file"
            )
            raise ValueError(msg)
        small = size <= MAX_INLINE_BYTES and job.count <= MAX_INLINE_REQUESTS
        mode = input_mode if input_mode != "auto" else "inline" if small else "file"
        return f"{model_path(model.removeprefix('models/'))}:{method}", mode

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

    def responses(self, job: GeminiBatchJob | str) -> Iterator[dict[str, Any] | GeminiBatchItemError]:
        """Each request's raw response (GenerateContentResponse or EmbedContentResponse), or its error, in input order.

        A file-based job's result file is downloaded to a temporary file and read back one line at a time.

        Raises:
            ValueError: If the job has not succeeded.
            GeminiResponseValidationError: If the output is missing or malformed.
        """
        current = job if isinstance(job, GeminiBatchJob) and job.done else self.get(job)
        check_succeeded(current)
        if current.responses_file is None:
            return entry_responses(inline_entries(current))
        return entry_responses(self._file_entries(current))

    def _file_entries(self, job: GeminiBatchJob) -> Iterator[dict[str, Any] | None]:
        path, params = _result_file(job)
        with tempfile.TemporaryFile() as sink:
            self._client.download(path.format(version=self.api_version), sink, params=params)
            yield from indexed_lines(sink, job.request_count)

    async def aresponses(self, job: GeminiBatchJob | str) -> AsyncIterator[dict[str, Any] | GeminiBatchItemError]:
        """Async `responses`."""
        current = job if isinstance(job, GeminiBatchJob) and job.done else await self.aget(job)
        check_succeeded(current)
        if current.responses_file is None:
            for response in entry_responses(inline_entries(current)):
                yield response
            return
        path, params = _result_file(current)
        with tempfile.TemporaryFile() as sink:
            await self._client.adownload(path.format(version=self.api_version), sink, params=params)
            for response in entry_responses(indexed_lines(sink, current.request_count)):
                yield response

    def results(self, job: GeminiBatchJob | str, *, schema: Mapping[str, Any] | type | None = None) -> Iterator[Any]:
        """The answers of a SUCCEEDED job in input order, one at a time (memory does not grow with the job).

        Each request gives an `AIMessage` (or, with the `schema` given to `batch_submit`, the parsed object), or a
        `GeminiBatchItemError` where it failed (never dropped).

        Raises:
            ValueError: If the job has not succeeded (it is still running, failed, cancelled or expired).
        """
        current = job if isinstance(job, GeminiBatchJob) and job.done else self.get(job)
        results = chat_results(self.responses(current), current.model)
        return results if schema is None else parsed_results(results, schema)

    async def aiter_results(
        self, job: GeminiBatchJob | str, *, schema: Mapping[str, Any] | type | None = None
    ) -> AsyncIterator[Any]:
        """Async `results`: the answers one at a time."""
        current = job if isinstance(job, GeminiBatchJob) and job.done else await self.aget(job)
        check_succeeded(current)
        if current.responses_file is None:
            results = chat_results(entry_responses(inline_entries(current)), current.model)
            for result in results if schema is None else parsed_results(results, schema):
                yield result
            return
        path, params = _result_file(current)
        with tempfile.TemporaryFile() as sink:
            await self._client.adownload(path.format(version=self.api_version), sink, params=params)
            results = chat_results(entry_responses(indexed_lines(sink, current.request_count)), current.model)
            for result in results if schema is None else parsed_results(results, schema):
                yield result

    async def aresults(self, job: GeminiBatchJob | str, *, schema: Mapping[str, Any] | type | None = None) -> list[Any]:
        """Async `results` as a list (for small jobs; `aiter_results` for large ones)."""
        return [result async for result in self.aiter_results(job, schema=schema)]

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
                raise invalid(f"a new nextPageToken (got {token!r} again)", body)
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
                raise invalid(f"a new nextPageToken (got {token!r} again)", body)
            seen.add(token)
