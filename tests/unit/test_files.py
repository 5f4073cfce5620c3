"""GeminiFiles (Files API) and automatic uploads of large media, against a scripted server (no sockets)."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage

from langchain_gemini import (
    GeminiBadRequestError,
    GeminiFile,
    GeminiFileError,
    GeminiFiles,
    GeminiFileTimeoutError,
    GeminiResponseValidationError,
)
from langchain_gemini import files as files_module
from tests.fixtures import media
from tests.fixtures.fake_files import BASE, FAKE_KEY, FakeFilesAPI


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Polling sleeps advance a fake clock instead of waiting; returns the recorded sleeps."""
    now = [1000.0]
    slept: list[float] = []

    def sleep(delay: float) -> None:
        slept.append(delay)
        now[0] += delay

    async def asleep(delay: float) -> None:
        sleep(delay)

    monkeypatch.setattr(files_module, "_sleep", sleep)
    monkeypatch.setattr(files_module, "_asleep", asleep)
    monkeypatch.setattr(files_module, "_monotonic", lambda: now[0])
    return slept


def run(sync: bool, files: GeminiFiles, method: str, *args: Any, **kwargs: Any) -> Any:
    if sync:
        return getattr(files, method)(*args, **kwargs)
    async_name = "await_until_active" if method == "wait_until_active" else f"a{method}"
    return asyncio.run(getattr(files, async_name)(*args, **kwargs))


@pytest.fixture(params=[True, False], ids=["sync", "async"])
def sync(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


# -- upload ------------------------------------------------------------------------------------------------------


def test_upload_bytes_uses_the_resumable_protocol(sync: bool) -> None:
    api = FakeFilesAPI()
    data = media.pdf()
    file = run(sync, api.files_client(), "upload", data, display_name="report")
    start, chunk = api.requests
    assert start.method == "POST"
    assert start.url == f"{BASE}/upload/v1beta/files"
    assert start.headers["x-goog-upload-protocol"] == "resumable"
    assert start.headers["x-goog-upload-command"] == "start"
    assert start.headers["x-goog-upload-header-content-length"] == str(len(data))
    assert start.headers["x-goog-upload-header-content-type"] == "application/pdf"
    assert start.headers["x-goog-api-key"] == FAKE_KEY
    assert json.loads(start.content) == {"file": {"mimeType": "application/pdf", "displayName": "report"}}
    assert chunk.headers["x-goog-upload-command"] == "upload, finalize"
    assert chunk.headers["x-goog-upload-offset"] == "0"
    assert chunk.headers["x-goog-api-key"] == FAKE_KEY  # same origin as the API
    assert "key=" not in str(chunk.url)
    assert chunk.content == data
    assert isinstance(file, GeminiFile)
    assert file.name == "files/f1"
    assert file.uri == f"{BASE}/v1beta/files/f1"
    assert file.mime_type == "application/pdf"
    assert file.size_bytes == len(data)  # int64 arrives as a JSON string
    assert file.state == "ACTIVE"
    assert file.display_name == "report"
    assert file.raw["sha256Hash"]
    assert api.contents["files/f1"] == data


def test_upload_in_chunks_rounded_to_the_server_granularity(sync: bool, tmp_path: Any) -> None:
    api = FakeFilesAPI(granularity=4)
    data = bytes(range(30)) + media.png()
    path = tmp_path / "picture.png"
    path.write_bytes(data)
    file = run(sync, api.files_client(), "upload", path, chunk_size=10)
    chunks = api.uploads()[1:]
    assert [c.headers["x-goog-upload-offset"] for c in chunks] == [str(n) for n in range(0, len(data), 12)]
    assert [len(c.content) for c in chunks[:-1]] == [12] * (len(chunks) - 1)  # 10 rounded up to 12
    assert [c.headers["x-goog-upload-command"] for c in chunks] == ["upload"] * (len(chunks) - 1) + ["upload, finalize"]
    assert api.contents[file.name] == data
    assert file.mime_type == "image/png"  # from the file name


def test_upload_file_object_from_its_current_position(sync: bool) -> None:
    api = FakeFilesAPI()
    stream = io.BytesIO(b"junk" + media.wav())
    stream.seek(4)
    file = run(sync, api.files_client(), "upload", stream, name="my-clip")
    assert api.contents["files/my-clip"] == media.wav()
    assert file.mime_type == "audio/wav"  # sniffed, and given Gemini's name for it
    assert json.loads(api.requests[0].content)["file"]["name"] == "files/my-clip"


def test_upload_unseekable_stream(sync: bool) -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer: Any) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    api = FakeFilesAPI()
    file = run(sync, api.files_client(), "upload", io.BufferedReader(Pipe(media.mp4())))
    assert file.mime_type == "video/mp4"
    assert api.contents[file.name] == media.mp4()


