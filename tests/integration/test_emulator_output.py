"""Output modalities on the emulator: generated images and speech, their settings, and what models can produce."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import httpx
import pytest

from tests.integration.emulator_helpers import FLASH, ask, generate, parts_of, rejected

IMAGE_MODEL = "gemini-2.5-flash-image"
TTS = "gemini-2.5-flash-preview-tts"


def decode_png(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and raw scanlines of a PNG, checking its signature and every chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = body
        position += 12 + length
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    assert b"IEND" in chunks
    return width, height, zlib.decompress(chunks[b"IDAT"])


def image_part(answer: dict[str, Any]) -> dict[str, Any]:
    (part,) = [p for p in parts_of(answer) if "inlineData" in p]
    return part


def draw(client: httpx.Client, prompt: str, **config: Any) -> dict[str, Any]:
    body = ask(prompt, generationConfig={"responseModalities": ["TEXT", "IMAGE"], **config})
    return generate(client, body, model=IMAGE_MODEL)


# -- images ----------------------------------------------------------------------------------------------------------


def test_text_and_a_real_png_with_a_signature(emu_client: httpx.Client) -> None:
    answer = draw(emu_client, "Draw a cat")
    parts = parts_of(answer)
    assert parts[0]["text"]
    image = image_part(answer)
    assert image["inlineData"]["mimeType"] == "image/png"
    assert image["thoughtSignature"]
    width, height, rows = decode_png(base64.b64decode(image["inlineData"]["data"]))
    assert (width, height) == (32, 32)
    assert len(rows) == height * (1 + 3 * width)  # a filter byte and RGB pixels per row
    assert answer["usageMetadata"]["candidatesTokenCount"] >= 1290  # "Output images ... consume 1290 tokens"


def test_images_are_deterministic_per_prompt(emu_client: httpx.Client) -> None:
    cat = image_part(draw(emu_client, "Draw a cat"))["inlineData"]["data"]
    assert image_part(draw(emu_client, "Draw a cat"))["inlineData"]["data"] == cat
    assert image_part(draw(emu_client, "Draw a dog"))["inlineData"]["data"] != cat


@pytest.mark.parametrize(("ratio", "size"), [("16:9", (128, 72)), ("9:16", (72, 128)), ("21:9", (168, 72))])
def test_aspect_ratio_shapes_the_image(emu_client: httpx.Client, ratio: str, size: tuple[int, int]) -> None:
    image = image_part(draw(emu_client, "Draw", imageConfig={"aspectRatio": ratio, "imageSize": "2K"}))
    assert decode_png(base64.b64decode(image["inlineData"]["data"]))[:2] == size


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"aspectRatio": "7:3"}, "generation_config.image_config.aspect_ratio: aspect ratio must be one of 1:1"),
        ({"imageSize": "1k"}, "generation_config.image_config.image_size: image size must be one of 1K, 2K, 4K."),
    ],
)
def test_image_config_values(emu_client: httpx.Client, config: dict[str, Any], fragment: str) -> None:
    body = ask("Draw", generationConfig={"responseModalities": ["TEXT", "IMAGE"], "imageConfig": config})
    assert fragment in rejected(emu_client, body, model=IMAGE_MODEL)["message"]


def test_image_only_and_text_only_on_an_image_model(emu_client: httpx.Client) -> None:
    only = generate(emu_client, ask("Draw", generationConfig={"responseModalities": ["IMAGE"]}), model=IMAGE_MODEL)
    assert [list(p) for p in parts_of(only)] == [["inlineData", "thoughtSignature"]]
    text = generate(emu_client, ask("Describe", generationConfig={"responseModalities": ["TEXT"]}), model=IMAGE_MODEL)
    assert all("inlineData" not in p for p in parts_of(text))
    # No config at all, as Google's image-generation guide calls it: text and an image
    default = generate(emu_client, ask("Draw a cat"), model=IMAGE_MODEL)
    assert [next(iter(p)) for p in parts_of(default)] == ["text", "inlineData"]


def test_streamed_image_arrives_whole(emu_client: httpx.Client) -> None:
    body = ask("Draw a cat", generationConfig={"responseModalities": ["TEXT", "IMAGE"]})
    raw = emu_client.post(f"/v1beta/models/{IMAGE_MODEL}:streamGenerateContent", params={"alt": "sse"}, json=body)
    events = [line for line in raw.text.split("\r\n\r\n") if line]
    images = [e for e in events if '"inlineData"' in e]
    assert len(images) == 1
    assert '"thoughtSignature"' in images[0]


# -- speech ----------------------------------------------------------------------------------------------------------


def speak(client: httpx.Client, prompt: str = "Say cheerfully: have a wonderful day!", **config: Any) -> httpx.Response:
    body = ask(prompt, generationConfig={"responseModalities": ["AUDIO"], **config})
    return client.post(f"/v1beta/models/{TTS}:generateContent", json=body)


def test_tts_answers_24_khz_pcm(emu_client: httpx.Client) -> None:
    answer = speak(emu_client).json()
    (part,) = parts_of(answer)
    assert part["inlineData"]["mimeType"] == "audio/L16;codec=pcm;rate=24000"
    pcm = base64.b64decode(part["inlineData"]["data"])
    assert len(pcm) % 2 == 0
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    assert max(samples) > 0  # a tone, not silence
    assert len(samples) >= 2400  # at least 0.1 s
    other = parts_of(speak(emu_client, "Say something else entirely, please").json())[0]
    assert other["inlineData"]["data"] != part["inlineData"]["data"]


def test_voices(emu_client: httpx.Client) -> None:
    single = {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}}
    assert speak(emu_client, speechConfig=single).status_code == 200
    lowercase = {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "puck"}}}
    assert speak(emu_client, speechConfig=lowercase).status_code == 200
    pair = {
        "multiSpeakerVoiceConfig": {
            "speakerVoiceConfigs": [
                {"speaker": "Joe", "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}},
                {"speaker": "Jane", "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Puck"}}},
            ]
        }
    }
    assert speak(emu_client, "Joe: Hi. Jane: Hello.", speechConfig=pair).status_code == 200


def _speaker(name: str, voice: str = "Kore") -> dict[str, Any]:
    return {"speaker": name, "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": voice}}}


@pytest.mark.parametrize(
    ("speech", "fragment"),
    [
        (
            {
                "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}},
                "multiSpeakerVoiceConfig": {"speakerVoiceConfigs": [_speaker("Joe")]},
            },
            "generation_config.speech_config: voice_config and multi_speaker_voice_config are mutually exclusive.",
        ),
        (
            {"multiSpeakerVoiceConfig": {"speakerVoiceConfigs": [_speaker("A"), _speaker("B"), _speaker("C")]}},
            "speaker_voice_configs: between 1 and 2 speakers are supported, got 3.",
        ),
        (
            {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Alloy"}}},
            "speech_config.voice_config.prebuilt_voice_config.voice_name: voice Alloy is not supported.",
        ),
        (
            {"multiSpeakerVoiceConfig": {"speakerVoiceConfigs": [_speaker("Joe", "Nova")]}},
            "speaker_voice_configs[0].voice_config.prebuilt_voice_config.voice_name: voice Nova is not supported.",
        ),
    ],
    ids=["both-forms", "three-speakers", "unknown-voice", "unknown-speaker-voice"],
)
def test_speech_config_is_validated(emu_client: httpx.Client, speech: dict[str, Any], fragment: str) -> None:
    response = speak(emu_client, speechConfig=speech)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


# -- what models can produce -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "modalities", "accepted"),
    [
        (FLASH, ["AUDIO"], "* TEXT\n"),
        (FLASH, ["TEXT", "IMAGE"], "* TEXT\n"),
        (TTS, ["TEXT", "AUDIO"], "* AUDIO\n"),
        (IMAGE_MODEL, ["AUDIO"], "* TEXT\n* IMAGE, TEXT\n* IMAGE\n"),
    ],
)
def test_modalities_a_model_cannot_produce(
    emu_client: httpx.Client, model: str, modalities: list[str], accepted: str
) -> None:
    error = rejected(emu_client, ask("x", generationConfig={"responseModalities": modalities}), model=model)
    assert error["message"].startswith("The requested combination of response modalities")
    assert error["message"].endswith(f"accepts the following combination of response modalities:\n{accepted}")
