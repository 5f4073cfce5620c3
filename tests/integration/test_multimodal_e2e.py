"""Multimodal end to end over loopback against the emulator, on media generated in tests/fixtures/media.py.

The first block replaces the langchain-tests standard tests that download their fixtures from the internet
(test_chat_standard.py marks those as not run offline): each `test_<x>_local` sends the same message shapes as the
standard `test_<x>`. The rest covers inline media of every kind, URL fetching from a loopback server (and its refusal
by default), the Files API with automatic uploads over 20 MB, token counting, image output replayed with its
signature and speech output as WAV.
"""

from __future__ import annotations

import asyncio
import base64
import io
import threading
import wave
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from langchain_gemini import ChatGemini, GeminiFiles, GeminiPermissionDeniedError, wav_bytes
from langchain_gemini._media_fetch import MediaFetchError
from langchain_gemini.testing import GeminiEmulator
from tests.fixtures import media
from tests.integration.conftest import EMULATOR_KEY

PNG = media.png(32, 24)
JPEG, PDF, WAV, MP4 = media.jpeg(), media.pdf(), media.wav(), media.mp4()
LOOPBACK = {"mode": "fetch", "allow_loopback": True}
BIG = 16 * 1024 * 1024  # 22.4 MB once base64-encoded: over Gemini's 20 MiB request cap


def make(emulator: GeminiEmulator, **kwargs: Any) -> ChatGemini:
    kwargs.setdefault("model", "gemini-2.5-flash")
    return ChatGemini(api_key=EMULATOR_KEY, base_url=emulator.base_url, **kwargs)


def inline(data: bytes, mime: str) -> dict[str, Any]:
    return {"inlineData": {"mimeType": mime, "data": media.b64(data)}}


def generate_bodies(emulator: GeminiEmulator) -> list[dict[str, Any]]:
    return [r.json for r in emulator.requests if r.path.endswith(":generateContent") and r.json is not None]


# -- a loopback web server for URL fetching --------------------------------------------------------------------


