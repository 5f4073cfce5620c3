"""The emulator's Files API: the resumable upload protocol, get / list / delete, file states, and files in prompts."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import pytest

from langchain_gemini.testing import FILE_FAILED_TRIGGER, GeminiEmulator
from tests.integration.emulator_helpers import FLASH, ask, generate, rejected

UPLOAD = "/upload/v1beta/files"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n2 0 obj << /Type /Page >> endobj\n%%EOF"


def start(client: httpx.Client, size: int | None, mime: str | None = "application/pdf", **file: Any) -> httpx.Response:
    headers = {"X-Goog-Upload-Protocol": "resumable", "X-Goog-Upload-Command": "start"}
    if size is not None:
        headers["X-Goog-Upload-Header-Content-Length"] = str(size)
    if mime is not None:
        headers["X-Goog-Upload-Header-Content-Type"] = mime
    return client.post(UPLOAD, headers=headers, json={"file": file} if file else None)


def send(client: httpx.Client, url: str, data: bytes, offset: int, command: str = "upload, finalize") -> httpx.Response:
    return client.post(
        url, content=data, headers={"X-Goog-Upload-Command": command, "X-Goog-Upload-Offset": str(offset)}
    )


def upload(client: httpx.Client, data: bytes, mime: str = "application/pdf", **file: Any) -> dict[str, Any]:
    """A whole upload in one chunk; the File."""
    session = start(client, len(data), mime, **file)
    assert session.status_code == 200, session.text
    done = send(client, session.headers["x-goog-upload-url"], data, 0)
    assert done.status_code == 200, done.text
    return done.json()["file"]  # type: ignore[no-any-return]


def file_part(file: dict[str, Any], mime: bool = True) -> dict[str, Any]:
    data = {"fileUri": file["uri"], **({"mimeType": file["mimeType"]} if mime else {})}
    return {"contents": [{"role": "user", "parts": [{"fileData": data}, {"text": "Summarise"}]}]}


# -- the upload protocol -------------------------------------------------------------------------------------------


def test_start_answers_with_a_same_origin_session_url(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    session = start(emu_client, len(PDF), displayName="paper")
    assert session.status_code == 200
    assert session.content == b""
    url = session.headers["x-goog-upload-url"]
    assert url.startswith(f"{emu.base_url}/upload/v1beta/files?upload_id=")
    assert session.headers["x-goog-upload-status"] == "active"
    assert session.headers["x-goog-upload-chunk-granularity"] == "262144"


def test_upload_in_chunks_with_offsets(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    data = bytes(range(256)) * 5
    url = start(emu_client, len(data), "text/plain", displayName="bytes").headers["x-goog-upload-url"]
    first = send(emu_client, url, data[:600], 0, "upload")
    assert first.status_code == 200
    assert first.headers["x-goog-upload-status"] == "active"
    assert first.headers["x-goog-upload-size-received"] == "600"
    query = emu_client.post(url, headers={"X-Goog-Upload-Command": "query"})
    assert query.headers["x-goog-upload-size-received"] == "600"
    last = send(emu_client, url, data[600:], 600)
    assert last.headers["x-goog-upload-status"] == "final"
    file = last.json()["file"]
    assert file["name"].startswith("files/")
    assert len(file["name"]) == len("files/") + 12
    assert file["uri"] == f"{emu.base_url}/v1beta/{file['name']}"
    assert file["sizeBytes"] == str(len(data))  # int64: a string
    assert file["mimeType"] == "text/plain"
    assert file["displayName"] == "bytes"
    assert file["state"] == "ACTIVE"
    assert file["source"] == "UPLOADED"
    assert base64.b64decode(file["sha256Hash"]) == hashlib.sha256(data).digest()
    assert file["createTime"].endswith("Z")
    assert file["expirationTime"] > file["createTime"]
    after = send(emu_client, url, b"x", len(data), "upload")
    assert after.status_code == 400
    assert after.headers["x-goog-upload-status"] == "final"


@pytest.mark.parametrize(
    ("offset", "chunk", "command"),
    [(5, b"abc", "upload"), (0, PDF + b"extra", "upload, finalize"), (0, PDF[:10], "upload, finalize")],
    ids=["wrong-offset", "more-than-declared", "short-at-finalize"],
)
def test_offsets_and_sizes_are_enforced(emu_client: httpx.Client, offset: int, chunk: bytes, command: str) -> None:
    url = start(emu_client, len(PDF)).headers["x-goog-upload-url"]
    response = send(emu_client, url, chunk, offset, command)
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert response.headers["x-goog-upload-status"] == "active"
    received = int(response.headers["x-goog-upload-size-received"])  # kept: a rejected finalize keeps its bytes
    assert send(emu_client, url, PDF[received:], received).status_code == 200  # the session goes on


def test_the_key_starts_an_upload_and_the_upload_url_finishes_it(emu: GeminiEmulator, emu_client: httpx.Client) -> None:
    session = start(emu_client, len(PDF))
    url = session.headers["x-goog-upload-url"]
    # google-genai sends `upload, finalize` without the key: the upload URL is the credential
    anonymous = httpx.post(
        url, content=PDF, headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "0"}
    )
    assert anonymous.status_code == 200, anonymous.text
    assert anonymous.json()["file"]["state"] == "ACTIVE"
    unknown = httpx.post(
        url.replace("upload_id=", "upload_id=x"), content=PDF, headers={"X-Goog-Upload-Command": "upload"}
    )
    assert unknown.status_code == 404
    headers = {"X-Goog-Upload-Protocol": "resumable", "X-Goog-Upload-Command": "start"}
    assert httpx.post(f"{emu.base_url}{UPLOAD}", headers=headers).status_code == 403
    assert httpx.get(f"{emu.base_url}/v1beta/files").status_code == 403


@pytest.mark.parametrize(
    ("headers", "body", "fragment"),
    [
        ({"X-Goog-Upload-Command": "start"}, None, "resumable protocol"),
        ({"X-Goog-Upload-Protocol": "resumable", "X-Goog-Upload-Command": "start"}, None, "MIME type is required"),
        (
            {"X-Goog-Upload-Protocol": "resumable", "X-Goog-Upload-Command": "start"},
            {"file": {"mimeType": "text/plain", "name": "files/Not_Valid"}},
            "Invalid file name",
        ),
        (
            {"X-Goog-Upload-Protocol": "resumable", "X-Goog-Upload-Command": "start"},
            {"file": {"mimeType": "text/plain", "colour": "red"}},
            "Unknown name \"colour\" at 'file'",
        ),
    ],
    ids=["not-resumable", "no-mime-type", "bad-name", "unknown-field"],
)
def test_bad_starts_are_400(
    emu_client: httpx.Client, headers: dict[str, str], body: dict[str, Any] | None, fragment: str
) -> None:
    response = emu_client.post(UPLOAD, headers=headers, json=body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


def test_chosen_names_and_cancel(emu_client: httpx.Client) -> None:
    chosen = upload(emu_client, b"hello", "text/plain", name="files/my-notes-1")
    assert chosen["name"] == "files/my-notes-1"
    again = start(emu_client, 5, "text/plain", name="files/my-notes-1")
    assert again.status_code == 409
    assert again.json()["error"]["status"] == "ALREADY_EXISTS"
    url = start(emu_client, 5, "text/plain").headers["x-goog-upload-url"]
    cancelled = emu_client.post(url, headers={"X-Goog-Upload-Command": "cancel"})
    assert cancelled.headers["x-goog-upload-status"] == "cancelled"
    assert send(emu_client, url, b"hello", 0).status_code == 400


def test_uploads_are_not_held_to_the_20_mb_request_limit(emu_client: httpx.Client) -> None:
    big = bytes(21 * 1024 * 1024)
    assert upload(emu_client, big, "audio/wav")["sizeBytes"] == str(len(big))


def test_metadata_only_create(emu_client: httpx.Client) -> None:
    response = emu_client.post("/v1beta/files", json={"file": {"displayName": "empty", "mimeType": "text/plain"}})
    assert response.status_code == 200
    assert response.json()["file"]["sizeBytes"] == "0"


# -- get, list, delete ---------------------------------------------------------------------------------------------


def test_get_list_delete(emu_client: httpx.Client) -> None:
    names = [upload(emu_client, f"file {i}".encode(), "text/plain")["name"] for i in range(13)]
    got = emu_client.get(f"/v1beta/{names[0]}").json()
    assert got["name"] == names[0]
    first = emu_client.get("/v1beta/files").json()
    assert [f["name"] for f in first["files"]] == names[:10]  # default page size 10
    second = emu_client.get("/v1beta/files", params={"pageToken": first["nextPageToken"]}).json()
    assert [f["name"] for f in second["files"]] == names[10:]
    assert "nextPageToken" not in second
    capped = emu_client.get("/v1beta/files", params={"pageSize": 1000}).json()
    assert len(capped["files"]) == 13  # at most 100 per page
    assert emu_client.get("/v1beta/files", params={"pageToken": "nonsense!"}).status_code == 400
    deleted = emu_client.delete(f"/v1beta/{names[0]}")
    assert deleted.status_code == 200
    assert deleted.json() == {}
    for response in (emu_client.get(f"/v1beta/{names[0]}"), emu_client.delete(f"/v1beta/{names[0]}")):
        assert response.status_code == 403
        error = response.json()["error"]
        assert error["status"] == "PERMISSION_DENIED"
        assert error["message"] == (
            f"You do not have permission to access the File {names[0][6:]} or it may not exist."
        )


def test_empty_list_is_an_empty_object(emu_client: httpx.Client) -> None:
    assert emu_client.get("/v1beta/files").json() == {}


# -- states ----------------------------------------------------------------------------------------------------------


def test_videos_process_for_the_configured_number_of_gets(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    emu.configure(file_processing_polls=2)
    video = upload(emu_client, bytes(1000), "video/mp4")
    assert video["state"] == "PROCESSING"
    assert rejected(emu_client, file_part(video))["status"] == "FAILED_PRECONDITION"
    states = [emu_client.get(f"/v1beta/{video['name']}").json()["state"] for _ in range(3)]
    assert states == ["PROCESSING", "PROCESSING", "ACTIVE"]
    active = emu_client.get(f"/v1beta/{video['name']}").json()
    assert active["videoMetadata"] == {"videoDuration": "1s"}
    assert emu.files[0]["state"] == "ACTIVE"  # reading the registry does not poll


def test_failed_files_by_display_name_and_by_control(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    emu.configure(file_processing_polls=0)
    doomed = upload(emu_client, PDF, displayName=f"paper {FILE_FAILED_TRIGGER}")
    assert doomed["state"] == "PROCESSING"
    failed = emu_client.get(f"/v1beta/{doomed['name']}").json()
    assert failed["state"] == "FAILED"
    assert failed["error"]["message"]
    fine = upload(emu_client, PDF)
    forced = emu.set_file_state(fine["name"], "FAILED", message="bad codec")
    assert forced["error"] == {"code": 13, "message": "bad codec"}
    for file in (doomed, fine):
        error = rejected(emu_client, file_part(file))
        assert error["status"] == "FAILED_PRECONDITION"
        assert error["message"] == (f"The File {file['name'][6:]} is not in an ACTIVE state and usage is not allowed.")
    emu.set_file_state(fine["name"], "ACTIVE")
    assert generate(emu_client, file_part(fine))["candidates"]
    with pytest.raises(ValueError, match="PROCESSING, ACTIVE or FAILED"):
        emu.set_file_state(fine["name"], "GONE")
    with pytest.raises(KeyError):
        emu.set_file_state("files/nothing", "ACTIVE")


# -- files in prompts ------------------------------------------------------------------------------------------------


def test_files_are_used_and_counted_as_uploaded(emu_client: httpx.Client) -> None:
    pdf = upload(emu_client, PDF)
    answer = generate(emu_client, file_part(pdf, mime=False))  # the File knows its type
    details = answer["usageMetadata"]["promptTokensDetails"]
    assert {"modality": "DOCUMENT", "tokenCount": 2 * 258} in details  # two pages
    counted = emu_client.post(f"/v1beta/models/{FLASH}:countTokens", json=file_part(pdf)).json()
    assert {"modality": "DOCUMENT", "tokenCount": 516} in counted["promptTokensDetails"]
    bare = {"contents": [{"parts": [{"fileData": {"fileUri": pdf["name"]}}, {"text": "hi"}]}]}
    assert generate(emu_client, bare)["candidates"]


def test_missing_files_in_prompts_are_403(emu_client: httpx.Client) -> None:
    gone = upload(emu_client, PDF)
    emu_client.delete(f"/v1beta/{gone['name']}")
    error = rejected(emu_client, file_part(gone), status=403)
    assert error["message"] == f"You do not have permission to access the File {gone['name'][6:]} or it may not exist."
    count = emu_client.post(f"/v1beta/models/{FLASH}:countTokens", json=file_part(gone))
    assert count.status_code == 403


def test_unsupported_uploaded_type_is_refused_when_used(emu_client: httpx.Client) -> None:
    gif = upload(emu_client, b"GIF89a", "image/gif")  # uploads accept anything
    assert rejected(emu_client, file_part(gif, mime=False))["message"] == "Unsupported MIME type: image/gif"


def test_reset_forgets_files(emu_client: httpx.Client, emu: GeminiEmulator) -> None:
    upload(emu_client, PDF)
    emu.reset()
    assert emu.files == []
    assert generate(emu_client, ask("still works"))["candidates"]
