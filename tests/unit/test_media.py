"""Multimodal input through ChatGemini: every block form, MIME types, references, part fields and the URL policy."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from langchain_gemini import ChatGemini, MediaResolution
from langchain_gemini import _media_fetch as fetch_module
from langchain_gemini._media_prepare import prepare_media
from tests.fixtures import media
from tests.unit.fake_gemini import FakeGemini

PNG, JPEG, PDF, WAV, MP4 = media.png(), media.jpeg(), media.pdf(), media.wav(), media.mp4()


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def sent_parts(blocks: list[Any], **model_kwargs: Any) -> list[dict[str, Any]]:
    """Invoke with one human message of `blocks` and return the parts that went over the wire."""
    fake = FakeGemini()
    fake.model(**model_kwargs).invoke([HumanMessage(blocks)])
    (body,) = fake.bodies()
    return body["contents"][0]["parts"]


def inline(data: bytes, mime: str) -> dict[str, Any]:
    return {"inlineData": {"mimeType": mime, "data": media.b64(data)}}


# -- every input form -------------------------------------------------------------------------------------------

FORMS = [
    pytest.param(
        {"type": "image", "base64": media.b64(PNG), "mime_type": "image/png"},
        inline(PNG, "image/png"),
        id="v1-image-base64",
    ),
    pytest.param(
        {"type": "image", "url": media.data_url(JPEG, "image/jpeg")}, inline(JPEG, "image/jpeg"), id="v1-image-data-url"
    ),
    pytest.param(
        {"type": "audio", "base64": media.b64(WAV), "mime_type": "audio/wav"}, inline(WAV, "audio/wav"), id="v1-audio"
    ),
    pytest.param(
        {"type": "video", "base64": media.b64(MP4), "mime_type": "video/mp4"}, inline(MP4, "video/mp4"), id="v1-video"
    ),
    pytest.param(
        {"type": "file", "base64": media.b64(PDF), "mime_type": "application/pdf"},
        inline(PDF, "application/pdf"),
        id="v1-file-pdf",
    ),
    pytest.param(
        {
            "type": "file",
            "file_id": "https://generativelanguage.googleapis.com/v1beta/files/abc",
            "mime_type": "application/pdf",
        },
        {
            "fileData": {
                "fileUri": "https://generativelanguage.googleapis.com/v1beta/files/abc",
                "mimeType": "application/pdf",
            }
        },
        id="v1-file-id",
    ),
    pytest.param(
        {"type": "video", "url": "https://www.youtube.com/watch?v=9hE5-98ZeCg"},
        {"fileData": {"fileUri": "https://www.youtube.com/watch?v=9hE5-98ZeCg"}},
        id="v1-youtube",
    ),
    pytest.param(
        {"type": "video", "url": "https://youtu.be/9hE5-98ZeCg", "mime_type": "video/mp4"},
        {"fileData": {"fileUri": "https://youtu.be/9hE5-98ZeCg", "mimeType": "video/mp4"}},
        id="v1-youtu.be",
    ),
    pytest.param(
        {"type": "image", "url": "gs://bucket/cat.jpeg"},
        {"fileData": {"fileUri": "gs://bucket/cat.jpeg", "mimeType": "image/jpeg"}},
        id="v1-gcs",
    ),
    pytest.param(
        {"type": "image_url", "image_url": media.data_url(PNG, "image/png")},
        inline(PNG, "image/png"),
        id="openai-image-url-string",
    ),
    pytest.param(
        {"type": "image_url", "image_url": {"url": media.data_url(JPEG, "image/jpeg"), "detail": "high"}},
        inline(JPEG, "image/jpeg"),
        id="openai-image-url-dict",
    ),
    pytest.param(
        {"type": "image_url", "image_url": {"url": "gs://bucket/a.png"}},
        {"fileData": {"fileUri": "gs://bucket/a.png", "mimeType": "image/png"}},
        id="openai-image-url-gcs",
    ),
    pytest.param(
        {"type": "input_audio", "input_audio": {"data": media.b64(WAV), "format": "wav"}},
        inline(WAV, "audio/wav"),
        id="openai-input-audio",
    ),
    pytest.param(
        {"type": "file", "file": {"file_data": media.data_url(PDF, "application/pdf"), "filename": "a.pdf"}},
        inline(PDF, "application/pdf"),
        id="openai-file-data",
    ),
    pytest.param(
        {"type": "file", "file": {"file_id": "https://generativelanguage.googleapis.com/v1beta/files/xyz"}},
        {"fileData": {"fileUri": "https://generativelanguage.googleapis.com/v1beta/files/xyz"}},
        id="openai-file-id",
    ),
    pytest.param(
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": media.b64(PNG)}},
        inline(PNG, "image/png"),
        id="anthropic-image-base64",
    ),
    pytest.param(
        {"type": "image", "source": {"type": "url", "url": "gs://b/x.webp"}},
        {"fileData": {"fileUri": "gs://b/x.webp", "mimeType": "image/webp"}},
        id="anthropic-image-url",
    ),
    pytest.param(
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": media.b64(PDF)}},
        inline(PDF, "application/pdf"),
        id="anthropic-document",
    ),
    pytest.param(
        {
            "type": "image",
            "source": {"type": "file", "file_id": "https://generativelanguage.googleapis.com/v1beta/files/q"},
        },
        {"fileData": {"fileUri": "https://generativelanguage.googleapis.com/v1beta/files/q"}},
        id="anthropic-file",
    ),
    pytest.param(
        {"type": "image", "source_type": "base64", "data": media.b64(PNG), "mime_type": "image/png"},
        inline(PNG, "image/png"),
        id="v0-base64",
    ),
    pytest.param(
        {"type": "file", "source_type": "id", "id": "https://generativelanguage.googleapis.com/v1beta/files/v0"},
        {"fileData": {"fileUri": "https://generativelanguage.googleapis.com/v1beta/files/v0"}},
        id="v0-id",
    ),
    pytest.param(
        {"type": "document", "source": {"type": "text", "data": "Some notes"}},
        inline(b"Some notes", "text/plain"),
        id="anthropic-text-document",
    ),
    pytest.param(
        {"type": "text-plain", "text": "# Title", "mime_type": "text/markdown"},
        inline(b"# Title", "text/markdown"),
        id="v1-text-plain",
    ),
    pytest.param(
        {"type": "media", "data": media.b64(WAV), "mime_type": "audio/mpeg"},
        inline(WAV, "audio/mpeg"),
        id="genai-media-base64",
    ),
    pytest.param(
        {"type": "media", "data": MP4, "mime_type": "video/mp4"}, inline(MP4, "video/mp4"), id="genai-media-bytes"
    ),
    pytest.param(
        {
            "type": "media",
            "file_uri": "https://generativelanguage.googleapis.com/v1beta/files/m",
            "mime_type": "video/mp4",
        },
        {"fileData": {"fileUri": "https://generativelanguage.googleapis.com/v1beta/files/m", "mimeType": "video/mp4"}},
        id="genai-media-file-uri",
    ),
]


@pytest.mark.parametrize(("block", "part"), FORMS)
def test_every_input_form_becomes_one_part(block: dict[str, Any], part: dict[str, Any]) -> None:
    parts = sent_parts([{"type": "text", "text": "Describe"}, block])
    assert parts == [{"text": "Describe"}, part]


@pytest.mark.parametrize(("block", "part"), FORMS[:6])
async def test_every_input_form_async(block: dict[str, Any], part: dict[str, Any]) -> None:
    fake = FakeGemini()
    await fake.model().ainvoke([HumanMessage([block])])
    assert fake.bodies()[0]["contents"][0]["parts"] == [part]


def test_media_in_system_and_ai_messages_and_streaming() -> None:
    fake = FakeGemini(streams=[[{"candidates": [{"content": {"parts": [{"text": "ok"}]}, "finishReason": "STOP"}]}]])
    model = fake.model()
    history: list[BaseMessage] = [
        HumanMessage([{"type": "image", "base64": media.b64(PNG), "mime_type": "image/png"}]),
        AIMessage(
            [{"type": "image", "base64": media.b64(JPEG), "mime_type": "image/jpeg", "extras": {"signature": "c2ln"}}]
        ),
        HumanMessage("and now?"),
    ]
    assert "".join(chunk.text for chunk in model.stream(history)) == "ok"
    contents = fake.bodies()[0]["contents"]
    assert contents[1] == {"role": "model", "parts": [{**inline(JPEG, "image/jpeg"), "thoughtSignature": "c2ln"}]}


# -- MIME types -----------------------------------------------------------------------------------------------------


def test_unsupported_mime_type_names_the_block_and_the_supported_types() -> None:
    fake = FakeGemini()
    gif = {"type": "image", "base64": media.b64(b"GIF89a" + bytes(20)), "mime_type": "image/gif"}
    with pytest.raises(
        ValueError, match=r"messages\[0\]\.content\[1\]: MIME type 'image/gif' is not supported"
    ) as caught:
        fake.model().invoke([HumanMessage(["look", gif])])
    message = str(caught.value)
    for expected in ("image/png", "image/jpeg", "audio/wav", "video/mp4", "application/pdf", "text/*"):
        assert expected in message
    assert fake.requests == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (PDF, "application/pdf"),
        (WAV, "audio/wav"),
        (MP4, "video/mp4"),
        (media.avi(), "video/avi"),
    ],
)
@pytest.mark.parametrize("given", ["application/octet-stream", ""])
def test_missing_or_generic_mime_type_is_sniffed(data: bytes, expected: str, given: str) -> None:
    block = {"type": "image_url", "image_url": f"data:{given};base64,{media.b64(data)}"}
    assert sent_parts([block]) == [inline(data, expected)]


def test_mime_type_from_the_file_name_when_content_says_nothing() -> None:
    block = {
        "type": "file",
        "base64": media.b64(b"a,b\n1,2\n"),
        "mime_type": "application/octet-stream",
        "filename": "t.csv",
    }
    assert sent_parts([block]) == [inline(b"a,b\n1,2\n", "text/csv")]


def test_undeterminable_mime_type_is_an_error() -> None:
    block = {"type": "file", "base64": media.b64(b"\x00\x01 opaque"), "mime_type": "application/octet-stream"}
    with pytest.raises(ValueError, match=r"content\[0\]: cannot tell the MIME type of this file; set 'mime_type'"):
        sent_parts([block])


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("image/jpg", "image/jpeg"),
        ("audio/x-wav", "audio/wav"),
        ("IMAGE/PNG", "IMAGE/PNG"),
        ("audio/L16;codec=pcm;rate=24000", "audio/L16;codec=pcm;rate=24000"),
        ("audio/pcm;rate=16000", "audio/pcm;rate=16000"),
        ("text/markdown", "text/markdown"),
    ],
)
def test_mime_aliases_are_canonicalised_and_others_kept_verbatim(given: str, sent: str) -> None:
    block = {"type": "file", "base64": media.b64(b"xyz"), "mime_type": given}
    assert sent_parts([block])[0]["inlineData"]["mimeType"] == sent


def test_invalid_base64_is_an_error_before_any_request() -> None:
    fake = FakeGemini()
    with pytest.raises(ValueError, match="not valid base64"):
        fake.model().invoke(
            [HumanMessage([{"type": "image", "base64": "%%%notbase64%%%", "mime_type": "application/octet-stream"}])]
        )
    assert fake.requests == []


def test_percent_encoded_data_url() -> None:
    block = {"type": "file", "url": "data:text/plain,hello%20world"}
    assert sent_parts([block]) == [inline(b"hello world", "text/plain")]


def test_data_url_with_parameters_keeps_them() -> None:
    block = {"type": "audio", "url": f"data:audio/pcm;rate=16000;base64,{media.b64(media.pcm())}"}
    assert sent_parts([block])[0]["inlineData"]["mimeType"] == "audio/pcm;rate=16000"


@pytest.mark.parametrize(
    ("block", "match"),
    [
        ({"type": "image_url", "image_url": "data:image/png;base64"}, "malformed data URL"),
        ({"type": "image", "url": "ftp://host/x.png"}, "cannot send ftp: URLs"),
        ({"type": "image_url", "image_url": "x"}, "cannot send this: URLs"),
        ({"type": "image"}, "this image block needs 'base64', 'url' or 'file_id'"),
        ({"type": "media", "data": media.b64(PNG)}, "needs 'mime_type'"),
        ({"type": "media"}, "needs 'data' or 'file_uri'"),
        ({"type": "image", "base64": 12, "mime_type": "image/png"}, "base64 string or bytes"),
        ({"type": "image", "source": {"type": "weird"}}, "this image block needs 'base64', 'url' or 'file_id'"),
        ({"type": "input_audio", "input_audio": {}}, "cannot read this 'input_audio' block"),
    ],
)
def test_malformed_blocks_fail_clearly(block: dict[str, Any], match: str) -> None:
    fake = FakeGemini()
    with pytest.raises((ValueError, TypeError), match=match):
        fake.model().invoke([HumanMessage([block])])
    assert fake.requests == []


# -- part-level fields ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metadata", "wire"),
    [
        ({"start_offset": "1250s", "end_offset": "1570s"}, {"startOffset": "1250s", "endOffset": "1570s"}),
        ({"start_offset": 10, "end_offset": 12.5, "fps": 5}, {"startOffset": "10s", "endOffset": "12.5s", "fps": 5}),
        ({"startOffset": {"seconds": 3, "nanos": 500_000_000}}, {"startOffset": "3.5s"}),
        ({"fps": 0.5}, {"fps": 0.5}),
    ],
)
def test_video_metadata(metadata: dict[str, Any], wire: dict[str, Any]) -> None:
    block = {"type": "media", "file_uri": "https://www.youtube.com/watch?v=x", "video_metadata": metadata}
    assert sent_parts([block])[0]["videoMetadata"] == wire


def test_video_metadata_on_a_v1_block() -> None:
    block = {
        "type": "video",
        "base64": media.b64(MP4),
        "mime_type": "video/mp4",
        "extras": {"video_metadata": {"fps": 2}},
    }
    assert sent_parts([block])[0]["videoMetadata"] == {"fps": 2}


@pytest.mark.parametrize(
    ("metadata", "match"),
    [
        ({"start_offset": -1}, "must not be negative"),
        ({"start_offset": 20, "end_offset": 10}, "start_offset is after end_offset"),
        ({"fps": 0}, r"fps must be a number in \(0, 24\]"),
        ({"fps": 25}, r"fps must be a number in \(0, 24\]"),
        ({"start_offset": "ten"}, "must be seconds"),
        ({"speed": 2}, "unknown field"),
    ],
)
def test_bad_video_metadata(metadata: dict[str, Any], match: str) -> None:
    block = {"type": "media", "file_uri": "https://www.youtube.com/watch?v=x", "video_metadata": metadata}
    with pytest.raises(ValueError, match=match):
        sent_parts([block])


@pytest.mark.parametrize("value", ["low", "LOW", "MEDIA_RESOLUTION_LOW", MediaResolution.LOW])
def test_media_resolution_per_part(value: Any) -> None:
    block = {"type": "image", "base64": media.b64(PNG), "mime_type": "image/png", "media_resolution": value}
    assert sent_parts([block])[0]["mediaResolution"] == {"level": "MEDIA_RESOLUTION_LOW"}


def test_media_resolution_per_part_in_extras_and_invalid() -> None:
    block = {
        "type": "image",
        "base64": media.b64(PNG),
        "mime_type": "image/png",
        "extras": {"media_resolution": "high"},
    }
    assert sent_parts([block])[0]["mediaResolution"] == {"level": "MEDIA_RESOLUTION_HIGH"}
    with pytest.raises(ValueError, match=r"content\[0\]: media_resolution must be one of low, medium, high"):
        sent_parts([{**block, "media_resolution": "ultra"}])


def test_media_resolution_per_instance_and_per_call() -> None:
    fake = FakeGemini()
    model = fake.model(media_resolution="low")
    model.invoke("a")
    model.invoke("b", media_resolution=MediaResolution.HIGH)
    configs = [body["generationConfig"] for body in fake.bodies()]
    assert configs == [{"mediaResolution": "MEDIA_RESOLUTION_LOW"}, {"mediaResolution": "MEDIA_RESOLUTION_HIGH"}]
    with pytest.raises(ValueError, match="media_resolution"):
        model.invoke("c", media_resolution="huge")
    with pytest.raises(ValueError, match="media_resolution"):
        ChatGemini(model="gemini-2.5-flash", api_key="k", media_resolution="huge")


# -- URL fetching: the policy ------------------------------------------------------------------------------------

Page = httpx.Response | Callable[[httpx.Request], httpx.Response]


class FakeWeb:
    """DNS answers and pages behind MockTransport; records what the fetcher connected to."""

    def __init__(self, dns: dict[str, list[str]], pages: dict[str, Page]) -> None:
        self.dns = dns
        self.pages = pages
        self.requests: list[httpx.Request] = []
        self.resolved: list[str] = []

    def resolve(self, host: str, port: int) -> list[str]:
        self.resolved.append(host)
        if host not in self.dns:
            raise fetch_module.MediaFetchError(f"media URL host did not resolve: {host}")
        return self.dns[host]

    async def aresolve(self, host: str, port: int) -> list[str]:
        return self.resolve(host, port)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        page = self.pages.get(f"{request.headers['host']}{request.url.path}")
        if page is None:
            return httpx.Response(404)
        return page(request) if callable(page) else page

    async def ahandler(self, request: httpx.Request) -> httpx.Response:
        return self.handler(request)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeWeb:
        monkeypatch.setattr(fetch_module, "resolve", self.resolve)
        monkeypatch.setattr(fetch_module, "aresolve", self.aresolve)
        monkeypatch.setattr(
            fetch_module, "new_client", lambda s: httpx.Client(transport=httpx.MockTransport(self.handler))
        )
        monkeypatch.setattr(
            fetch_module, "new_async_client", lambda s: httpx.AsyncClient(transport=httpx.MockTransport(self.ahandler))
        )
        return self


PUBLIC = "93.184.215.14"


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> FakeWeb:
    return FakeWeb(
        {"img.example.com": [PUBLIC], "v6.example.com": ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"]},
        {
            "img.example.com/cat.png": httpx.Response(200, content=PNG, headers={"content-type": "image/png"}),
            "img.example.com/mislabelled": httpx.Response(200, content=JPEG, headers={"content-type": "text/html"}),
            "img.example.com/data.csv": httpx.Response(
                200, content=b"a,b\n", headers={"content-type": "text/csv; charset=utf-8"}
            ),
            "img.example.com/blob": httpx.Response(
                200, content=b"\x00\x01", headers={"content-type": "application/octet-stream"}
            ),
            "v6.example.com/doc.pdf": httpx.Response(200, content=PDF),
        },
    ).install(monkeypatch)


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_http_url_is_fetched_and_sent_inline(web: FakeWeb, sync: bool) -> None:
    fake = FakeGemini()
    model = fake.model()
    message = HumanMessage([{"type": "image_url", "image_url": "https://img.example.com/cat.png?sig=SECRET"}, "what?"])
    if sync:
        model.invoke([message])
    else:
        asyncio.run(model.ainvoke([message]))
    assert fake.bodies()[0]["contents"][0]["parts"][0] == inline(PNG, "image/png")
    (request,) = web.requests
    assert request.url.host == PUBLIC  # connected to the address that was checked
    assert request.url.params["sig"] == "SECRET"
    assert request.headers["host"] == "img.example.com"
    assert request.extensions["sni_hostname"] == "img.example.com"
    assert message.content[0]["image_url"] == "https://img.example.com/cat.png?sig=SECRET"  # not mutated


def test_ipv6_host_is_pinned_with_brackets(web: FakeWeb) -> None:
    assert sent_parts([{"type": "file", "url": "https://v6.example.com/doc.pdf"}]) == [inline(PDF, "application/pdf")]
    assert web.requests[0].url.host == "2606:2800:21f:cb07:6820:80da:af6b:8b2c"


@pytest.mark.parametrize(
    ("path", "expected"),
    [("mislabelled", "image/jpeg"), ("data.csv", "text/csv")],
)
def test_fetched_type_comes_from_content_then_header(web: FakeWeb, path: str, expected: str) -> None:
    parts = sent_parts([{"type": "file", "url": f"https://img.example.com/{path}"}])
    assert parts[0]["inlineData"]["mimeType"] == expected


def test_fetched_block_with_a_given_mime_type_keeps_it(web: FakeWeb) -> None:
    parts = sent_parts([{"type": "image", "url": "https://img.example.com/cat.png", "mime_type": "image/webp"}])
    assert parts[0]["inlineData"]["mimeType"] == "image/webp"


def test_fetched_content_of_unknown_type_is_an_error(web: FakeWeb) -> None:
    with pytest.raises(ValueError, match=r"cannot tell the MIME type of https://img\.example\.com/blob"):
        sent_parts([{"type": "file", "url": "https://img.example.com/blob"}])


def test_pass_through_sends_the_url_as_file_data(web: FakeWeb) -> None:
    parts = sent_parts([{"type": "image", "url": "https://img.example.com/cat.png"}], media_fetch="pass_through")
    assert parts == [{"fileData": {"fileUri": "https://img.example.com/cat.png", "mimeType": "image/png"}}]
    assert web.requests == []


def test_refuse_fails_before_any_request(web: FakeWeb) -> None:
    fake = FakeGemini()
    with pytest.raises(ValueError, match=r"content\[0\]: media URL refused by media_fetch='refuse'"):
        fake.model(media_fetch="refuse").invoke(
            [HumanMessage([{"type": "image", "url": "https://img.example.com/cat.png?t=1"}])]
        )
    assert web.requests == []
    assert fake.requests == []


def test_references_are_never_fetched(web: FakeWeb) -> None:
    blocks = [
        {"type": "video", "url": "https://www.youtube.com/watch?v=x"},
        {"type": "image", "url": "gs://b/c.png"},
        {
            "type": "file",
            "url": "https://generativelanguage.googleapis.com/v1beta/files/abc",
            "mime_type": "application/pdf",
        },
    ]
    assert [set(part) for part in sent_parts(blocks, media_fetch="refuse")] == [{"fileData"}] * 3
    assert web.resolved == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.1",
        "10.0.0.8",
        "172.16.4.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::",
    ],
)
def test_non_public_addresses_are_refused(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    web = FakeWeb({"evil.example": [PUBLIC, address]}, {}).install(monkeypatch)
    fake = FakeGemini()
    with pytest.raises(ValueError, match=r"resolves to a non-public address"):
        fake.model().invoke([HumanMessage([{"type": "image", "url": "http://evil.example/x.png"}])])
    assert web.requests == []
    assert fake.requests == []


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_allow_loopback_admits_loopback_only(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    page = httpx.Response(200, content=PNG)
    FakeWeb({"localhost": [address], "lan": ["10.1.2.3"]}, {"localhost/a.png": page}).install(monkeypatch)
    policy = {"mode": "fetch", "allow_loopback": True}
    assert sent_parts([{"type": "image", "url": "http://localhost/a.png"}], media_fetch=policy) == [
        inline(PNG, "image/png")
    ]
    with pytest.raises(ValueError, match="non-public address"):
        sent_parts([{"type": "image", "url": "http://lan/a.png"}], media_fetch=policy)


def test_literal_ip_urls_are_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_module, "new_client", lambda s: pytest.fail("must not connect"))
    with pytest.raises(ValueError, match="non-public address"):
        sent_parts([{"type": "image", "url": "http://169.254.169.254/latest/meta-data"}])


def test_redirects_are_rechecked(monkeypatch: pytest.MonkeyPatch) -> None:
    web = FakeWeb(
        {"a.example": [PUBLIC], "b.example": ["8.8.8.8"], "inside.example": ["10.0.0.1"]},
        {
            "a.example/hop": httpx.Response(302, headers={"location": "https://b.example/cat.png"}),
            "b.example/cat.png": httpx.Response(200, content=PNG),
            "a.example/sneaky": httpx.Response(307, headers={"location": "http://inside.example/admin"}),
            "a.example/relative": httpx.Response(301, headers={"location": "/hop"}),
        },
    ).install(monkeypatch)
    assert sent_parts([{"type": "image", "url": "https://a.example/relative"}]) == [inline(PNG, "image/png")]
    assert [r.headers["host"] for r in web.requests] == ["a.example", "a.example", "b.example"]
    web.requests.clear()
    with pytest.raises(ValueError, match="non-public address"):
        sent_parts([{"type": "image", "url": "https://a.example/sneaky"}])
    assert [r.headers["host"] for r in web.requests] == ["a.example"]


def test_redirect_loops_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    web = FakeWeb({"a.example": [PUBLIC]}, {"a.example/loop": httpx.Response(302, headers={"location": "/loop"})})
    web.install(monkeypatch)
    with pytest.raises(ValueError, match="more than 2 redirects"):
        sent_parts([{"type": "image", "url": "https://a.example/loop"}], media_fetch={"max_redirects": 2})
    assert len(web.requests) == 3


@pytest.mark.parametrize(
    ("response", "match"),
    [
        (httpx.Response(404), "answered 404"),
        (httpx.Response(200, content=PNG, headers={"content-length": "999999"}), "over the 100-byte media_fetch limit"),
        (httpx.Response(200, content=bytes(150)), "over the 100-byte media_fetch limit"),
    ],
)
def test_failed_or_oversized_downloads(monkeypatch: pytest.MonkeyPatch, response: httpx.Response, match: str) -> None:
    FakeWeb({"a.example": [PUBLIC]}, {"a.example/x": response}).install(monkeypatch)
    with pytest.raises(ValueError, match=match) as caught:
        sent_parts([{"type": "image", "url": "https://a.example/x?token=SECRET"}], media_fetch={"max_bytes": 100})
    assert "SECRET" not in str(caught.value)


def test_transport_errors_become_value_errors_without_the_query(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    FakeWeb({"a.example": [PUBLIC]}, {"a.example/x": broken}).install(monkeypatch)
    with pytest.raises(ValueError, match=r"GET https://a.example/x failed: ConnectError") as caught:
        sent_parts([{"type": "image", "url": "https://a.example/x?token=SECRET"}])
    assert "SECRET" not in str(caught.value)


def test_download_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter(range(0, 10_000, 20))
    monkeypatch.setattr(fetch_module.time, "monotonic", lambda: float(next(ticks)))
    FakeWeb({"a.example": [PUBLIC]}, {"a.example/x": httpx.Response(200, content=PNG)}).install(monkeypatch)
    with pytest.raises(ValueError, match="download took longer than 30 s"):
        sent_parts([{"type": "image", "url": "https://a.example/x"}])


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("https://user:pw@a.example/x.png", "must not embed credentials"),
        ("https://a.example:99999/x.png", "invalid port"),
    ],
)
def test_bad_urls_are_refused_before_resolving(web: FakeWeb, url: str, match: str) -> None:
    with pytest.raises(ValueError, match=match) as caught:
        sent_parts([{"type": "image", "url": url}])
    assert "pw" not in str(caught.value)
    assert web.resolved == []


def test_unresolvable_host(web: FakeWeb) -> None:
    with pytest.raises(ValueError, match=r"did not resolve: nowhere\.example"):
        sent_parts([{"type": "image", "url": "https://nowhere.example/x.png"}])


@pytest.mark.parametrize(
    ("policy", "match"),
    [
        ("download", "Input should be"),
        ({"mode": "fetch", "max_bytes": 0}, "must be positive"),
        ({"colour": 1}, "Extra inputs"),
    ],
)
def test_bad_fetch_policies_fail_at_construction(policy: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ChatGemini(model="gemini-2.5-flash", api_key="k", media_fetch=policy)


def test_real_resolver_checks_literal_addresses_without_network() -> None:
    assert fetch_module.resolve("127.0.0.1", 80) == ["127.0.0.1"]
    with pytest.raises(fetch_module.MediaFetchError, match="non-public"):
        fetch_module.fetch("http://127.0.0.1:9/x", fetch_module.FetchSettings())


async def test_async_resolution_runs_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    # getaddrinfo blocks until a coroutine on the loop releases it: if resolution ran on the loop, it would stall.
    released = threading.Event()

    def slow_getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        assert host == "slow.example"
        assert released.wait(timeout=5), "the event loop was blocked during DNS resolution"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port))]

    async def release() -> None:
        await asyncio.sleep(0)
        released.set()

    monkeypatch.setattr(socket, "getaddrinfo", slow_getaddrinfo)
    addresses, _ = await asyncio.gather(fetch_module.aresolve("slow.example", 443), release())
    assert addresses == [PUBLIC]


async def test_async_download_uses_the_async_client(monkeypatch: pytest.MonkeyPatch) -> None:
    web = FakeWeb({"a.example": [PUBLIC]}, {"a.example/x.png": httpx.Response(200, content=PNG)}).install(monkeypatch)
    monkeypatch.setattr(fetch_module, "new_client", lambda s: pytest.fail("sync client used on the async path"))
    fake = FakeGemini()
    await fake.model().ainvoke([HumanMessage([{"type": "image", "url": "https://a.example/x.png"}])])
    assert len(web.requests) == 1
    assert fake.bodies()[0]["contents"][0]["parts"] == [inline(PNG, "image/png")]


# -- the pre-pass as a function ----------------------------------------------------------------------------------------


def test_prepare_media_copies_only_changed_messages(web: FakeWeb) -> None:
    text = HumanMessage("plain")
    local = HumanMessage([{"type": "image", "base64": media.b64(PNG), "mime_type": "image/png"}])
    remote = HumanMessage([{"type": "image", "url": "https://img.example.com/cat.png", "extras": {"signature": "s"}}])
    prepared = prepare_media([text, local, remote])
    assert prepared[0] is text
    assert prepared[1] is local
    assert prepared[2] is not remote
    assert prepared[2].content == [
        {"type": "image", "base64": media.b64(PNG), "mime_type": "image/png", "extras": {"signature": "s"}}
    ]
    assert remote.content[0]["url"] == "https://img.example.com/cat.png"


def test_prepare_media_without_files_client_refuses_oversized_requests() -> None:
    big = HumanMessage([{"type": "image", "base64": "A" * 2000, "mime_type": "image/png"}])
    with pytest.raises(ValueError, match="no Files API client is available"):
        prepare_media([big], max_request_bytes=1000)
    assert prepare_media([big], max_request_bytes=10**9)[0] is big


def test_large_text_counts_toward_the_cap() -> None:
    image = {"type": "image", "base64": "A" * 400, "mime_type": "image/png"}
    small = [HumanMessage("x" * 100), HumanMessage([image])]
    assert prepare_media(small, upload_large_media=False, max_request_bytes=300_000)[1] is small[1]
    large = [
        HumanMessage("é" * 30_000),
        AIMessage("", tool_calls=[{"name": "f", "args": {"q": "y" * 1000}, "id": "1"}]),
        HumanMessage([image]),
    ]
    with pytest.raises(ValueError, match="over Gemini's 20 MB limit"):
        prepare_media(large, upload_large_media=False, max_request_bytes=300_000)


def test_data_url_payload_is_passed_through_without_reencoding() -> None:
    fake = FakeGemini()
    payload = media.b64(PNG)
    fake.model().invoke([HumanMessage([{"type": "image_url", "image_url": f"data:image/png;base64,{payload}"}])])
    assert json.loads(fake.requests[0].content)["contents"][0]["parts"][0]["inlineData"]["data"] == payload
    assert base64.b64decode(payload) == PNG