def test_upload_mime_type_given_wins_and_is_not_restricted() -> None:
    api = FakeFilesAPI()
    file = api.files_client().upload(b'{"key": 1}\n', mime_type="jsonl")  # the Batch API uploads such files
    assert file.mime_type == "jsonl"


@pytest.mark.parametrize(
    ("source", "error", "match"),
    [
        (b"", ValueError, "empty"),
        (b"just some bytes", ValueError, "MIME type"),
        (12, TypeError, "cannot upload a int"),
    ],
)
def test_upload_rejects_bad_sources_before_any_request(source: Any, error: type[Exception], match: str) -> None:
    api = FakeFilesAPI()
    with pytest.raises(error, match=match):
        api.files_client().upload(source)
    assert api.requests == []


def test_upload_session_url_is_moved_onto_the_base_url_origin() -> None:
    # Behind a proxy base_url differs from the host Google names; the key must only go to base_url.
    api = FakeFilesAPI(base="http://proxy.internal:8080", upload_base="https://uploads.example.com")
    api.files_client(base_url="http://proxy.internal:8080").upload(media.png())
    start, chunk = api.requests
    assert str(start.url) == "http://proxy.internal:8080/upload/v1beta/files"
    assert chunk.url.scheme == "http"
    assert (chunk.url.host, chunk.url.port) == ("proxy.internal", 8080)
    assert chunk.url.params["upload_id"] == "u0"
    assert chunk.headers["x-goog-api-key"] == FAKE_KEY


def test_upload_without_session_url_fails_clearly() -> None:
    api = FakeFilesAPI(on_request=lambda request: httpx.Response(200, json={}))
    with pytest.raises(GeminiResponseValidationError, match="X-Goog-Upload-URL"):
        api.files_client().upload(media.png())


def test_upload_session_that_ends_early_fails_clearly() -> None:
    api = FakeFilesAPI(granularity=4)

    def final_too_soon(request: httpx.Request) -> httpx.Response | None:
        if request.headers.get("x-goog-upload-command") == "upload":
            return httpx.Response(200, headers={"x-goog-upload-status": "final"})
        return None

    api.on_request = final_too_soon
    with pytest.raises(GeminiResponseValidationError, match="ended early"):
        api.files_client().upload(bytes(40) + media.png(), chunk_size=4, mime_type="image/png")


