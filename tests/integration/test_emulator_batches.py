"""The emulator's Batch API: create (inline or from a JSONL file), the job states, results in order (inline or in a
downloadable result file), cancel, delete, list."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from langchain_gemini.testing._batches import BATCH_EXPIRED_TRIGGER, BATCH_FAILED_TRIGGER
from tests.integration.emulator_helpers import FLASH

CREATE = f"/v1beta/models/{FLASH}:batchGenerateContent"


def item(text: str, key: str) -> dict[str, Any]:
    return {"request": {"contents": [{"role": "user", "parts": [{"text": text}]}]}, "metadata": {"key": key}}


def submit(client: httpx.Client, items: list[dict[str, Any]], name: str = "job") -> dict[str, Any]:
    body = {"batch": {"displayName": name, "inputConfig": {"requests": {"requests": items}}}}
    response = client.post(CREATE, json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def poll(client: httpx.Client, name: str) -> dict[str, Any]:
    response = client.get(f"/v1beta/{name}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_job_goes_pending_running_succeeded(emu_client: httpx.Client) -> None:
    bad = {"request": {"contents": [{"role": "user", "parts": []}]}}
    job = submit(emu_client, [item("One", "a"), bad, item("Three", "c")])
    assert job["name"].startswith("batches/")
    assert job["metadata"]["state"] == "BATCH_STATE_PENDING"
    assert job["metadata"]["model"] == f"models/{FLASH}"
    assert job["metadata"]["batchStats"] == {"requestCount": "3", "pendingRequestCount": "3"}
    assert "done" not in job
    states = [poll(emu_client, job["name"])["metadata"]["state"] for _ in range(3)]
    assert states == ["BATCH_STATE_PENDING", "BATCH_STATE_RUNNING", "BATCH_STATE_SUCCEEDED"]
    done = poll(emu_client, job["name"])
    assert done["done"] is True
    assert done["metadata"]["batchStats"] == {
        "requestCount": "3",
        "successfulRequestCount": "2",
        "failedRequestCount": "1",
    }
    results = done["metadata"]["output"]["inlinedResponses"]["inlinedResponses"]
    assert done["response"] == {
        "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatchOutput",
        **done["metadata"]["output"],
    }
    assert [r["metadata"]["key"] for r in results if "metadata" in r] == ["a", "c"]
    assert 'One"' in results[0]["response"]["candidates"][0]["content"]["parts"][0]["text"]
    assert results[1]["error"]["code"] == 400
    assert "contents.parts must not be empty" in results[1]["error"]["message"]
    assert "Three" in results[2]["response"]["candidates"][0]["content"]["parts"][0]["text"]


@pytest.mark.parametrize(
    ("trigger", "state"), [(BATCH_FAILED_TRIGGER, "BATCH_STATE_FAILED"), (BATCH_EXPIRED_TRIGGER, "BATCH_STATE_EXPIRED")]
)
def test_failed_and_expired_jobs(emu_client: httpx.Client, trigger: str, state: str) -> None:
    job = submit(emu_client, [item("One", "a")], name=f"job {trigger}")
    for _ in range(3):
        done = poll(emu_client, job["name"])
    assert done["metadata"]["state"] == state
    assert "output" not in done["metadata"]
    assert ("error" in done) is (state == "BATCH_STATE_FAILED")


def test_cancel_delete_and_list(emu_client: httpx.Client) -> None:
    first, second = submit(emu_client, [item("One", "a")]), submit(emu_client, [item("Two", "b")])
    assert emu_client.post(f"/v1beta/{first['name']}:cancel").json() == {}
    cancelled = poll(emu_client, first["name"])
    assert cancelled["metadata"]["state"] == "BATCH_STATE_CANCELLED"
    assert cancelled["done"] is True
    page = emu_client.get("/v1beta/batches", params={"pageSize": 1}).json()
    assert [op["name"] for op in page["operations"]] == [first["name"]]
    rest = emu_client.get("/v1beta/batches", params={"pageToken": page["nextPageToken"]}).json()
    assert [op["name"] for op in rest["operations"]] == [second["name"]]
    assert emu_client.delete(f"/v1beta/{first['name']}").json() == {}
    assert emu_client.get(f"/v1beta/{first['name']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "batch is required"),
        ({"batch": {"inputConfig": {}}}, "input_config is required"),
        ({"batch": {"inputConfig": {"requests": {"requests": []}}}}, "must not be empty"),
        ({"batch": {"inputConfig": {"requests": {"requests": [{"metadata": {}}]}}}}, "requests[0].request is required"),
        ({"batch": {"inputConfig": {"fileName": "abc"}}}, "must be a file name (files/<id>)"),
    ],
)
def test_bad_jobs_are_refused(emu_client: httpx.Client, body: dict[str, Any], message: str) -> None:
    response = emu_client.post(CREATE, json=body)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_embedding_batch(emu_client: httpx.Client) -> None:
    request = {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "Rain falls."}]}}
    body = {"batch": {"inputConfig": {"requests": {"requests": [{"request": request}]}}}}
    created = emu_client.post("/v1beta/models/gemini-embedding-001:asyncBatchEmbedContent", json=body)
    assert created.status_code == 200, created.text
    assert created.json()["metadata"]["@type"].endswith("EmbedContentBatch")
    for _ in range(3):
        done = poll(emu_client, created.json()["name"])
    assert done["metadata"]["state"] == "BATCH_STATE_SUCCEEDED"
    [result] = done["metadata"]["output"]["inlinedResponses"]["inlinedResponses"]
    direct = emu_client.post("/v1beta/models/gemini-embedding-001:embedContent", json=request).json()
    assert result == {"response": direct}
    refused = emu_client.post(f"/v1beta/models/{FLASH}:asyncBatchEmbedContent", json=body)
    assert refused.status_code == 404
    assert "not supported for asyncBatchEmbedContent" in refused.json()["error"]["message"]


def upload(client: httpx.Client, data: bytes, mime: str = "jsonl") -> str:
    """Upload with the resumable protocol, as google-genai does (Google's sample passes mime_type 'jsonl')."""
    start = {
        "x-goog-upload-protocol": "resumable",
        "x-goog-upload-command": "start",
        "x-goog-upload-header-content-length": str(len(data)),
        "x-goog-upload-header-content-type": mime,
    }
    url = client.post("/upload/v1beta/files", json={"file": {"displayName": "in"}}, headers=start).headers[
        "x-goog-upload-url"
    ]
    done = client.post(
        url, content=data, headers={"x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0"}
    )
    return str(done.json()["file"]["name"])


def test_a_file_job_answers_in_a_downloadable_result_file(emu_client: httpx.Client, emu: Any) -> None:
    lines = [
        {
            "key": "request-1",
            "request": {"contents": [{"parts": [{"text": "One"}]}], "generation_config": {"temperature": 0.7}},
        },
        {"key": "request-2", "request": {"contents": [{"role": "user", "parts": []}]}},
    ]
    source = upload(emu_client, "\n".join(json.dumps(line) for line in lines).encode())
    # Google's REST sample writes the input config in snake_case.
    response = emu_client.post(CREATE, json={"batch": {"display_name": "f", "input_config": {"file_name": source}}})
    assert response.status_code == 200, response.text
    name = response.json()["name"]
    for _ in range(3):
        done = poll(emu_client, name)
    assert done["metadata"]["state"] == "BATCH_STATE_SUCCEEDED"
    results_file = done["metadata"]["output"]["responsesFile"]
    assert done["response"]["responsesFile"] == results_file
    assert "inlinedResponses" not in done["metadata"]["output"]
    assert done["metadata"]["batchStats"] == {
        "requestCount": "2",
        "successfulRequestCount": "1",
        "failedRequestCount": "1",
    }
    resource = emu_client.get(f"/v1beta/{results_file}").json()
    assert resource["source"] == "GENERATED"
    assert resource["downloadUri"].endswith(f"/download/v1beta/{results_file}:download?alt=media")
    for path in (f"/download/v1beta/{results_file}:download", f"/v1beta/{results_file}:download"):
        got = emu_client.get(path, params={"alt": "media"})
        assert got.status_code == 200
        answers = [json.loads(line) for line in got.text.splitlines()]
        assert [a["key"] for a in answers] == ["request-1", "request-2"]
        assert '"One"' in answers[0]["response"]["candidates"][0]["content"]["parts"][0]["text"]
        assert answers[1]["error"]["code"] == 400
        assert set(answers[1]) == {"key", "error"}
    assert emu_client.get(f"/download/v1beta/{results_file}:download").status_code == 400  # alt=media is needed
    refused = emu_client.get(f"/download/v1beta/{source}:download", params={"alt": "media"})
    assert refused.status_code == 400
    assert "Only generated files can be downloaded" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("data", "mime", "message"),
    [
        (b'{"key": "a", "request": {}}\nnot json\n', "jsonl", "line 2: not valid JSON"),
        (b'{"key": "a"}\n', "jsonl", "line 1: each line needs a request object"),
        (b'{"key": 1, "request": {}}\n', "jsonl", "line 1: key must be a string"),
        (b"\n\n", "jsonl", "holds no requests"),
        (b"\x89PNG\r\n\x1a\n", "image/png", "is not a JSON Lines file of requests"),
    ],
)
def test_bad_input_files_are_refused(emu_client: httpx.Client, data: bytes, mime: str, message: str) -> None:
    source = upload(emu_client, data, mime)
    response = emu_client.post(CREATE, json={"batch": {"inputConfig": {"fileName": source}}})
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_a_missing_input_file_is_403(emu_client: httpx.Client) -> None:
    response = emu_client.post(CREATE, json={"batch": {"inputConfig": {"fileName": "files/nothere"}}})
    assert response.status_code == 403
    assert "files/nothere or it may not exist" in response.json()["error"]["message"]