class LoopbackWeb:
    """A stdlib HTTP server on 127.0.0.1 serving fixed pages; records the paths asked for."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, str | None]] = {}
        self.hits: list[str] = []
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                web.hits.append(self.path)
                page = web.pages.get(self.path.partition("?")[0])
                if page is None:
                    self.send_error(404)
                    return
                body, content_type = page
                self.send_response(200)
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # a short poll interval keeps shutdown() quick at teardown
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"


@pytest.fixture
def web() -> Iterator[LoopbackWeb]:
    server = LoopbackWeb()
    server.pages = {
        "/diagram.png": (PNG, "image/png"),
        "/paper": (PDF, None),  # no type and no extension: sniffed from the content
        "/clip.wav": (WAV, "audio/wav"),
    }
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


# -- the standard tests that download, on local fixtures -------------------------------------------------------


def test_image_inputs_local(emulator: GeminiEmulator, web: LoopbackWeb) -> None:
    model = make(emulator, media_fetch=LOOPBACK)
    image_data = media.b64(PNG)
    prompt = {"type": "text", "text": "Give a concise description of this image."}
    blocks = [
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image_data}"}},
        {"type": "image", "base64": image_data, "mime_type": "image/png"},
        {"type": "image", "url": web.url("/diagram.png")},  # supports_image_urls
    ]
    for block in blocks:
        assert isinstance(model.invoke([HumanMessage(content=[prompt, block])]), AIMessage)
    assert [body["contents"][0]["parts"][1] for body in generate_bodies(emulator)] == [inline(PNG, "image/png")] * 3
    assert web.hits == ["/diagram.png"]


def test_pdf_inputs_local(emulator: GeminiEmulator) -> None:
    model = make(emulator)
    pdf_data = media.b64(PDF)
    prompt = {"type": "text", "text": "Summarize this document:"}
    blocks = [
        {"type": "file", "base64": pdf_data, "mime_type": "application/pdf"},
        {
            "type": "file",
            "file": {"filename": "test_file.pdf", "file_data": f"data:application/pdf;base64,{pdf_data}"},
        },
    ]
    for block in blocks:
        assert isinstance(model.invoke([HumanMessage([prompt, block])]), AIMessage)
    assert [body["contents"][0]["parts"][1] for body in generate_bodies(emulator)] == [
        inline(PDF, "application/pdf")
    ] * 2


def test_audio_inputs_local(emulator: GeminiEmulator) -> None:
    model = make(emulator)
    audio_data = media.b64(WAV)
    prompt = {"type": "text", "text": "Describe this audio:"}
    blocks = [
        {"type": "audio", "mime_type": "audio/wav", "base64": audio_data},
        {"type": "input_audio", "input_audio": {"data": audio_data, "format": "wav"}},
    ]
    for block in blocks:
        answer = model.invoke([HumanMessage([prompt, block])])
        assert isinstance(answer, AIMessage)
        assert answer.usage_metadata is not None
        assert answer.usage_metadata.get("input_token_details", {}).get("audio", 0) > 0
    assert [body["contents"][0]["parts"][1] for body in generate_bodies(emulator)] == [inline(WAV, "audio/wav")] * 2


def random_image() -> str:
    """Return a random image."""
    return ""


def random_pdf() -> str:
    """Return a random PDF."""
    return ""


def _tool_history(prompt: str, name: str, result: ToolMessage) -> list[BaseMessage]:
    call = {"type": "tool_call", "id": "1", "name": name, "args": {}}
    return [HumanMessage(prompt), AIMessage([], tool_calls=[call]), result]


@pytest.mark.parametrize("model_name", ["gemini-2.5-flash", "gemini-3-pro-preview"])
def test_image_tool_message_local(emulator: GeminiEmulator, model_name: str) -> None:
    model = make(emulator, model=model_name)
    image_data = media.b64(PNG)
    oai_format = ToolMessage(
        content=[{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image_data}"}}],
        tool_call_id="1",
        name="random_image",
    )
    standard_format = ToolMessage(
        content=[{"type": "image", "base64": image_data, "mime_type": "image/png"}],
        tool_call_id="1",
        name="random_image",
    )
    prompt = "get a random diagram using the tool and give it a concise description"
    for tool_message in (oai_format, standard_format):
        answer = model.bind_tools([random_image]).invoke(_tool_history(prompt, "random_image", tool_message))
        assert isinstance(answer, AIMessage)
    response = {"functionResponse": {"name": "random_image", "response": {}, "id": "1"}}
    if model_name.startswith("gemini-3"):  # nested, as the multimodal function-response docs describe
        expected = [{"functionResponse": {**response["functionResponse"], "parts": [inline(PNG, "image/png")]}}]
    else:  # older models take the image beside the response, in the same turn
        expected = [response, inline(PNG, "image/png")]
    assert [body["contents"][2]["parts"] for body in generate_bodies(emulator)] == [expected] * 2


def test_pdf_tool_message_local(emulator: GeminiEmulator) -> None:
    tool_message = ToolMessage(
        content_blocks=[{"type": "file", "base64": media.b64(PDF), "mime_type": "application/pdf"}],
        tool_call_id="1",
        name="random_pdf",
    )
    messages = _tool_history(
        "Get a random PDF using the tool and relay the title verbatim.", "random_pdf", tool_message
    )
    answer = make(emulator).bind_tools([random_pdf]).invoke(messages)
    assert isinstance(answer, AIMessage)
    (body,) = generate_bodies(emulator)
    assert body["contents"][2]["parts"][1] == inline(PDF, "application/pdf")


def test_anthropic_inputs_local(emulator: GeminiEmulator) -> None:
    model = make(emulator)
    color_picker = {
        "name": "color_picker",
        "input_schema": {
            "type": "object",
            "properties": {"fav_color": {"type": "string"}},
            "required": ["fav_color"],
        },
        "description": "Input your fav color and get a random fact about it.",
        "cache_control": {"type": "ephemeral"},
    }
    human_content: list[Any] = [
        {"type": "text", "text": "what's your favorite color in this image", "cache_control": {"type": "ephemeral"}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": media.b64(PNG)}},
    ]
    messages: list[BaseMessage] = [
        SystemMessage("you're a good assistant"),
        HumanMessage(human_content),
        AIMessage(
            [
                {"type": "text", "text": "Hmm let me think about that"},
                {"type": "tool_use", "input": {"fav_color": "purple"}, "id": "foo", "name": "color_picker"},
            ],
            tool_calls=[{"name": "color_picker", "args": {"fav_color": "purple"}, "id": "foo", "type": "tool_call"}],
        ),
        ToolMessage("That's a great pick!", tool_call_id="foo"),
    ]
    assert isinstance(model.bind_tools([color_picker]).invoke(messages), AIMessage)
    thinking_history: list[BaseMessage] = [
        HumanMessage([{"type": "text", "text": "Hello"}]),
        AIMessage(
            [
                {
                    "type": "thinking",
                    "thinking": "This is a simple greeting. I should respond warmly.",
                    "signature": "ErUBCkYICBgCIkDCTQUXPc3O7nHXd302Zercaz8WrrpddpOqHITxBih5zeFPoJkwKBvkvZ8ID1aAfJ",
                },
                {"type": "text", "text": "Hello, how are you?"},
            ]
        ),
        HumanMessage([{"type": "text", "text": "Well, thanks."}]),
    ]
    assert isinstance(model.invoke(thinking_history), AIMessage)
    first = generate_bodies(emulator)[0]
    assert first["contents"][0]["parts"] == [
        {"text": "what's your favorite color in this image"},
        inline(PNG, "image/png"),
    ]


# -- inline media of every kind ------------------------------------------------------------------------------

KINDS = [
    pytest.param({"type": "image", "base64": media.b64(JPEG), "mime_type": "image/jpeg"}, "image/jpeg", id="image"),
    pytest.param({"type": "audio", "base64": media.b64(WAV), "mime_type": "audio/wav"}, "audio/wav", id="audio"),
    pytest.param({"type": "video", "base64": media.b64(MP4), "mime_type": "video/mp4"}, "video/mp4", id="video"),
    pytest.param(
        {"type": "file", "base64": media.b64(PDF), "mime_type": "application/pdf"}, "application/pdf", id="pdf"
    ),
    pytest.param(
        {
            "type": "media",
            "data": media.b64(MP4),
            "mime_type": "video/mp4",
            "video_metadata": {"end_offset": 1, "fps": 2},
        },
        "video/mp4",
        id="video-clipped",
    ),
    pytest.param({"type": "video", "base64": media.b64(media.avi())}, "video/avi", id="video-avi-sniffed"),
]


@pytest.mark.parametrize(("block", "mime"), KINDS)
@pytest.mark.parametrize("how", ["invoke", "ainvoke", "stream"])
def test_inline_media_of_every_kind(emulator: GeminiEmulator, block: dict[str, Any], mime: str, how: str) -> None:
    model = make(emulator)
    baseline = model.invoke("What is this?").usage_metadata
    message = HumanMessage([{"type": "text", "text": "What is this?"}, block])
    if how == "invoke":
        answer: Any = model.invoke([message])
    elif how == "ainvoke":
        answer = asyncio.run(model.ainvoke([message]))
    else:
        answer = None
        for chunk in model.stream([message]):
            answer = chunk if answer is None else answer + chunk
    assert answer.text
    assert baseline is not None
    assert answer.usage_metadata["input_tokens"] > baseline["input_tokens"]  # the media was counted
    part = generate_bodies(emulator)[-1] if how != "stream" else emulator.requests[-1].json
    assert part is not None
    sent = part["contents"][0]["parts"][1]
    assert sent["inlineData"]["mimeType"] == mime
    if block.get("video_metadata"):
        assert sent["videoMetadata"] == {"endOffset": "1s", "fps": 2}


def test_media_resolution_per_instance_and_per_part(emulator: GeminiEmulator) -> None:
    model = make(emulator, model="gemini-3-pro-preview", media_resolution="low")
    block = {"type": "image", "base64": media.b64(PNG), "mime_type": "image/png", "media_resolution": "high"}
    assert model.invoke([HumanMessage([block, "describe"])]).text
    (body,) = generate_bodies(emulator)
    assert body["generationConfig"]["mediaResolution"] == "MEDIA_RESOLUTION_LOW"
    assert body["contents"][0]["parts"][0]["mediaResolution"] == {"level": "MEDIA_RESOLUTION_HIGH"}


def test_unsupported_media_fails_before_any_request(emulator: GeminiEmulator) -> None:
    gif = base64.b64encode(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").decode()
    block = {"type": "image_url", "image_url": f"data:application/octet-stream;base64,{gif}"}  # sniffed: GIF
    with pytest.raises(ValueError, match=r"image/gif.*not supported by Gemini.*image/png"):
        make(emulator).invoke([HumanMessage([block, "what?"])])
    assert emulator.requests == []


def test_oversized_media_with_uploads_off_fail_before_any_request(emulator: GeminiEmulator) -> None:
    block = {"type": "image", "base64": media.b64(media.big_jpeg(BIG)), "mime_type": "image/jpeg"}
    with pytest.raises(ValueError, match=r"over Gemini's 20 MB limit.*upload_large_media is off"):
        make(emulator, upload_large_media=False).invoke([HumanMessage([block])])
    assert emulator.requests == []


# -- URL fetching --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_urls_are_fetched_from_a_loopback_server_when_allowed(
    emulator: GeminiEmulator, web: LoopbackWeb, sync: bool
) -> None:
    model = make(emulator, media_fetch=LOOPBACK)
    message = HumanMessage(
        [
            {"type": "image_url", "image_url": web.url("/diagram.png?token=abc")},
            {"type": "file", "url": web.url("/paper")},
            {"type": "audio", "url": web.url("/clip.wav")},
            "Compare these.",
        ]
    )
    answer = model.invoke([message]) if sync else asyncio.run(model.ainvoke([message]))
    assert answer.text
    (body,) = generate_bodies(emulator)
    assert body["contents"][0]["parts"][:3] == [
        inline(PNG, "image/png"),
        inline(PDF, "application/pdf"),
        inline(WAV, "audio/wav"),
    ]
    assert sorted(web.hits) == ["/clip.wav", "/diagram.png?token=abc", "/paper"]


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_loopback_urls_are_refused_by_default(emulator: GeminiEmulator, web: LoopbackWeb, sync: bool) -> None:
    model = make(emulator)
    message = HumanMessage([{"type": "image", "url": web.url("/diagram.png?token=secret")}, "what?"])
    with pytest.raises(MediaFetchError, match="non-public address") as caught:
        model.invoke([message]) if sync else asyncio.run(model.ainvoke([message]))
    assert "secret" not in str(caught.value)
    assert web.hits == []
    assert emulator.requests == []


def test_pass_through_sends_the_url_for_gemini_to_read(emulator: GeminiEmulator, web: LoopbackWeb) -> None:
    model = make(emulator, media_fetch="pass_through")
    model.invoke([HumanMessage([{"type": "image", "url": web.url("/diagram.png")}, "what?"])])
    (body,) = generate_bodies(emulator)
    assert body["contents"][0]["parts"][0] == {
        "fileData": {"fileUri": web.url("/diagram.png"), "mimeType": "image/png"}
    }
    assert web.hits == []


# -- token counting ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_token_counting_runs_the_media_pre_pass(emulator: GeminiEmulator, web: LoopbackWeb, sync: bool) -> None:
    model = make(emulator, media_fetch=LOOPBACK)
    messages: list[BaseMessage] = [HumanMessage([{"type": "image", "url": web.url("/diagram.png")}, "what?"])]
    count = (
        model.get_num_tokens_from_messages(messages)
        if sync
        else asyncio.run(model.aget_num_tokens_from_messages(messages))
    )
    assert count > model.get_num_tokens("what?")
    counted = next(r.json for r in emulator.requests if r.path.endswith(":countTokens"))
    assert counted is not None
    assert counted["generateContentRequest"]["contents"][0]["parts"][0] == inline(PNG, "image/png")
    assert web.hits == ["/diagram.png"]


# -- image output ------------------------------------------------------------------------------------------------

SIGNATURE = base64.b64encode(b"image-signature").decode()


def test_generated_image_is_replayed_with_its_signature(emulator: GeminiEmulator) -> None:
    """A scripted answer carries a signature on its image, as image models send it; the replay returns it intact."""
    parts = [{"text": "Here is your cat."}, {**inline(PNG, "image/png"), "thoughtSignature": SIGNATURE}]
    emulator.enqueue({"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}]})
    model = make(emulator, model="gemini-2.5-flash-image", response_modalities=["TEXT", "IMAGE"])
    answer = model.invoke("Draw a cat")
    image = next(block for block in answer.content if isinstance(block, dict) and block.get("type") == "image")
    assert image["base64"] == media.b64(PNG)
    assert image["extras"]["signature"] == SIGNATURE
    model.invoke([HumanMessage("Draw a cat"), answer, HumanMessage("Make it blue")])
    replayed = generate_bodies(emulator)[-1]["contents"][1]
    assert replayed == {"role": "model", "parts": parts}


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_emulator_image_output_round_trips(emulator: GeminiEmulator, stream: bool) -> None:
    model = make(emulator, model="gemini-2.5-flash-image", response_modalities=["TEXT", "IMAGE"])
    if stream:
        answer: Any = None
        for chunk in model.stream("Draw a cat"):
            answer = chunk if answer is None else answer + chunk
    else:
        answer = model.invoke("Draw a cat")
    images = [block for block in answer.content if isinstance(block, dict) and block.get("type") == "image"]
    assert len(images) == 1
    assert images[0]["mime_type"].startswith("image/")
    assert base64.b64decode(images[0]["base64"])[:8] == b"\x89PNG\r\n\x1a\n"
    (asked,) = emulator.requests
    assert asked.json is not None
    assert asked.json["generationConfig"]["responseModalities"] == ["TEXT", "IMAGE"]
    model.invoke([HumanMessage("Draw a cat"), AIMessage(answer.content), HumanMessage("Again")])
    replayed = generate_bodies(emulator)[-1]["contents"][1]["parts"]
    signature = images[0]["extras"]["signature"]  # the emulator signs generated images, as image models do
    expected = {**inline(base64.b64decode(images[0]["base64"]), images[0]["mime_type"]), "thoughtSignature": signature}
    assert [part for part in replayed if "inlineData" in part] == [expected]


# -- speech output -----------------------------------------------------------------------------------------------


def _wav_info(data: bytes) -> tuple[int, int, int, int]:
    with wave.open(io.BytesIO(data)) as wav:
        return wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), wav.getnframes()


def test_speech_output_becomes_wav_at_the_returned_rate(emulator: GeminiEmulator) -> None:
    model = make(emulator, model="gemini-2.5-flash-preview-tts", response_modalities=["AUDIO"], speech_config="Kore")
    answer = model.invoke("Say cheerfully: have a wonderful day!")
    (audio,) = [block for block in answer.content if isinstance(block, dict) and block.get("type") == "audio"]
    rate = int(audio["mime_type"].rpartition("rate=")[2])
    assert audio["extras"]["sample_rate"] == rate
    pcm = base64.b64decode(audio["base64"])
    assert _wav_info(wav_bytes(answer)) == (rate, 1, 2, len(pcm) // 2)
    (body,) = generate_bodies(emulator)
    assert body["generationConfig"]["speechConfig"] == {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}}


def test_speech_sample_rate_is_read_not_assumed(emulator: GeminiEmulator) -> None:
    pcm = media.pcm(0.05, rate=16000)
    part = {"inlineData": {"mimeType": "audio/L16;codec=pcm;rate=16000", "data": media.b64(pcm)}}
    emulator.enqueue({"candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP"}]})
    model = make(emulator, model="gemini-2.5-flash-preview-tts", response_modalities=["AUDIO"])
    answer = model.invoke("Say hi", speech_config={"Joe": "Kore", "Jane": "Puck"})
    assert _wav_info(wav_bytes(answer)) == (16000, 1, 2, len(pcm) // 2)
    speakers = generate_bodies(emulator)[0]["generationConfig"]["speechConfig"]["multiSpeakerVoiceConfig"]
    assert [s["speaker"] for s in speakers["speakerVoiceConfigs"]] == ["Joe", "Jane"]


def test_speech_answer_replays_in_history(emulator: GeminiEmulator) -> None:
    tts = make(emulator, model="gemini-2.5-flash-preview-tts", response_modalities=["AUDIO"])
    spoken = tts.invoke("Say hi")
    make(emulator).invoke([HumanMessage("Say hi"), spoken, HumanMessage("Transcribe what you said")])
    replayed = generate_bodies(emulator)[-1]["contents"][1]["parts"]
    assert replayed[0]["inlineData"]["mimeType"].lower().startswith("audio/l16")


# -- Files API ----------------------------------------------------------------------------------------------


def test_files_api_upload_get_list_use_delete(emulator: GeminiEmulator) -> None:
    model = make(emulator)
    files = GeminiFiles.from_model(model)
    uploaded = files.wait_until_active(files.upload(PDF, mime_type="application/pdf", display_name="paper"))
    assert uploaded.state == "ACTIVE"
    assert uploaded.mime_type == "application/pdf"
    assert uploaded.size_bytes == len(PDF)
    assert files.get(uploaded.name).uri == uploaded.uri
    assert uploaded.name in [file.name for file in files.list()]
    answer = model.invoke([HumanMessage([uploaded.content_block(), {"type": "text", "text": "Summarise"}])])
    assert answer.text
    (body,) = generate_bodies(emulator)
    assert body["contents"][0]["parts"][0] == {"fileData": {"fileUri": uploaded.uri, "mimeType": "application/pdf"}}
    files.delete(uploaded)
    with pytest.raises(GeminiPermissionDeniedError, match="may not exist"):  # Google answers 403, not 404
        files.get(uploaded.name)


async def test_files_api_async_from_a_path_in_chunks(emulator: GeminiEmulator, tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    path.write_bytes(media.wav(seconds=20))  # 640 KB: several upload chunks
    model = make(emulator)
    files = GeminiFiles.from_model(model)
    uploaded = await files.await_until_active(await files.aupload(path, chunk_size=256 * 1024))
    assert uploaded.mime_type == "audio/wav"
    assert uploaded.size_bytes == path.stat().st_size
    commands = [r for r in emulator.requests if r.headers.get("x-goog-upload-command", "").startswith("upload")]
    offsets = [int(r.headers["x-goog-upload-offset"]) for r in commands]
    sizes = [int(r.headers["content-length"]) for r in commands]
    assert len(commands) > 1  # 256 KiB chunks (Google's granularity) for 640 KB
    assert offsets == [sum(sizes[:i]) for i in range(len(sizes))]  # contiguous, in order
    assert sum(sizes) == path.stat().st_size
    assert [r.headers["x-goog-upload-command"] for r in commands][-1] == "upload, finalize"
    answer = await model.ainvoke([HumanMessage(["Transcribe", uploaded.content_block()])])
    assert answer.text
    names = [file.name async for file in files.alist()]
    assert uploaded.name in names
    await files.adelete(uploaded)


def test_uploaded_video_is_waited_for_and_used_by_name(emulator: GeminiEmulator) -> None:
    model = make(emulator)
    files = GeminiFiles.from_model(model)
    video = files.wait_until_active(files.upload(MP4, mime_type="video/mp4"), poll_interval=0.05, timeout=30)
    assert video.state == "ACTIVE"
    block = {"type": "video", "file_id": video.name, "mime_type": "video/mp4"}  # a bare name is completed
    model.invoke([HumanMessage([block, "What happens?"])])
    (body,) = generate_bodies(emulator)
    assert body["contents"][0]["parts"][0]["fileData"]["fileUri"].endswith(f"/v1beta/{video.name}")


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_media_over_20_mb_are_uploaded_automatically(emulator: GeminiEmulator, sync: bool) -> None:
    big = media.big_jpeg(BIG)
    message = HumanMessage(
        [
            {"type": "text", "text": "Describe both"},
            {"type": "image", "base64": media.b64(big), "mime_type": "image/jpeg"},
            {"type": "image", "base64": media.b64(PNG), "mime_type": "image/png"},
        ]
    )
    model = make(emulator)
    answer = model.invoke([message]) if sync else asyncio.run(model.ainvoke([message]))
    assert answer.text
    (body,) = generate_bodies(emulator)
    uploaded = body["contents"][0]["parts"][1]["fileData"]
    assert uploaded["mimeType"] == "image/jpeg"
    assert body["contents"][0]["parts"][2] == inline(PNG, "image/png")  # the small one stays inline
    files = GeminiFiles.from_model(model)
    stored = files.get(uploaded["fileUri"])
    assert stored.size_bytes == len(big)


def test_oversized_tool_result_is_uploaded(emulator: GeminiEmulator) -> None:
    big = media.big_jpeg(BIG)
    result = ToolMessage([{"type": "image", "base64": media.b64(big), "mime_type": "image/jpeg"}], tool_call_id="1")
    model = make(emulator, model="gemini-3-pro-preview")
    model.bind_tools([random_image]).invoke(_tool_history("get the image", "random_image", result))
    (body,) = generate_bodies(emulator)
    parts = body["contents"][2]["parts"]
    assert parts[0]["functionResponse"]["name"] == "random_image"
    assert parts[1]["fileData"]["mimeType"] == "image/jpeg"