def test_upload_refused_by_the_api_raises_the_mapped_error() -> None:
    api = FakeFilesAPI(
        on_request=lambda request: httpx.Response(
            400, json={"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "bad mime"}}
        )
    )
    with pytest.raises(GeminiBadRequestError, match="bad mime"):
        api.files_client().upload(media.png())


def test_failed_chunk_is_retried_at_the_same_offset(sleeps: list[float]) -> None:
    api = FakeFilesAPI()
    failures = [httpx.Response(503, json={"error": {"code": 503, "status": "UNAVAILABLE", "message": "busy"}})]

    def flaky(request: httpx.Request) -> httpx.Response | None:
        if request.headers.get("x-goog-upload-command", "").startswith("upload") and failures:
            return failures.pop()
        return None

    api.on_request = flaky
    file = api.files_client().upload(media.png())
    chunks = api.uploads()[1:]
    assert [c.headers["x-goog-upload-offset"] for c in chunks] == ["0", "0"]
    assert len(sleeps) == 1
    assert api.contents[file.name] == media.png()


# -- get / list / delete -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["files/f1", "f1", f"{BASE}/v1beta/files/f1"])
def test_get_accepts_names_ids_and_uris(sync: bool, name: str) -> None:
    api = FakeFilesAPI()
    files = api.files_client()
    uploaded = files.upload(media.png())
    got = run(sync, files, "get", name)
    assert got == uploaded
    assert api.requests[-1].url == f"{BASE}/v1beta/files/f1"


@pytest.mark.parametrize("name", ["", "files/a/b", "files/../models", "files/x?key=1"])
def test_get_rejects_names_that_are_not_file_ids(name: str) -> None:
    api = FakeFilesAPI()
    with pytest.raises(ValueError, match="not a Files API name"):
        api.files_client().get(name)
    assert api.requests == []


def test_list_follows_page_tokens(sync: bool) -> None:
    api = FakeFilesAPI()
    files = api.files_client()
    for _ in range(5):
        files.upload(media.png())
    if sync:
        listed = list(files.list(page_size=2))
    else:

        async def collect() -> list[GeminiFile]:
            return [file async for file in files.alist(page_size=2)]

        listed = asyncio.run(collect())
    assert [file.name for file in listed] == sorted(api.files)
    assert api.page_size_seen == ["2", "2", "2"]


def test_list_of_no_files() -> None:
    assert list(FakeFilesAPI().files_client().list()) == []


def test_delete(sync: bool) -> None:
    api = FakeFilesAPI()
    files = api.files_client()
    file = files.upload(media.png())
    assert run(sync, files, "delete", file) is None
    assert api.requests[-1].method == "DELETE"
    assert api.files == {}


# -- waiting -------------------------------------------------------------------------------------------------------


def test_wait_until_active_polls_while_processing(sync: bool, clock: list[float]) -> None:
    api = FakeFilesAPI()
    files = api.files_client()
    video = files.upload(media.mp4())
    assert video.state == "PROCESSING"
    api.states = ["PROCESSING", "PROCESSING", "ACTIVE"]
    active = run(sync, files, "wait_until_active", video, poll_interval=5)
    assert active.state == "ACTIVE"
    assert clock == [5, 5, 5]  # the upload answered PROCESSING, then three polls
    assert len([r for r in api.requests if r.method == "GET"]) == 3


def test_wait_until_active_returns_an_active_file_without_a_request(clock: list[float]) -> None:
    api = FakeFilesAPI()
    files = api.files_client()
    image = files.upload(media.png())
    count = len(api.requests)
    assert files.wait_until_active(image) is image
    assert len(api.requests) == count
    assert clock == []


def test_wait_until_active_by_name_fetches_first(clock: list[float]) -> None:
    api = FakeFilesAPI()
    files = api.files_client()
    files.upload(media.png())
    assert files.wait_until_active("files/f1").state == "ACTIVE"


def test_wait_until_active_raises_on_failed(sync: bool, clock: list[float]) -> None:
    api = FakeFilesAPI()
    files = api.files_client()
    video = files.upload(media.mp4())
    api.states = ["PROCESSING", "FAILED"]
    with pytest.raises(GeminiFileError, match="codec not supported") as caught:
        run(sync, files, "wait_until_active", video)
    assert caught.value.file is not None
    assert caught.value.file.state == "FAILED"
    assert not isinstance(caught.value, TimeoutError)


def test_wait_until_active_times_out(sync: bool, clock: list[float]) -> None:
    api = FakeFilesAPI()
    files = api.files_client()
    video = files.upload(media.mp4())
    api.states = ["PROCESSING"]
    with pytest.raises(GeminiFileTimeoutError, match="still PROCESSING after 10 s") as caught:
        run(sync, files, "wait_until_active", video, timeout=10, poll_interval=3)
    assert isinstance(caught.value, TimeoutError)
    assert sum(clock) == pytest.approx(10)
    assert clock == [3, 3, 3, 1]  # the last sleep is cut to the deadline


# -- clients and blocks ----------------------------------------------------------------------------------------------


def test_from_model_shares_settings_and_connection_pool() -> None:
    api = FakeFilesAPI()
    model = api.model(timeout=12, max_retries=4)
    files = GeminiFiles.from_model(model)
    assert files._client is model._client
    assert (files.base_url, files.timeout, files.max_retries) == (model.base_url, 12, 4)
    files.upload(media.png())
    assert api.files


def test_files_client_reads_the_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "env-key")
    files = GeminiFiles()
    assert files.google_api_key is not None
    assert files.google_api_key.get_secret_value() == "env-key"
    assert "env-key" not in repr(files)


