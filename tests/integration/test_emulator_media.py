"""Media input on the emulator: MIME types, file URIs, per-part media resolution, video metadata, media tokens."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from tests.integration.emulator_helpers import FLASH, PRO3, generate, rejected

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(24)).decode()
VIDEO = base64.b64encode(bytes(500_000)).decode()  # two seconds at the emulator's 250 KB/s estimate


def media(*parts: dict[str, Any], role: str = "user", **extra: Any) -> dict[str, Any]:
    return {"contents": [{"role": role, "parts": [*parts, {"text": "What is this?"}]}], **extra}


def inline(mime: str, data: str = PNG, **fields: Any) -> dict[str, Any]:
    return {"inlineData": {"mimeType": mime, "data": data}, **fields}


def uri(file_uri: str, mime: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"fileData": {"fileUri": file_uri, **({"mimeType": mime} if mime else {})}, **fields}


def details(answer: dict[str, Any]) -> dict[str, int]:
    return {d["modality"]: d["tokenCount"] for d in answer["usageMetadata"]["promptTokensDetails"]}


# -- MIME types ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mime", ["image/gif", "image/jpg", "application/json", "audio/m4a", "video/x-matroska"])
def test_unsupported_mime_types_are_400(emu_client: httpx.Client, mime: str) -> None:
    error = rejected(emu_client, media(inline(mime)))
    assert error == {"code": 400, "message": f"Unsupported MIME type: {mime}", "status": "INVALID_ARGUMENT"}


@pytest.mark.parametrize(
    "mime", ["image/png", "IMAGE/PNG", "audio/pcm;rate=16000", "audio/L16;codec=pcm;rate=24000", "text/csv"]
)
def test_supported_types_with_parameters_and_any_case(emu_client: httpx.Client, mime: str) -> None:
    assert generate(emu_client, media(inline(mime)))["candidates"]


def test_file_data_and_tool_result_media_are_checked_too(emu_client: httpx.Client) -> None:
    assert rejected(emu_client, media(uri("https://example.com/a.gif", "image/gif")))["message"].endswith("image/gif")
    body = {
        "contents": [
            {"role": "user", "parts": [{"text": "draw"}]},
            {"role": "model", "parts": [{"functionCall": {"name": "draw", "args": {}}}]},
            {
                "role": "user",
                "parts": [{"functionResponse": {"name": "draw", "response": {}, "parts": [inline("image/bmp")]}}],
            },
        ]
    }
    assert rejected(emu_client, body)["message"] == "Unsupported MIME type: image/bmp"


# -- file URIs -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "part",
    [
        uri("https://www.youtube.com/watch?v=9hE5-98ZeCg"),  # no MIME type needed
        uri("https://youtu.be/9hE5-98ZeCg"),
        uri("https://example.com/report.pdf", "application/pdf"),
        uri("gs://bucket/clip.mp4", "video/mp4"),
    ],
    ids=["youtube", "youtu.be", "https", "gcs"],
)
def test_accepted_file_uris(emu_client: httpx.Client, part: dict[str, Any]) -> None:
    assert generate(emu_client, media(part))["candidates"]


@pytest.mark.parametrize(
    ("part", "fragment"),
    [
        (uri("https://example.com/report.pdf"), "file_data.mime_type is required"),
        (uri("ftp://example.com/report.pdf", "application/pdf"), "Unsupported file_uri"),
        (uri("data:image/png;base64,AAAA", "image/png"), "Unsupported file_uri"),
    ],
    ids=["https-without-type", "ftp", "data-url"],
)
def test_refused_file_uris(emu_client: httpx.Client, part: dict[str, Any], fragment: str) -> None:
    assert fragment in rejected(emu_client, media(part))["message"]


# -- media resolution ------------------------------------------------------------------------------------------------


def test_per_part_media_resolution_is_gemini_3_only_and_counted(emu_client: httpx.Client) -> None:
    levels = {"MEDIA_RESOLUTION_LOW": 280, "MEDIA_RESOLUTION_HIGH": 1120, "MEDIA_RESOLUTION_ULTRA_HIGH": 2240}
    for level, tokens in levels.items():
        answer = generate(emu_client, media(inline("image/png", mediaResolution={"level": level})), model=PRO3)
        assert details(answer)["IMAGE"] == tokens
    error = rejected(emu_client, media(inline("image/png", mediaResolution={"level": "MEDIA_RESOLUTION_LOW"})))
    assert "contents[0].parts[0].media_resolution: per-part media_resolution is not supported" in error["message"]
    on_text = {"contents": [{"parts": [{"text": "hi", "mediaResolution": {"level": "MEDIA_RESOLUTION_LOW"}}]}]}
    assert "media_resolution can only be set on a part" in rejected(emu_client, on_text, model=PRO3)["message"]


def test_global_media_resolution(emu_client: httpx.Client) -> None:
    low = {"generationConfig": {"mediaResolution": "MEDIA_RESOLUTION_LOW"}}
    assert details(generate(emu_client, media(inline("image/png"), **low)))["IMAGE"] == 64
    assert details(generate(emu_client, media(inline("image/png"))))["IMAGE"] == 258
    video = details(generate(emu_client, media(inline("video/mp4", VIDEO), **low)))["VIDEO"]
    assert video == 2 * 98  # LOW frames cost 66 tokens, plus 32 for each second of audio
    assert details(generate(emu_client, media(inline("video/mp4", VIDEO))))["VIDEO"] == 2 * 263
    ultra = {"generationConfig": {"mediaResolution": "MEDIA_RESOLUTION_ULTRA_HIGH"}}  # a per-part level only
    assert "v1beta.MediaResolution" in rejected(emu_client, media(inline("image/png"), **ultra))["message"]


def test_count_tokens_sees_media_resolution(emu_client: httpx.Client) -> None:
    body = media(inline("image/png", mediaResolution={"level": "MEDIA_RESOLUTION_MEDIUM"}))
    counted = emu_client.post(f"/v1beta/models/{PRO3}:countTokens", json=body).json()
    assert {"modality": "IMAGE", "tokenCount": 560} in counted["promptTokensDetails"]
    assert emu_client.post(f"/v1beta/models/{FLASH}:countTokens", json=body).status_code == 400


# -- video metadata --------------------------------------------------------------------------------------------------


def test_valid_video_metadata(emu_client: httpx.Client) -> None:
    clip = {"startOffset": "1.5s", "endOffset": "10s", "fps": 24}
    assert generate(emu_client, media(inline("video/mp4", VIDEO, videoMetadata=clip)))["candidates"]
    youtube = uri("https://www.youtube.com/watch?v=9hE5-98ZeCg", videoMetadata={"startOffset": "1250s", "fps": 0.5})
    assert generate(emu_client, media(youtube))["candidates"]


@pytest.mark.parametrize(
    ("metadata", "fragment"),
    [
        (
            {"startOffset": "10"},
            "Invalid value at 'contents[0].parts[0].video_metadata.start_offset' "
            "(type.googleapis.com/google.protobuf.Duration), Field 'startOffset', Illegal duration format; "
            "duration must end with 's'",
        ),
        ({"endOffset": "1m30s"}, "Field 'endOffset', Illegal duration format"),
        ({"startOffset": 5}, "duration must end with 's'"),
        ({"fps": 0}, "video_metadata.fps: fps must be in the range (0, 24]."),
        ({"fps": 24.5}, "fps must be in the range (0, 24]."),
        (
            {"startOffset": "20s", "endOffset": "10s"},
            "video_metadata.end_offset: end_offset must be after start_offset",
        ),
        ({"startOffset": "-1s"}, "video_metadata.start_offset: offset must not be negative."),
    ],
    ids=["no-unit", "minutes", "number", "fps-zero", "fps-high", "end-before-start", "negative"],
)
def test_invalid_video_metadata(emu_client: httpx.Client, metadata: dict[str, Any], fragment: str) -> None:
    error = rejected(emu_client, media(inline("video/mp4", VIDEO, videoMetadata=metadata)))
    assert fragment in error["message"]


def test_video_metadata_needs_a_video(emu_client: httpx.Client) -> None:
    on_image = media(inline("image/png", videoMetadata={"fps": 1}))
    assert "video_metadata can only be set on a video part." in rejected(emu_client, on_image)["message"]
    on_text = {"contents": [{"parts": [{"text": "hi", "videoMetadata": {"fps": 1}}]}]}
    assert "video_metadata can only be set on a video part." in rejected(emu_client, on_text)["message"]


# -- media tokens ----------------------------------------------------------------------------------------------------


def test_media_token_counts(emu_client: httpx.Client) -> None:
    pdf = base64.b64encode(b"%PDF-1.4 /Type /Page /Type /Page /Type /Page /Type /Pages").decode()
    wav = base64.b64encode(bytes(48_000)).decode()  # three seconds at 16 KB/s
    text = base64.b64encode(b"x" * 40).decode()
    answer = generate(
        emu_client, media(inline("application/pdf", pdf), inline("audio/wav", wav), inline("text/plain", text))
    )
    counted = details(answer)
    assert counted["DOCUMENT"] == 3 * 258
    assert counted["AUDIO"] == 3 * 32
    assert counted["TEXT"] == 10 + 4  # the text file and the question


def test_payload_cap_is_20_mib_with_googles_message(emu_client: httpx.Client) -> None:
    data = base64.b64encode(bytes(15_800_000)).decode()  # 21,066,668 base64 characters
    response = emu_client.post(f"/v1beta/models/{FLASH}:generateContent", json=media(inline("image/png", data)))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Request payload size exceeds the limit: 20971520 bytes."
