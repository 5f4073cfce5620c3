"""A batch job as plain data: the job handle, a per-request error, an input with its own settings, job names.

`GeminiBatchJob.from_json` reads the long-running `Operation` Google answers batch requests with (its `metadata` is
the `GenerateContentBatch`, google-genai's `_BatchJob_from_mldev`); everything here pickles and compares by value,
so a job's name is all another process needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_gemini._base import resource_name
from langchain_gemini._batch_results import invalid
from langchain_gemini.errors import GeminiError

if TYPE_CHECKING:
    from langchain_core.language_models import LanguageModelInput

TERMINAL_STATES = frozenset(
    {"BATCH_STATE_SUCCEEDED", "BATCH_STATE_FAILED", "BATCH_STATE_CANCELLED", "BATCH_STATE_EXPIRED"}
)


def _count(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key, 0)  # int64: a JSON string in proto3 JSON
    if isinstance(value, bool) or not str(value).isdigit():
        raise invalid(f"batchStats.{key}", dict(stats))
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

    @property
    def output(self) -> dict[str, Any]:
        """The results of a finished job: `inlinedResponses` or `responsesFile` (empty until it has them).

        Google puts them in the operation's `response` (the REST sample of ai.google.dev/gemini-api/docs/batch-api
        reads `.response.responsesFile`) and mirrors them in `metadata.output` (what google-genai reads,
        `_BatchJob_from_mldev`); either is taken.
        """
        for output in (self.raw.get("response"), self.raw.get("metadata", {}).get("output")):
            if isinstance(output, dict) and ("inlinedResponses" in output or "responsesFile" in output):
                return output
        return {}

    @property
    def responses_file(self) -> str | None:
        """`files/<id>` of the result file of a finished file-based job (None for inline jobs)."""
        name = self.output.get("responsesFile")
        return name if isinstance(name, str) else None

    @classmethod
    def from_json(cls, body: Any) -> GeminiBatchJob:
        """Build from the long-running `Operation` JSON (`metadata` is the `GenerateContentBatch`).

        Raises:
            GeminiResponseValidationError: If the name, state or counts are missing or malformed.
        """
        if not isinstance(body, dict):
            raise invalid("the operation", body)
        meta = body.get("metadata")
        if not isinstance(meta, dict):
            raise invalid("metadata", body)
        name, state = body.get("name") or meta.get("name"), meta.get("state")
        if not isinstance(name, str) or not name.startswith("batches/"):
            raise invalid("name", body)
        if not isinstance(state, str):
            raise invalid("metadata.state", body)
        stats = meta.get("batchStats") or {}
        if not isinstance(stats, dict):
            raise invalid("metadata.batchStats", body)
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


@dataclass(frozen=True)
class GeminiBatchItem:
    """One input of a batch job with settings of its own, over the job's (`ChatGemini.batch_submit`).

    For example `GeminiBatchItem("Name a colour.", {"temperature": 0.0, "max_output_tokens": 5})`, or with
    `{"tools": [get_weather], "tool_choice": "any"}`; `schema` asks this item for structured output.
    """

    input: LanguageModelInput
    """A string, a list of messages or a prompt value, as `invoke` takes it."""
    settings: Mapping[str, Any] = field(default_factory=dict)
    """Per-call settings as `invoke` takes them (`temperature`, `tools`, `tool_choice`, ...)."""
    schema: Mapping[str, Any] | type | None = None
    """A pydantic class, TypedDict or JSON schema for this item's structured output."""


class GeminiBatchTimeoutError(GeminiError, TimeoutError):
    """A batch job had not finished when `wait` gave up (the job goes on: wait again, or cancel it)."""


def batch_name(job: GeminiBatchJob | str) -> str:
    """`GeminiBatchJob`, `batches/abc` or `abc` -> `batches/abc`.

    Raises:
        ValueError: If the id is not a plain batch id.
    """
    return resource_name(job.name if isinstance(job, GeminiBatchJob) else str(job), "batches", "a batch name")
