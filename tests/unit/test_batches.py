"""Batch jobs without a server: the job handle, result conversion, size limits, names and malformed answers."""

from __future__ import annotations

import pickle
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage

from langchain_gemini import (
    GeminiBatches,
    GeminiBatchItemError,
    GeminiBatchJob,
    GeminiResponseValidationError,
    GeminiServerError,
)
from langchain_gemini.batches import MAX_INLINE_BYTES, batch_name, create_body, job_results

RESPONSE = {
    "candidates": [{"content": {"role": "model", "parts": [{"text": "Blue."}]}, "finishReason": "STOP"}],
    "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 1, "totalTokenCount": 5},
}


def operation(state: str = "BATCH_STATE_SUCCEEDED", items: list[Any] | None = None, **stats: str) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "model": "models/gemini-2.5-flash",
        "state": state,
        "batchStats": {"requestCount": "2", **stats},
    }
    if items is not None:
        meta["output"] = {"inlinedResponses": {"inlinedResponses": items}}
    return {"name": "batches/abc", "metadata": meta}


def test_job_handle_is_plain_data() -> None:
    job = GeminiBatchJob.from_json(operation("BATCH_STATE_RUNNING", pendingRequestCount="2"))
    assert (job.name, job.state, job.request_count, job.pending_count, job.done) == (
        "batches/abc",
        "BATCH_STATE_RUNNING",
        2,
        2,
        False,
    )
    assert pickle.loads(pickle.dumps(job)) == job


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ([], "the operation"),
        ({"name": "batches/abc"}, "metadata"),
        ({"name": "files/abc", "metadata": {"state": "BATCH_STATE_RUNNING"}}, "name"),
        ({"name": "batches/abc", "metadata": {}}, "metadata.state"),
        ({"name": "batches/abc", "metadata": {"state": "X", "batchStats": {"requestCount": "two"}}}, "requestCount"),
    ],
)
def test_malformed_operation_is_a_validation_error(body: Any, what: str) -> None:
    with pytest.raises(GeminiResponseValidationError, match=what):
        GeminiBatchJob.from_json(body)


def test_results_keep_input_order_and_errors_in_place() -> None:
    items = [{"error": {"code": 400, "message": "bad"}}, {"response": RESPONSE, "metadata": {"key": "1"}}]
    results = list(job_results(GeminiBatchJob.from_json(operation(items=items))))
    assert results[0] == GeminiBatchItemError(0, 400, "bad")
    assert isinstance(results[1], AIMessage)
    assert results[1].text == "Blue."
    assert results[1].usage_metadata is not None
    assert results[1].usage_metadata["total_tokens"] == 5


def test_a_result_list_of_the_wrong_length_is_refused() -> None:
    job = GeminiBatchJob.from_json(operation(items=[{"response": RESPONSE}]))
    with pytest.raises(GeminiResponseValidationError, match="one per request"):
        list(job_results(job))


def test_no_results_before_success() -> None:
    with pytest.raises(ValueError, match="has no results: it is BATCH_STATE_RUNNING"):
        list(job_results(GeminiBatchJob.from_json(operation("BATCH_STATE_RUNNING"))))


def test_create_body_keys_each_request_by_index() -> None:
    body = create_body([{"contents": []}, {"contents": [1]}], "job")
    assert body == {
        "batch": {
            "inputConfig": {
                "requests": {
                    "requests": [
                        {"request": {"contents": []}, "metadata": {"key": "0"}},
                        {"request": {"contents": [1]}, "metadata": {"key": "1"}},
                    ]
                }
            },
            "displayName": "job",
        }
    }


def test_create_body_limits() -> None:
    with pytest.raises(ValueError, match="at least one input"):
        create_body([], None)
    with pytest.raises(ValueError, match="exceed the 20971520-byte limit of inline batch jobs"):
        create_body([{"contents": [{"parts": [{"text": "x" * MAX_INLINE_BYTES}]}]}], None)


def test_batch_names() -> None:
    assert batch_name("abc") == "batches/abc"
    assert batch_name("batches/abc") == "batches/abc"
    with pytest.raises(ValueError, match="not a batch name"):
        batch_name("batches/a/b")


def test_list_stops_on_a_repeated_page_token() -> None:
    page = {"operations": [operation()], "nextPageToken": "t"}
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=page)))
    batches = GeminiBatches(api_key="k", http_client=client, max_retries=0)
    with pytest.raises(GeminiResponseValidationError, match="got 't' again"):
        list(batches.list())


def test_submit_is_not_retried() -> None:
    """Creating a batch is not idempotent: a 503 is not retried, so the job cannot run twice."""
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, json={"error": {"code": 503, "message": "busy", "status": "UNAVAILABLE"}})

    batches = GeminiBatches(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    with pytest.raises(GeminiServerError, match="busy"):
        batches.submit("gemini-2.5-flash", [{"contents": []}])
    assert len(calls) == 1


def test_embedding_results_keep_errors_in_place_and_normalise_truncated_vectors() -> None:
    from langchain_gemini import GeminiEmbeddings

    items = [{"error": {"code": 400, "message": "too long"}}, {"response": {"embedding": {"values": [3, 4]}}}]
    job = GeminiBatchJob.from_json(operation(items=items))
    key: dict[str, Any] = {"api_key": "k"}
    embeddings = GeminiEmbeddings(model="gemini-embedding-001", **key)
    error, vector = embeddings.batch_results(job)
    assert error == GeminiBatchItemError(0, 400, "too long")
    assert vector == [3 * (1 / 5), 4 * (1 / 5)]  # one division, then multiplications, as embed_documents
    raw = GeminiEmbeddings(model="gemini-embedding-001", normalize=False, **key)
    assert raw.batch_results(job)[1] == [3.0, 4.0]
    bad = GeminiBatchJob.from_json(operation(items=[items[0], {"response": {"embedding": {}}}]))
    with pytest.raises(GeminiResponseValidationError, match="an embedding has no values"):
        embeddings.batch_results(bad)
