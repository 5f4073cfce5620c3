"""Emulator faults, scripted answers, responders, records, statistics and the standalone control plane."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from langchain_gemini.testing import Fault, GeminiEmulator, RecordedRequest
from tests.integration.emulator_helpers import FLASH, ask

GENERATE = f"/v1beta/models/{FLASH}:generateContent"
STREAM = f"/v1beta/models/{FLASH}:streamGenerateContent"
ROOT = Path(__file__).resolve().parents[2]


def sse_blocks(raw: bytes) -> list[bytes]:
    return [b for b in raw.split(b"\r\n\r\n") if b]


# --- faults ---------------------------------------------------------------------------------------------------


def test_status_fault_with_retry_info_and_quota_failure(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    emu.inject(Fault(status=429, retry_delay="23s", quota_id="GenerateRequestsPerMinutePerProjectPerModel-FreeTier"))
    response = emu_client.post(GENERATE, json=ask())
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["message"].startswith("You exceeded your current quota")
    assert error["message"].endswith("\nPlease retry in 23s.")
    types = [d["@type"].rsplit(".", 1)[-1] for d in error["details"]]
    assert types == ["Help", "QuotaFailure", "RetryInfo"]
    assert error["details"][-1]["retryDelay"] == "23s"
    violation = error["details"][1]["violations"][0]
    assert violation["quotaId"] == "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"
    assert violation["quotaDimensions"]["model"] == FLASH
    assert "retry-after" not in response.headers  # Google sends none on 429 (RetryInfo only)
    assert emu_client.post(GENERATE, json=ask()).status_code == 200  # times=1: consumed


@pytest.mark.parametrize(
    ("status", "name", "message"),
    [
        (500, "INTERNAL", "An internal error has occurred"),
        (503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
        (504, "DEADLINE_EXCEEDED", "Deadline expired"),
        (403, "PERMISSION_DENIED", "The service encountered an error."),
    ],
)
def test_status_faults_use_googles_names(
    emu_client: httpx.Client, emu: GeminiEmulator, status: int, name: str, message: str
) -> None:
    emu.inject(Fault(status=status, headers={"Retry-After": "3"}))
    response = emu_client.post(GENERATE, json=ask())
    assert response.status_code == status
    assert response.json()["error"]["status"] == name
    assert response.json()["error"]["message"].startswith(message)
    assert response.headers["retry-after"] == "3"


def test_fault_times_method_and_model_filters(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    emu.inject(Fault(status=500, times=2, method="streamGenerateContent"))
    emu.inject(Fault(status=503, times=None, model="gemini-2.0-flash"))
    assert emu_client.post(GENERATE, json=ask()).status_code == 200
    assert [emu_client.post(STREAM, json=ask(), params={"alt": "sse"}).status_code for _ in range(3)] == [500, 500, 200]
    other = "/v1beta/models/gemini-2.0-flash:generateContent"
    assert [emu_client.post(other, json=ask()).status_code for _ in range(3)] == [503, 503, 503]
    emu.reset()
    assert emu_client.post(other, json=ask()).status_code == 200


def test_raw_body_fault_like_a_proxy(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    emu.inject(Fault(status=502, body="<html><body>Bad Gateway</body></html>"))
    response = emu_client.post(GENERATE, json=ask())
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == "<html><body>Bad Gateway</body></html>"


def test_drop_closes_the_connection_without_an_answer(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    emu.inject(Fault(kind="drop"))
    with pytest.raises(httpx.RemoteProtocolError):
        emu_client.post(GENERATE, json=ask())
    assert emu_client.post(GENERATE, json=ask()).status_code == 200
    assert emu.stats.requests_served == 2


def test_delay_fault_and_latency_hold_the_answer(emu: GeminiEmulator) -> None:
    emu.inject(Fault(kind="delay", delay=2.0))
    with httpx.Client(base_url=emu.base_url, headers={"x-goog-api-key": "k"}, timeout=0.2) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            impatient.post(GENERATE, json=ask())
        emu.configure(latency=2.0)
        with pytest.raises(httpx.ReadTimeout):
            impatient.post(GENERATE, json=ask())
        emu.configure(latency=0)
        assert impatient.post(GENERATE, json=ask()).status_code == 200


def test_mid_stream_error_after_n_events(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    emu.inject(Fault(kind="mid_stream_error", after_events=2, status=500))
    response = emu_client.post(STREAM, json=ask(), params={"alt": "sse"})
    assert response.status_code == 200
    blocks = sse_blocks(response.content)
    assert len(blocks) == 3
    assert all(b.startswith(b"data: ") for b in blocks)
    assert json.loads(blocks[-1][len(b"data: ") :])["error"]["code"] == 500
    assert all("finishReason" not in b.decode() for b in blocks[:2])


def test_mid_stream_raw_error_block_without_data_prefix(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    emu.inject(Fault(kind="mid_stream_raw_error", after_events=1, status=503))
    raw = emu_client.post(STREAM, json=ask(), params={"alt": "sse"}).content
    first, _, rest = raw.partition(b"\r\n\r\n")
    assert first.startswith(b"data: {")
    assert rest.startswith(b'{\n  "error": {\n    "code": 503,')  # vercel/ai#5217: pretty-printed, no "data:"
    assert json.loads(rest)["error"]["status"] == "UNAVAILABLE"


def test_truncated_stream_has_no_finish_reason(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    emu.inject(Fault(kind="truncate_stream", after_events=2))
    blocks = sse_blocks(emu_client.post(STREAM, json=ask(), params={"alt": "sse"}).content)
    assert len(blocks) == 2
    assert b"finishReason" not in b"".join(blocks)
    emu.inject(Fault(kind="truncate_stream", after_events=50))  # more than the stream has: last event stripped
    blocks = sse_blocks(emu_client.post(STREAM, json=ask(), params={"alt": "sse"}).content)
    assert len(blocks) == 4
    assert b"finishReason" not in b"".join(blocks)
    emu.inject(Fault(kind="truncate_stream", after_events=1))
    array = emu_client.post(STREAM, json=ask()).text
    assert len(json.loads(array)) == 1


def test_malformed_json_is_a_200_with_a_broken_body(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    emu.inject(Fault(kind="malformed_json"))
    response = emu_client.post(GENERATE, json=ask())
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()
    emu.inject(Fault(kind="malformed_json", method="streamGenerateContent"))
    (block,) = sse_blocks(emu_client.post(STREAM, json=ask(), params={"alt": "sse"}).content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(block[len(b"data: ") :])


def test_unknown_fault_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault(kind="explode")  # type: ignore[arg-type]


# --- scripted answers and responders --------------------------------------------------------------------------


def test_enqueue_answers_in_order_and_honours_the_method(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    first = {"candidates": [{"content": {"role": "model", "parts": [{"text": "first"}]}, "finishReason": "STOP"}]}
    second = {"candidates": [{"content": {"role": "model", "parts": [{"text": "second"}]}, "finishReason": "STOP"}]}
    emu.enqueue(first, method="streamGenerateContent")
    emu.enqueue(second)
    assert emu_client.post(GENERATE, json=ask()).json() == second
    streamed = sse_blocks(emu_client.post(STREAM, json=ask(), params={"alt": "sse"}).content)
    pieces = [json.loads(b[len(b"data: ") :])["candidates"][0]["content"]["parts"][0]["text"] for b in streamed]
    assert pieces == ["fi", "r", "s", "t"]  # one word, four events: split by characters
    assert "Emulated reply" in emu_client.post(GENERATE, json=ask()).text  # queue empty: defaults again


def test_scripted_error_and_validation_still_applies(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    emu.enqueue({"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}})
    assert emu_client.post(GENERATE, json={"contents": []}).status_code == 400  # invalid requests never reach scripts
    response = emu_client.post(GENERATE, json=ask())
    assert response.status_code == 429
    assert response.json()["error"]["message"] == "slow down"


def test_responders_first_answer_wins_and_none_falls_through(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    seen: list[RecordedRequest] = []

    def spy(request: RecordedRequest) -> None:
        seen.append(request)

    def cats(request: RecordedRequest) -> dict[str, Any] | None:
        if "cat" in json.dumps(request.json):
            return {"candidates": [{"content": {"role": "model", "parts": [{"text": "meow"}]}, "finishReason": "STOP"}]}
        return None

    def embeddings(request: RecordedRequest) -> dict[str, Any] | None:
        return {"embedding": {"values": [1.0, 0.0]}} if request.action == "embedContent" else None

    for responder in (spy, cats, embeddings):
        emu.add_responder(responder)
    assert emu_client.post(GENERATE, json=ask("a cat")).json()["candidates"][0]["content"]["parts"][0]["text"] == "meow"
    assert "Emulated reply" in emu_client.post(GENERATE, json=ask("a dog")).text
    embedded = emu_client.post(
        "/v1beta/models/gemini-embedding-001:embedContent", json={"content": {"parts": [{"text": "x"}]}}
    )
    assert embedded.json() == {"embedding": {"values": [1.0, 0.0]}}
    assert [r.action for r in seen] == ["generateContent", "generateContent", "embedContent"]
    assert seen[0].model == FLASH


def test_crashing_responder_is_a_500_not_a_hang(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    emu.add_responder(lambda request: 1 / 0)  # type: ignore[arg-type,return-value]
    response = emu_client.post(GENERATE, json=ask())
    assert response.status_code == 500
    assert "ZeroDivisionError" in response.json()["error"]["message"]


# --- records, statistics, reset ---------------------------------------------------------------------------


def test_requests_are_recorded_as_sent(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    body = {"contents": [{"parts": [{"text": "hi"}]}], "generation_config": {"temperature": 0.5}}
    emu_client.post(STREAM, json=body, params={"alt": "sse"}, headers={"X-Custom": "yes"})
    (record,) = emu.requests
    assert record.method == "POST"
    assert record.path == STREAM
    assert record.query == {"alt": "sse"}
    assert record.headers["x-custom"] == "yes"
    assert record.headers["x-goog-api-key"] == "test-key"
    assert record.json == body  # snake_case kept: the record is what the client sent
    assert record.action == "streamGenerateContent"


def test_connections_and_requests_are_counted(emu: GeminiEmulator) -> None:
    with httpx.Client(base_url=emu.base_url, headers={"x-goog-api-key": "k"}) as one:
        for _ in range(3):
            one.post(GENERATE, json=ask())
    with httpx.Client(base_url=emu.base_url, headers={"x-goog-api-key": "k"}) as two:
        two.get("/v1beta/models")
        two.get("/_emulator/stats")  # control-plane traffic is not counted
    assert emu.stats.connections_opened == 2
    assert emu.stats.requests_served == 4


def test_reset_clears_everything_but_configuration(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    emu.configure(stream_events=7)
    emu.enqueue({"candidates": []})
    emu.inject(Fault(status=500))
    emu.add_responder(lambda request: {"candidates": []})
    emu_client.post(GENERATE, json=ask())  # consumes the fault
    emu.inject(Fault(status=500))
    emu.reset()
    assert emu.requests == []
    assert emu.stats.requests_served == 0
    assert emu.stats.connections_opened == 0
    answer = emu_client.post(GENERATE, json=ask()).json()
    assert "Emulated reply" in json.dumps(answer)
    events = emu_client.post(STREAM, json=ask(), params={"alt": "sse"}).content
    assert len(sse_blocks(events)) == 7


def test_base_url_before_start_and_restart_protection() -> None:
    emulator = GeminiEmulator()
    with pytest.raises(RuntimeError):
        _ = emulator.base_url
    emulator.start()
    try:
        with pytest.raises(RuntimeError):
            emulator.start()
        assert emulator.base_url.startswith("http://127.0.0.1:")
    finally:
        emulator.stop()
    emulator.stop()  # idempotent


# --- the standalone process and its control plane ---------------------------------------------------------


@pytest.fixture(scope="module")
def standalone() -> Iterator[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [
        sys.executable,
        "-m",
        "langchain_gemini.testing",
        "--port",
        "0",
        "--latency-ms",
        "0",
        "--api-key",
        "ci-key",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("GEMINI_EMULATOR_URL=http://127.0.0.1:"), (
            process.stderr.read() if process.stderr else line
        )
        yield line.split("=", 1)[1]
    finally:
        process.terminate()
        process.communicate(timeout=10)  # waits, and closes the pipes
    assert process.returncode == 0


def test_control_plane_of_a_standalone_emulator(standalone: str) -> None:
    with httpx.Client(base_url=standalone, timeout=30) as control:
        assert control.post("/_emulator/reset").json() == {}
        config = control.post("/_emulator/config", json={"latency": 0, "stream_events": 3}).json()
        assert config == {"latency": 0.0, "stream_events": 3, "file_processing_polls": 1, "token_lifetime": 3600}
        assert control.post("/_emulator/faults", json=[{"status": 503}, {"kind": "delay", "delay": 0}]).json() == {
            "faults": 2
        }
        api = httpx.Client(base_url=standalone, headers={"x-goog-api-key": "ci-key"}, timeout=30)
        with api:
            assert api.post(GENERATE, json=ask()).status_code == 503
            assert api.post(GENERATE, json=ask()).status_code == 200
            streamed = api.post(STREAM, json=ask(), params={"alt": "sse"}).content
            assert len(sse_blocks(streamed)) == 3
            control.post("/_emulator/responses", json={"response": {"candidates": [{"finishReason": "STOP"}]}})
            assert api.post(GENERATE, json=ask()).json() == {"candidates": [{"finishReason": "STOP"}]}
            wrong = api.post(GENERATE, json=ask(), headers={"x-goog-api-key": "other"})
            assert wrong.json()["error"]["details"][0]["reason"] == "API_KEY_INVALID"
        assert control.get("/_emulator/stats").json() == {
            "connections_opened": 1,
            "requests_served": 5,
            "token_requests": 0,
        }
        records = control.get("/_emulator/requests").json()["requests"]
        assert [r["action"] for r in records] == ["generateContent"] * 2 + ["streamGenerateContent"] + [
            "generateContent"
        ] * 2
        assert records[0]["json"] == ask()
        assert control.post("/_emulator/faults", json={"kind": "nope"}).status_code == 400
        assert control.post("/_emulator/config", json={"latency": -1}).status_code == 400
        assert control.get("/_emulator/nothing").status_code == 404
        control.post("/_emulator/reset")
        assert control.get("/_emulator/stats").json() == {
            "connections_opened": 0,
            "requests_served": 0,
            "token_requests": 0,
        }


def test_files_through_a_standalone_control_plane(standalone: str) -> None:
    with httpx.Client(base_url=standalone, timeout=30) as control:
        control.post("/_emulator/reset")
        assert control.post("/_emulator/config", json={"file_processing_polls": 0}).json()["file_processing_polls"] == 0
        api = httpx.Client(base_url=standalone, headers={"x-goog-api-key": "ci-key"}, timeout=30)
        with api:
            start = api.post(
                "/upload/v1beta/files",
                headers={
                    "X-Goog-Upload-Protocol": "resumable",
                    "X-Goog-Upload-Command": "start",
                    "X-Goog-Upload-Header-Content-Length": "3",
                    "X-Goog-Upload-Header-Content-Type": "text/plain",
                },
                json={"file": {"displayName": "abc"}},
            )
            url = start.headers["x-goog-upload-url"]
            done = api.post(
                url, content=b"abc", headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "0"}
            )
            name = done.json()["file"]["name"]
            assert [f["name"] for f in control.get("/_emulator/files").json()["files"]] == [name]
            forced = control.post("/_emulator/files/state", json={"name": name, "state": "FAILED", "message": "bad"})
            assert forced.json()["error"] == {"code": 13, "message": "bad"}
            assert api.get(f"/v1beta/{name}").json()["state"] == "FAILED"
            assert (
                control.post("/_emulator/files/state", json={"name": "files/none", "state": "ACTIVE"}).status_code
                == 400
            )
            assert control.post("/_emulator/config", json={"file_processing_polls": -1}).status_code == 400
        control.post("/_emulator/reset")
        assert control.get("/_emulator/files").json() == {"files": []}
