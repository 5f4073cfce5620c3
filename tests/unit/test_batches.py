"""Batch jobs without a server: the job handle, result conversion, size limits, names and malformed answers."""

from __future__ import annotations

import asyncio
import json
import pickle
import tempfile
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage

from langchain_gemini import (
    GeminiBatches,
    GeminiBatchItemError,
    GeminiBatchJob,
    GeminiConnectionError,
    GeminiResponseValidationError,
    GeminiServerError,
)
from langchain_gemini._batch_io import JobRequests, indexed_lines
from langchain_gemini.batches import MAX_INLINE_BYTES, batch_name, job_results

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


@pytest.mark.parametrize("where", ["response", "metadata.output"])
def test_results_are_read_from_the_operation_response_or_its_metadata(where: str) -> None:
    # Google's REST sample reads `.response`, google-genai `metadata.output`: an operation with either is read.
    items = [{"response": RESPONSE}, {"response": RESPONSE}]
    body = operation()
    output = {"inlinedResponses": {"inlinedResponses": items}}
    if where == "response":
        body["response"] = {"@type": "type.googleapis.com/x.GenerateContentBatchOutput", **output}
    else:
        body["metadata"]["output"] = output
    job = GeminiBatchJob.from_json(body)
    assert [message.text for message in job_results(job)] == ["Blue.", "Blue."]  # type: ignore[union-attr]
    file_job = GeminiBatchJob.from_json({**operation(), "response": {"responsesFile": "files/out-1"}})
    assert file_job.responses_file == "files/out-1"


def test_a_result_list_of_the_wrong_length_is_refused() -> None:
    job = GeminiBatchJob.from_json(operation(items=[{"response": RESPONSE}]))
    with pytest.raises(GeminiResponseValidationError, match="one per request"):
        list(job_results(job))


def test_no_results_before_success() -> None:
    with pytest.raises(ValueError, match="has no results: it is BATCH_STATE_RUNNING"):
        list(job_results(GeminiBatchJob.from_json(operation("BATCH_STATE_RUNNING"))))


def test_inline_body_keys_each_request_by_index() -> None:
    with JobRequests() as job:
        job.add({"contents": []})
        job.add({"contents": [{"parts": [{"text": "é"}]}]})
        body = job.inline_body("job")
        assert json.loads(body) == {
            "batch": {
                "displayName": "job",
                "inputConfig": {
                    "requests": {
                        "requests": [
                            {"request": {"contents": []}, "metadata": {"key": "0"}},
                            {"request": {"contents": [{"parts": [{"text": "é"}]}]}, "metadata": {"key": "1"}},
                        ]
                    }
                },
            }
        }
        assert job.inline_size("job") == len(body)  # the size rule is decided on the exact bytes sent
        assert job.inline_size(None) == len(job.inline_body(None))
        lines = job.jsonl().read().decode().splitlines()
    # The JSONL form of Google's Batch API docs ("Input file"): a key and a request per line.
    assert [json.loads(line) for line in lines] == [
        {"key": "0", "request": {"contents": []}},
        {"key": "1", "request": {"contents": [{"parts": [{"text": "é"}]}]}},
    ]


