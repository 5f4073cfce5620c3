"""Multimodal output through ChatGemini: image and speech blocks, their signatures on replay, and the settings."""

from __future__ import annotations

import asyncio
import io
import wave
from typing import Any

import pytest
from langchain_core.load import dumps, loads
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage

from langchain_gemini import ChatGemini, Modality, wav_bytes
from tests.fixtures import media
from tests.unit.fake_gemini import FakeGemini

PNG_B64 = media.b64(media.png())
PCM = media.pcm(0.05, 24000)


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def answer(*parts: dict[str, Any]) -> dict[str, Any]:
    return {
        "candidates": [{"content": {"role": "model", "parts": list(parts)}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 1290, "totalTokenCount": 1294},
        "responseId": "img-1",
    }


def image_part(data: str = PNG_B64, signature: str | None = "c2lnLWltYWdl") -> dict[str, Any]:
    part: dict[str, Any] = {"inlineData": {"mimeType": "image/png", "data": data}}
    if signature:
        part["thoughtSignature"] = signature
    return part


def audio_part(mime: str = "audio/L16;codec=pcm;rate=24000", pcm: bytes = PCM) -> dict[str, Any]:
    return {"inlineData": {"mimeType": mime, "data": media.b64(pcm)}}


# -- images --------------------------------------------------------------------------------------------------------


def test_generated_image_becomes_a_standard_image_block() -> None:
    fake = FakeGemini(responses=[answer({"text": "Here is your cat."}, image_part())])
    model = fake.model(model="gemini-2.5-flash-image")
    message = model.invoke("Draw a cat", response_modalities=[Modality.TEXT, Modality.IMAGE])
    assert fake.bodies()[0]["generationConfig"] == {"responseModalities": ["TEXT", "IMAGE"]}
    assert message.content == [
        {"type": "text", "text": "Here is your cat."},
        {"type": "image", "base64": PNG_B64, "mime_type": "image/png", "extras": {"signature": "c2lnLWltYWdl"}},
    ]
    assert message.text == "Here is your cat."


def test_generated_image_round_trips_with_its_signature_on_the_same_part() -> None:
    fake = FakeGemini(responses=[answer({"text": "A cat."}, image_part()), answer({"text": "Done."})])
    model = fake.model(model="gemini-2.5-flash-image", response_modalities=["text", "image"])
    first = model.invoke("Draw a cat")
    restored = loads(dumps(first), allowed_objects="messages")  # histories are stored serialised
    model.invoke([HumanMessage("Draw a cat"), restored, HumanMessage("Now give it a hat")])
    replayed = fake.bodies()[1]["contents"][1]
    assert replayed == {
        "role": "model",
        "parts": [{"text": "A cat."}, {**image_part()}],
    }


def test_unsigned_images_replay_without_a_signature() -> None:
    fake = FakeGemini(responses=[answer(image_part(signature=None)), answer({"text": "ok"})])
    model = fake.model()
    first = model.invoke("draw")
    assert first.content == [{"type": "image", "base64": PNG_B64, "mime_type": "image/png"}]
    model.invoke([HumanMessage("draw"), first, HumanMessage("again")])
    assert fake.bodies()[1]["contents"][1]["parts"] == [image_part(signature=None)]


def test_streamed_images_are_never_merged() -> None:
    second = media.b64(media.jpeg())
    events = [
        {"candidates": [{"content": {"parts": [{"text": "Two "}]}}]},
        {"candidates": [{"content": {"parts": [{"text": "images:"}]}}]},
        {"candidates": [{"content": {"parts": [image_part(signature=None)]}}]},
        {
            "candidates": [
                {
                    "content": {"parts": [{"inlineData": {"mimeType": "image/jpeg", "data": second}}]},
                    "finishReason": "STOP",
                }
            ]
        },
    ]
    fake = FakeGemini(streams=[events])
    chunks = list(fake.model().stream("two images", response_modalities=["TEXT", "IMAGE"]))
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert isinstance(merged, AIMessageChunk)
    images = [block for block in merged.content if isinstance(block, dict) and block["type"] == "image"]
    assert [(block["mime_type"], block["base64"]) for block in images] == [
        ("image/png", PNG_B64),
        ("image/jpeg", second),
    ]
    assert merged.text == "Two images:"


def test_file_data_output_becomes_a_file_reference_block_and_replays() -> None:
    uri = "https://generativelanguage.googleapis.com/v1beta/files/out1"
    part = {"fileData": {"fileUri": uri, "mimeType": "video/mp4"}}
    fake = FakeGemini(responses=[answer(part), answer({"text": "ok"})])
    model = fake.model()
    first = model.invoke("make a video")
    assert first.content == [{"type": "video", "file_id": uri, "mime_type": "video/mp4"}]
    model.invoke([HumanMessage("make a video"), first, HumanMessage("thanks")])
    assert fake.bodies()[1]["contents"][1]["parts"] == [part]


def test_content_blocks_view_keeps_the_image_standard() -> None:
    fake = FakeGemini(responses=[answer({"text": "cat"}, image_part())])
    blocks = fake.model().invoke("draw").content_blocks
    assert blocks[1] == {
        "type": "image",
        "base64": PNG_B64,
        "mime_type": "image/png",
        "extras": {"signature": "c2lnLWltYWdl"},
    }


# -- image settings ---------------------------------------------------------------------------------------------------


def test_image_config_per_instance_and_per_call() -> None:
    fake = FakeGemini()
    model = fake.model(image_config={"aspect_ratio": "16:9"})
    model.invoke("a")
    model.invoke("b", image_config={"aspectRatio": "1:1", "image_size": "2K"})
    configs = [body["generationConfig"]["imageConfig"] for body in fake.bodies()]
    assert configs == [{"aspectRatio": "16:9"}, {"aspectRatio": "1:1", "imageSize": "2K"}]


@pytest.mark.parametrize(
    ("config", "match"),
    [({"aspect_ratio": "wide"}, "must look like '16:9'"), ({"ratio": "1:1"}, r"unknown field\(s\) \['ratio'\]")],
)
def test_bad_image_config(config: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ChatGemini(model="gemini-2.5-flash-image", api_key="k", image_config=config)


@pytest.mark.parametrize(
    ("value", "match"),
    [("TEXT", "must be a list"), (["TEXT", "VIDEO"], "unknown modality 'VIDEO'")],
)
def test_bad_response_modalities(value: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ChatGemini(model="gemini-2.5-flash", api_key="k", response_modalities=value)
    fake = FakeGemini()
    with pytest.raises(ValueError, match=match):
        fake.model().invoke("x", response_modalities=value)
    assert fake.requests == []


# -- speech ------------------------------------------------------------------------------------------------------------


def test_speech_becomes_an_audio_block_with_the_returned_sample_rate() -> None:
    fake = FakeGemini(responses=[answer(audio_part())])
    model = fake.model(model="gemini-2.5-flash-preview-tts", response_modalities=[Modality.AUDIO], speech_config="Kore")
    message = model.invoke("Say cheerfully: Have a wonderful day!")
    assert fake.bodies()[0]["generationConfig"] == {
        "responseModalities": ["AUDIO"],
        "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}},
    }
    (block,) = message.content
    assert block == {
        "type": "audio",
        "base64": media.b64(PCM),
        "mime_type": "audio/L16;codec=pcm;rate=24000",
        "extras": {"sample_rate": 24000},
    }
    with wave.open(io.BytesIO(wav_bytes(message))) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (24000, 1, 2)
        assert wav.readframes(wav.getnframes()) == PCM


def test_sample_rate_is_read_not_assumed() -> None:
    pcm = media.pcm(0.02, 16000)
    fake = FakeGemini(responses=[answer(audio_part("audio/pcm;rate=16000", pcm))])
    message = fake.model().invoke("speak", response_modalities=["AUDIO"])
    assert message.content[0]["extras"] == {"sample_rate": 16000}
    with wave.open(io.BytesIO(wav_bytes(message.content[0]))) as wav:
        assert wav.getframerate() == 16000
        assert wav.getnframes() == len(pcm) // 2


def test_audio_without_a_rate_needs_one_to_become_wav() -> None:
    fake = FakeGemini(responses=[answer(audio_part("audio/L16", PCM))])
    message = fake.model().invoke("speak")
    assert "extras" not in message.content[0]
    with pytest.raises(ValueError, match="sample rate of 'audio/L16' is unknown"):
        wav_bytes(message)
    with wave.open(io.BytesIO(wav_bytes(message, rate=22050))) as wav:
        assert wav.getframerate() == 22050


def test_wav_bytes_of_other_formats() -> None:
    wav_file = media.wav()
    assert wav_bytes({"type": "audio", "base64": media.b64(wav_file), "mime_type": "audio/wav"}) == wav_file
    with pytest.raises(ValueError, match="only raw PCM"):
        wav_bytes({"type": "audio", "base64": "AAAA", "mime_type": "audio/mp3"})
    with pytest.raises(ValueError, match="no audio block found"):
        wav_bytes(AIMessage("just text"))
    stereo = wav_bytes({"type": "audio", "base64": media.b64(PCM), "mime_type": "audio/L16;rate=8000;channels=2"})
    with wave.open(io.BytesIO(stereo)) as wav:
        assert (wav.getnchannels(), wav.getframerate()) == (2, 8000)


def test_audio_answer_replays_as_inline_data() -> None:
    fake = FakeGemini(responses=[answer(audio_part()), answer({"text": "ok"})])
    model = fake.model()
    first = model.invoke("speak")
    model.invoke([HumanMessage("speak"), first, HumanMessage("again")])
    assert fake.bodies()[1]["contents"][1]["parts"] == [audio_part()]


async def test_speech_async_and_streamed() -> None:
    events = [{"candidates": [{"content": {"parts": [audio_part()]}, "finishReason": "STOP"}]}]
    fake = FakeGemini(streams=[events])
    model = fake.model(response_modalities=["AUDIO"])
    chunks = [chunk async for chunk in model.astream("speak")]
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    audio = [block for block in merged.content if isinstance(block, dict) and block.get("type") == "audio"]
    assert len(audio) == 1
    assert wav_bytes(audio[0])[:4] == b"RIFF"


@pytest.mark.parametrize(
    ("config", "wire"),
    [
        (
            {"Joe": "Kore", "Jane": "Puck"},
            {
                "multiSpeakerVoiceConfig": {
                    "speakerVoiceConfigs": [
                        {"speaker": "Joe", "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}},
                        {"speaker": "Jane", "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Puck"}}},
                    ]
                }
            },
        ),
        (
            {"voice_config": {"prebuilt_voice_config": {"voice_name": "Puck"}}, "language_code": "de-DE"},
            {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Puck"}}, "languageCode": "de-DE"},
        ),
        (
            {"multiSpeakerVoiceConfig": {"speakerVoiceConfigs": [{"speaker": "A", "voiceConfig": {}}]}},
            {"multiSpeakerVoiceConfig": {"speakerVoiceConfigs": [{"speaker": "A", "voiceConfig": {}}]}},
        ),
    ],
)
def test_speech_config_forms(config: dict[str, Any], wire: dict[str, Any]) -> None:
    fake = FakeGemini()
    fake.model().invoke("say it", speech_config=config)
    assert fake.bodies()[0]["generationConfig"]["speechConfig"] == wire


def test_per_call_speech_config_overrides_the_instance() -> None:
    fake = FakeGemini()
    model = fake.model(speech_config="Kore")
    model.invoke("a", speech_config="Puck")
    model.invoke("b")
    voices = [
        body["generationConfig"]["speechConfig"]["voiceConfig"]["prebuiltVoiceConfig"]["voiceName"]
        for body in fake.bodies()
    ]
    assert voices == ["Puck", "Kore"]


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"A": "Kore", "B": "Puck", "C": "Zephyr"}, "at most 2 speakers"),
        ({"voiceConfig": {}, "multiSpeakerVoiceConfig": {}}, "mutually exclusive"),
        ({"voiceConfig": {}, "pitch": 2}, r"unknown field\(s\) \['pitch'\]"),
        ({}, "must be a voice name"),
        ({"Joe": ""}, "non-empty string"),
    ],
)
def test_bad_speech_config(config: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ChatGemini(model="gemini-2.5-flash-preview-tts", api_key="k", speech_config=config)


def test_settings_survive_serialisation() -> None:
    model = ChatGemini(
        model="gemini-2.5-flash-preview-tts",
        api_key="k",
        response_modalities=["AUDIO"],
        speech_config="Kore",
        media_resolution="low",
        media_fetch={"mode": "fetch", "allow_loopback": True},
        upload_large_media=False,
    )
    restored = loads(
        dumps(model),
        secrets_map={"GOOGLE_API_KEY": "k"},
        valid_namespaces=["langchain_gemini"],
        allowed_objects=[ChatGemini],
    )
    assert isinstance(restored, ChatGemini)
    assert restored.response_modalities == [Modality.AUDIO]
    assert restored.speech_config == model.speech_config
    assert restored.media_resolution == model.media_resolution
    assert restored.media_fetch == {"mode": "fetch", "allow_loopback": True}
    assert restored.upload_large_media is False


def test_async_image_generation() -> None:
    fake = FakeGemini(responses=[answer(image_part())])
    message = asyncio.run(fake.model().ainvoke("draw", response_modalities=[Modality.IMAGE]))
    assert message.content[0]["type"] == "image"