def test_uploaded_file_as_a_content_block_through_invoke() -> None:
    api = FakeFilesAPI()
    model = api.model()
    pdf = GeminiFiles.from_model(model).upload(media.pdf())
    assert pdf.content_block() == {"type": "file", "file_id": pdf.uri, "mime_type": "application/pdf"}
    model.invoke([HumanMessage([pdf.content_block(), {"type": "text", "text": "Summarise"}])])
    (body,) = api.generate_bodies()
    assert body["contents"][0]["parts"][0] == {"fileData": {"fileUri": pdf.uri, "mimeType": "application/pdf"}}


@pytest.mark.parametrize(("mime", "kind"), [("image/png", "image"), ("audio/wav", "audio"), ("video/mp4", "video")])
def test_content_block_kind_follows_the_mime_type(mime: str, kind: str) -> None:
    file = GeminiFile.from_json({"name": "files/x", "uri": "u", "mimeType": mime, "state": "ACTIVE"})
    assert file.content_block()["type"] == kind


def test_file_from_json_tolerates_missing_fields() -> None:
    file = GeminiFile.from_json({"name": "files/x"})
    assert file.state == "STATE_UNSPECIFIED"
    assert file.size_bytes is None


def test_bare_file_name_in_a_block_becomes_a_full_uri() -> None:
    api = FakeFilesAPI()
    api.model().invoke([HumanMessage([{"type": "image", "file_id": "files/abc", "mime_type": "image/png"}, "hi"])])
    (body,) = api.generate_bodies()
    assert body["contents"][0]["parts"][0]["fileData"] == {
        "fileUri": f"{BASE}/v1beta/files/abc",
        "mimeType": "image/png",
    }


# -- automatic upload of large media --------------------------------------------------------------------------------

BIG = 16 * 1024 * 1024  # 21.3 MB in base64: over the 20 MiB request cap


def test_oversized_media_are_uploaded_and_referenced(sync: bool, clock: list[float]) -> None:
    api = FakeFilesAPI()
    model = api.model()
    big = media.big_jpeg(BIG)
    small = media.png()
    message = HumanMessage(
        [
            {"type": "text", "text": "compare"},
            {"type": "image", "base64": media.b64(big), "mime_type": "image/jpeg", "media_resolution": "high"},
            {"type": "image", "base64": media.b64(small), "mime_type": "application/octet-stream"},  # sniffed
        ]
    )
    if sync:
        model.invoke([message])
    else:
        asyncio.run(model.ainvoke([message]))
    assert api.contents["files/f1"] == big  # only the large one was uploaded
    assert len(api.files) == 1
    (body,) = api.generate_bodies()
    parts = body["contents"][0]["parts"]
    assert parts[1] == {
        "fileData": {"fileUri": f"{BASE}/v1beta/files/f1", "mimeType": "image/jpeg"},
        "mediaResolution": {"level": "MEDIA_RESOLUTION_HIGH"},
    }
    assert parts[2]["inlineData"]["mimeType"] == "image/png"
    assert message.content[1]["base64"]  # the caller's message is untouched


