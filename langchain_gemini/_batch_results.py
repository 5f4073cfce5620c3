"""A finished batch job's per-request entries -> answers in input order (pure functions, no I/O).

An entry is what the API holds for one request: `{"response": ..., "error": ...}` (plus `metadata` or `key`), from
`metadata.output.inlinedResponses.inlinedResponses` of an inline job or from a line of a file-based job's result file,
or None where the result file has no line for the request.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage

from langchain_gemini.errors import GeminiError, GeminiResponseValidationError

if TYPE_CHECKING:
    from langchain_gemini._batch_job import GeminiBatchItemError, GeminiBatchJob


def invalid(what: str, body: Any) -> GeminiResponseValidationError:
    """The error for a malformed batch operation."""
    msg = f"batch operation: {what} is missing or malformed in the API's answer"
    return GeminiResponseValidationError(msg, body=body, is_retryable=False)


def check_succeeded(job: GeminiBatchJob) -> None:
    """Raise ValueError (saying why) unless the job SUCCEEDED."""
    if job.state != "BATCH_STATE_SUCCEEDED":
        msg = f"{job.name} has no results: it is {job.state}" + (f" ({job.error.get('message')})" if job.error else "")
        raise ValueError(msg)


def inline_entries(job: GeminiBatchJob) -> list[Any]:
    """The per-request entries of a SUCCEEDED inline job, in input order.

    Entries that all carry the `metadata.key` they were sent with are put back in key order: the service may answer
    out of order (googleapis/python-genai#1909).

    Raises:
        ValueError: If the job has not succeeded.
        GeminiResponseValidationError: If the output is missing or has the wrong number of entries.
    """
    check_succeeded(job)
    wrapper = job.output.get("inlinedResponses")
    items = wrapper.get("inlinedResponses") if isinstance(wrapper, dict) else None
    if not isinstance(items, list) or len(items) != job.request_count:
        raise invalid("response.inlinedResponses (one per request)", job.raw)
    keys = [_metadata_key(item) for item in items]
    if all(key is not None for key in keys) and sorted(keys) == list(range(len(items))):  # type: ignore[type-var]
        ordered: list[Any] = [None] * len(items)
        for key, item in zip(keys, items, strict=True):
            ordered[key] = item  # type: ignore[index]
        return ordered
    return items


def _metadata_key(item: Any) -> int | None:
    meta = item.get("metadata") if isinstance(item, dict) else None
    key = meta.get("key") if isinstance(meta, dict) else None
    return int(key) if isinstance(key, str) and key.isdigit() else None


def entry_responses(entries: Iterable[Any]) -> Iterator[dict[str, Any] | GeminiBatchItemError]:
    """Each request's raw response, or its error, in input order.

    Raises:
        GeminiResponseValidationError: An entry with neither a response nor an error.
    """
    from langchain_gemini._batch_job import GeminiBatchItemError

    for index, entry in enumerate(entries):
        if entry is None:
            yield GeminiBatchItemError(index, None, "the result file has no answer for this request")
            continue
        # A result file line holds the answer or "a status object" (Batch API docs): `error`, or `status`.
        error = (entry.get("error") or entry.get("status")) if isinstance(entry, dict) else None
        response = entry.get("response") if isinstance(entry, dict) else None
        if isinstance(error, dict):
            code, message = error.get("code"), str(error.get("message", ""))
            yield GeminiBatchItemError(index, code, message, error.get("details") or [])
        elif isinstance(response, dict):
            yield response
        else:
            raise invalid(f"the result of request {index}", entry)


def chat_results(
    responses: Iterable[dict[str, Any] | GeminiBatchItemError], model: str | None
) -> Iterator[AIMessage | GeminiBatchItemError]:
    """Responses -> `AIMessage`s (an answer `invoke` would refuse, e.g. blocked, becomes an error in its place)."""
    from langchain_gemini._batch_job import GeminiBatchItemError
    from langchain_gemini._from_gemini import to_chat_result

    name = (model or "").removeprefix("models/")
    for index, response in enumerate(responses):
        if isinstance(response, GeminiBatchItemError):
            yield response
            continue
        try:
            message = to_chat_result(response, name).generations[0].message  # type: ignore[arg-type]
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
    results: Iterable[AIMessage | GeminiBatchItemError], schema: Mapping[str, Any] | type
) -> Iterator[Any]:
    """Each answer parsed as `with_structured_output(schema)` parses it.

    An answer that does not parse becomes a `GeminiBatchItemError` in its place.
    """
    from langchain_core.exceptions import OutputParserException
    from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser

    from langchain_gemini._batch_job import GeminiBatchItemError
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
