"""Multimodal input through ChatGemini: every block form, MIME types, references and part fields.

URL fetching (the fetch policy, address checks, redirects, limits) and the `prepare_media` pre-pass are in
`test_media_fetch.py`.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from langchain_gemini import ChatGemini, MediaResolution
from tests.fixtures import media
from tests.unit.fake_gemini import FakeGemini
from tests.unit.media_support import JPEG, MP4, PDF, PNG, WAV, inline, sent_parts


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


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
        ({"type": "image_url", "image_url": "x"}, "a local file path is not a URL"),
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