def test_oversized_video_is_waited_for_until_active(sync: bool, clock: list[float]) -> None:
    api = FakeFilesAPI(states=["PROCESSING", "ACTIVE"])
    model = api.model()
    video = media.mp4() + bytes(BIG)
    message = HumanMessage([{"type": "video", "base64": media.b64(video), "mime_type": "video/mp4"}, "describe"])
    if sync:
        model.invoke([message])
    else:
        asyncio.run(model.ainvoke([message]))
    paths = [(r.method, r.url.path) for r in api.requests if not r.url.path.startswith("/upload/")]
    assert paths[-2:] == [("GET", "/v1beta/files/f1"), ("POST", "/v1beta/models/gemini-2.5-flash:generateContent")]
    assert clock  # it polled


def test_with_uploads_off_an_oversized_request_fails_before_any_request() -> None:
    api = FakeFilesAPI()
    model = api.model(upload_large_media=False)
    message = HumanMessage([{"type": "image_url", "image_url": media.data_url(media.big_jpeg(BIG), "image/jpeg")}])
    with pytest.raises(ValueError, match=r"over Gemini's 20 MB limit.*upload_large_media is off") as caught:
        model.invoke([message])
    assert "messages[0].content[0]" in str(caught.value)
    assert api.requests == []


def test_media_just_under_the_cap_stay_inline() -> None:
    api = FakeFilesAPI()
    model = api.model(upload_large_media=False)
    raw = media.big_jpeg(15_000_000)  # 20,000,000 base64 characters, under 20 MiB with room for the rest
    model.invoke([HumanMessage([{"type": "image", "base64": media.b64(raw), "mime_type": "image/jpeg"}])])
    (body,) = api.generate_bodies()
    assert len(body["contents"][0]["parts"][0]["inlineData"]["data"]) == 20_000_000
    assert api.uploads() == []


# -- hostile answers (issue 16) ------------------------------------------------------------------------------------


def _files_answering(answer: Any) -> tuple[GeminiFiles, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer(request) if callable(answer) else answer)

    transport = httpx.MockTransport(handler)
    files = GeminiFiles(
        api_key=FAKE_KEY,
        base_url=BASE,
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
    )
    return files, seen


def _list(sync: bool, files: GeminiFiles) -> list[GeminiFile]:
    if sync:
        return list(files.list())

    async def collect() -> list[GeminiFile]:
        return [file async for file in files.alist()]

    return asyncio.run(collect())


def test_list_stops_at_a_repeated_page_token(sync: bool) -> None:
    page = {"files": [{"name": "files/a", "state": "ACTIVE"}], "nextPageToken": "same"}
    files, seen = _files_answering(page)
    with pytest.raises(GeminiResponseValidationError, match="page token it returned before"):
        _list(sync, files)
    assert len(seen) == 2
    assert seen[1].url.params["pageToken"] == "same"


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        ({"files": "abc"}, "files: expected a list, got a string"),
        ({"files": [5]}, "files[0]: expected an object, got an integer"),
        ({"files": [{"error": ["x"]}]}, "files[0].error: expected an object, got a list"),
        ({"nextPageToken": 3}, "nextPageToken: expected a string, got an integer"),
    ],
)
def test_a_malformed_file_page_names_the_field(sync: bool, answer: dict[str, Any], field: str) -> None:
    files, _ = _files_answering(answer)
    with pytest.raises(GeminiResponseValidationError) as caught:
        _list(sync, files)
    assert field in str(caught.value)


def test_a_malformed_file_names_the_field(sync: bool) -> None:
    files, _ = _files_answering({"name": "files/a", "state": ["ACTIVE"]})
    with pytest.raises(GeminiResponseValidationError, match=r"file\.state: expected a string, got a list"):
        run(sync, files, "get", "files/a")


def test_list_stops_after_the_page_cap(sync: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files_module, "MAX_LIST_PAGES", 3)
    counter = iter(range(100))
    files, seen = _files_answering(lambda request: {"files": [], "nextPageToken": f"t{next(counter)}"})
    with pytest.raises(GeminiResponseValidationError, match="still returning pages after 3"):
        _list(sync, files)
    assert len(seen) == 4