def big_request() -> dict[str, Any]:
    return {"contents": [{"parts": [{"text": "x" * (MAX_INLINE_BYTES // 2)}]}]}


def test_submit_limits() -> None:
    batches = GeminiBatches(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(lambda r: 1 / 0)))
    with pytest.raises(ValueError, match="at least one input"):
        batches.submit("gemini-2.5-flash", [])
    with pytest.raises(ValueError, match="exceed the 20971520-byte limit of inline batch jobs"):
        batches.submit("gemini-2.5-flash", [big_request(), big_request()], input_mode="inline")
    with pytest.raises(ValueError, match="input_mode: expected 'auto', 'inline' or 'file', got 'disk'"):
        batches.submit("gemini-2.5-flash", [{"contents": []}], input_mode="disk")  # type: ignore[arg-type]


OPERATION = {"name": "batches/abc", "metadata": {"state": "BATCH_STATE_PENDING", "batchStats": {"requestCount": "2"}}}


def test_over_the_inline_limit_the_requests_go_as_an_uploaded_jsonl_file() -> None:
    sent: list[httpx.Request] = []
    uploaded = bytearray()

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.path == "/upload/v1beta/files" and "upload_id" not in request.url.params:
            headers = {"x-goog-upload-url": "https://generativelanguage.googleapis.com/upload/v1beta/files?upload_id=u"}
            return httpx.Response(200, headers=headers)
        if request.url.path == "/upload/v1beta/files":
            uploaded.extend(request.content)
            last = "finalize" in request.headers["x-goog-upload-command"]
            file = {"name": "files/in1", "mimeType": "application/jsonl", "state": "ACTIVE"}
            status = "final" if last else "active"
            return httpx.Response(200, json={"file": file} if last else None, headers={"x-goog-upload-status": status})
        return httpx.Response(200, json=OPERATION)

    batches = GeminiBatches(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    job = batches.submit("gemini-2.5-flash", iter([big_request(), big_request()]), display_name="big")
    assert job.name == "batches/abc"
    start = sent[0]
    assert start.headers["x-goog-upload-header-content-type"] == "application/jsonl"
    assert json.loads(start.content) == {"file": {"mimeType": "application/jsonl", "displayName": "big requests"}}
    lines = bytes(uploaded).decode().splitlines()
    assert [json.loads(line) for line in lines] == [{"key": str(i), "request": big_request()} for i in range(2)]
    create = sent[-1]
    assert create.url.path == "/v1beta/models/gemini-2.5-flash:batchGenerateContent"
    assert json.loads(create.content) == {"batch": {"displayName": "big", "inputConfig": {"fileName": "files/in1"}}}


def test_small_jobs_go_inline_unless_told_otherwise() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=OPERATION)

    batches = GeminiBatches(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    batches.submit("gemini-2.5-flash", [{"contents": []}])
    assert [r.url.path for r in sent] == ["/v1beta/models/gemini-2.5-flash:batchGenerateContent"]
    body = json.loads(sent[0].content)
    assert body == {
        "batch": {"inputConfig": {"requests": {"requests": [{"request": {"contents": []}, "metadata": {"key": "0"}}]}}}
    }


def result_lines(*lines: bytes) -> list[Any]:
    with tempfile.TemporaryFile() as file:
        file.write(b"\n".join(lines) + b"\n")
        return list(indexed_lines(file, 3))


def test_result_lines_come_back_in_key_order_with_gaps_as_none() -> None:
    later = b'{"response": {"x": 1}, "key": "2"}'  # the key need not come first
    assert result_lines(later, b"", b'{"key":"0","error":{"code":400}}') == [
        {"key": "0", "error": {"code": 400}},
        None,
        {"response": {"x": 1}, "key": "2"},
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"not json", "line 1 is not JSON"),
        (b'{"response": {}}', "line 1 has no key"),
        (b'{"key":"7","response":{}}', "key '7', which is not one of the job's 3 requests"),
        (b'{"key":"a","response":{}}', "key 'a', which is not one of"),
    ],
)
def test_malformed_result_lines_are_validation_errors(line: bytes, message: str) -> None:
    with pytest.raises(GeminiResponseValidationError, match=message):
        result_lines(line)


def test_a_key_answered_twice_is_a_validation_error() -> None:
    with pytest.raises(GeminiResponseValidationError, match="line 2 answers key '1' again"):
        result_lines(b'{"key":"1","response":{}}', b'{"key":"1","response":{}}')


def test_inline_answers_are_put_back_in_key_order() -> None:
    """The service may answer inline jobs out of order (googleapis/python-genai#1909); the echoed key decides."""
    second = {"response": RESPONSE, "metadata": {"key": "1"}}
    first = {"error": {"code": 400, "message": "bad"}, "metadata": {"key": "0"}}
    results = list(job_results(GeminiBatchJob.from_json(operation(items=[second, first]))))
    assert results[0] == GeminiBatchItemError(0, 400, "bad")
    assert isinstance(results[1], AIMessage)


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


FILE_JOB = {
    "name": "batches/abc",
    "done": True,
    "metadata": {
        "model": "models/gemini-2.5-flash",
        "state": "BATCH_STATE_SUCCEEDED",
        "batchStats": {"requestCount": "3", "successfulRequestCount": "2", "failedRequestCount": "1"},
        "output": {"responsesFile": "files/batch-out"},
    },
}


def answer(text: str) -> dict[str, Any]:
    return {
        **RESPONSE,
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
    }


class BrokenBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that breaks after its first piece (a dropped connection mid-download)."""

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"key":"0",'
        raise httpx.ReadError("connection reset")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"key":"0",'
        raise httpx.ReadError("connection reset")


def file_job_handler(seen: list[httpx.Request], broken: bool = False) -> Any:
    lines = [
        {"key": "2", "response": answer("third")},  # out of order, as the service may write them
        {"key": "0", "error": {"code": 429, "message": "quota"}},
        {"key": "1", "response": answer("second")},
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith(":download"):
            if broken:
                return httpx.Response(200, stream=BrokenBody())
            return httpx.Response(200, content="\n".join(json.dumps(line) for line in lines).encode())
        return httpx.Response(200, json=FILE_JOB)

    return handler


def test_a_file_jobs_answers_are_downloaded_and_read_in_input_order() -> None:
    seen: list[httpx.Request] = []
    client = httpx.Client(transport=httpx.MockTransport(file_job_handler(seen)))
    batches = GeminiBatches(api_key="k", http_client=client)
    results = list(batches.results("batches/abc"))
    assert results[0] == GeminiBatchItemError(0, 429, "quota")
    assert [r.text for r in results[1:]] == ["second", "third"]
    download = seen[-1]
    assert str(download.url) == (
        "https://generativelanguage.googleapis.com/download/v1beta/files/batch-out:download?alt=media"
    )
    assert download.headers["x-goog-api-key"] == "k"


def test_async_file_results_are_read_in_input_order() -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(file_job_handler(seen))
    batches = GeminiBatches(api_key="k", http_async_client=httpx.AsyncClient(transport=transport))

    async def go() -> list[Any]:
        return [result async for result in batches.aiter_results("batches/abc")]

    results = asyncio.run(go())
    assert results[0] == GeminiBatchItemError(0, 429, "quota")
    assert [r.text for r in results[1:]] == ["second", "third"]


@pytest.mark.parametrize("sync_call", [True, False], ids=["sync", "async"])
def test_a_download_that_breaks_is_a_connection_error(sync_call: bool) -> None:
    transport = httpx.MockTransport(file_job_handler([], broken=True))
    batches = GeminiBatches(
        api_key="k",
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
        max_retries=0,
    )

    def read() -> list[Any]:
        return list(batches.results("batches/abc")) if sync_call else asyncio.run(batches.aresults("batches/abc"))

    with pytest.raises(GeminiConnectionError, match="connection reset"):
        read()


@pytest.mark.parametrize(("count", "paths"), [(1000, 1), (1001, 3)])
def test_more_than_a_thousand_requests_go_by_file(count: int, paths: int) -> None:
    """An inline job's answers come back whole in its operation: past 1,000 requests the job goes as a file."""
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        if "upload_id" not in request.url.params and request.url.path.startswith("/upload/"):
            return httpx.Response(200, headers={"x-goog-upload-url": f"{request.url}?upload_id=u"})
        if request.url.path.startswith("/upload/"):
            file = {"name": "files/in", "mimeType": "application/jsonl", "state": "ACTIVE"}
            return httpx.Response(200, json={"file": file}, headers={"x-goog-upload-status": "final"})
        return httpx.Response(200, json=OPERATION)

    batches = GeminiBatches(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    batches.submit("gemini-2.5-flash", ({"contents": []} for _ in range(count)))
    assert len(sent) == paths
    assert sent[-1] == "/v1beta/models/gemini-2.5-flash:batchGenerateContent"


@pytest.mark.parametrize("content", [b"", b"<html>oops</html>"])
def test_a_create_answer_that_is_not_json_is_a_validation_error(content: bytes) -> None:
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, content=content)))
    batches = GeminiBatches(api_key="k", http_client=client)
    with pytest.raises(GeminiResponseValidationError, match=r"the operation \(not JSON\)"):
        batches.submit("gemini-2.5-flash", [{"contents": []}])
