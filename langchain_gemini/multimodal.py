"""Multimodal settings: output modalities, media resolution, speech and image configuration, URL fetching.

The `Annotated` aliases below are the field types of `ChatGemini` and of its per-call keyword arguments: each one
validates what users write (`"low"`, `"Kore"`, `{"aspect_ratio": "16:9"}`) and stores the form the REST API takes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict
from typing_extensions import TypedDict

__all__ = [
    "ImageConfigInput",
    "MediaFetchInput",
    "MediaFetchPolicy",
    "MediaResolution",
    "MediaResolutionInput",
    "Modality",
    "ResponseModalities",
    "SpeechConfigInput",
    "to_image_config",
    "to_media_resolution",
    "to_modalities",
    "to_speech_config",
]


class Modality(StrEnum):
    """What a model may answer with (`generationConfig.responseModalities`)."""

    TEXT = "TEXT"
    """Text parts."""
    IMAGE = "IMAGE"
    """Generated images (image models such as `gemini-2.5-flash-image`), returned as `image` blocks."""
    AUDIO = "AUDIO"
    """Speech (the TTS models, which take nothing else), returned as `audio` blocks."""


class MediaResolution(StrEnum):
    """How many tokens an image or video frame costs (`mediaResolution`); lower is cheaper and coarser."""

    LOW = "MEDIA_RESOLUTION_LOW"
    """Fewest tokens per image or frame; enough for most video and simple images."""
    MEDIUM = "MEDIA_RESOLUTION_MEDIUM"
    """A middle setting."""
    HIGH = "MEDIA_RESOLUTION_HIGH"
    """Most tokens per image or frame, for fine detail such as small text."""


def to_media_resolution(value: Any) -> MediaResolution:
    """`"low"`, `"LOW"`, `"MEDIA_RESOLUTION_LOW"` or `MediaResolution.LOW` -> `MediaResolution.LOW`.

    Raises:
        ValueError: For any other value; the message lists the accepted ones.
    """
    if isinstance(value, MediaResolution):
        return value
    if isinstance(value, str):
        key = value.strip().upper().removeprefix("MEDIA_RESOLUTION_")
        if key in MediaResolution.__members__:
            return MediaResolution[key]
    choices = ", ".join(member.name.lower() for member in MediaResolution)
    msg = f"media_resolution must be one of {choices} (or MEDIA_RESOLUTION_<LEVEL>), got {value!r}"
    raise ValueError(msg)


def to_modalities(value: Any) -> list[Modality]:
    """A list of modality names (any case) or `Modality` members -> `list[Modality]`.

    Raises:
        ValueError: For a bare string or an unknown modality.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        msg = "response_modalities must be a list, e.g. [Modality.TEXT, Modality.IMAGE]"
        raise ValueError(msg)  # noqa: TRY004 - pydantic reports only ValueError as a validation error
    result = []
    for item in value:
        name = item.value if isinstance(item, Modality) else str(item).strip().upper()
        if name not in Modality.__members__:
            msg = f"response_modalities: unknown modality {item!r}; use TEXT, IMAGE or AUDIO"
            raise ValueError(msg)
        result.append(Modality[name])
    return result


_SPEECH_KEYS = {
    "voice_config": "voiceConfig",
    "voiceConfig": "voiceConfig",
    "multi_speaker_voice_config": "multiSpeakerVoiceConfig",
    "multiSpeakerVoiceConfig": "multiSpeakerVoiceConfig",
    "language_code": "languageCode",
    "languageCode": "languageCode",
}
# "up to 2 speakers" (ai.google.dev/gemini-api/docs/speech-generation).
_MAX_SPEAKERS = 2


def _camel_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {_camel(str(key)): _camel_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_camel_keys(item) for item in value]
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _voice(name: Any) -> dict[str, Any]:
    if not isinstance(name, str) or not name.strip():
        msg = f"speech_config: a voice name must be a non-empty string, got {name!r}"
        raise ValueError(msg)
    return {"prebuiltVoiceConfig": {"voiceName": name.strip()}}


def to_speech_config(value: Any) -> dict[str, Any]:
    """Speech settings in any of three forms -> the REST `speechConfig` object.

    * a voice name: `"Kore"`;
    * speakers to voices, for multi-speaker TTS: `{"Joe": "Kore", "Jane": "Puck"}`;
    * the REST object itself, in camelCase or snake_case (`{"voice_config": {...}, "language_code": "en-US"}`).

    Raises:
        ValueError: For unknown keys, both single and multi-speaker voices, or more than two speakers.
    """
    if isinstance(value, str):
        return {"voiceConfig": _voice(value)}
    if not isinstance(value, Mapping) or not value:
        msg = "speech_config must be a voice name, a {speaker: voice} mapping or a speechConfig object"
        raise ValueError(msg)
    if not any(key in _SPEECH_KEYS for key in value):
        speakers = [{"speaker": str(speaker), "voiceConfig": _voice(voice)} for speaker, voice in value.items()]
        value = {"multiSpeakerVoiceConfig": {"speakerVoiceConfigs": speakers}}
    unknown = [key for key in value if key not in _SPEECH_KEYS]
    if unknown:
        msg = f"speech_config: unknown field(s) {unknown}; expected voiceConfig, multiSpeakerVoiceConfig, languageCode"
        raise ValueError(msg)
    config = {_SPEECH_KEYS[key]: _camel_keys(item) for key, item in value.items()}
    if "voiceConfig" in config and "multiSpeakerVoiceConfig" in config:
        msg = "speech_config: voiceConfig and multiSpeakerVoiceConfig are mutually exclusive"
        raise ValueError(msg)
    speakers = (config.get("multiSpeakerVoiceConfig") or {}).get("speakerVoiceConfigs") or []
    if len(speakers) > _MAX_SPEAKERS:
        msg = f"speech_config: Gemini TTS takes at most {_MAX_SPEAKERS} speakers, got {len(speakers)}"
        raise ValueError(msg)
    return config


_IMAGE_KEYS = {
    "aspect_ratio": "aspectRatio",
    "aspectRatio": "aspectRatio",
    "image_size": "imageSize",
    "imageSize": "imageSize",
}
_ASPECT_RATIO = re.compile(r"^\d{1,2}:\d{1,2}$")


def to_image_config(value: Any) -> dict[str, Any]:
    """`{"aspect_ratio": "16:9"}` (snake or camelCase) -> the REST `imageConfig` object.

    Only the fields the reference lists are accepted (`aspectRatio`, and `imageSize` for newer image models), so
    a typo fails here rather than as a 400 from the API.

    Raises:
        ValueError: For unknown keys or an aspect ratio not written as `W:H`.
    """
    if not isinstance(value, Mapping):
        msg = "image_config must be a mapping such as {'aspect_ratio': '16:9'}"
        raise ValueError(msg)  # noqa: TRY004 - pydantic reports ValueError as a validation error
    unknown = [key for key in value if key not in _IMAGE_KEYS]
    if unknown:
        msg = f"image_config: unknown field(s) {unknown}; expected aspect_ratio, image_size"
        raise ValueError(msg)
    config = {_IMAGE_KEYS[key]: item for key, item in value.items()}
    ratio = config.get("aspectRatio")
    if ratio is not None and not (isinstance(ratio, str) and _ASPECT_RATIO.match(ratio)):
        msg = f"image_config: aspect_ratio must look like '16:9', got {ratio!r}"
        raise ValueError(msg)
    return config


class MediaFetchPolicy(TypedDict, total=False):
    """How `ChatGemini` treats http(s) media URLs that Gemini cannot read itself.

    Files API URIs, YouTube links and `gs://` URIs always go to Gemini as references. Any other http(s) URL is,
    by `mode`:

    * `"fetch"` (default): downloaded by the client and sent inline (or uploaded when large). Only public
      addresses are contacted: the host is resolved and every address checked, redirects are re-checked, and the
      download is bounded by `timeout` (seconds, whole download) and `max_bytes`.
    * `"pass_through"`: sent as a `fileData` reference for Gemini to resolve.
    * `"refuse"`: a `ValueError` before any request.

    `allow_loopback=True` lets tests fetch from 127.0.0.1 / ::1; private and link-local ranges stay refused.
    """

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    mode: Literal["fetch", "pass_through", "refuse"]
    """What to do with such URLs (default `"fetch"`)."""
    timeout: float
    """Seconds allowed for a whole download, redirects included (default 30)."""
    max_bytes: int
    """Largest download accepted, in bytes (default 32 MiB); a larger body is refused."""
    max_redirects: int
    """Redirects followed, each re-checked against the address rules (default 5)."""
    allow_loopback: bool
    """Allow 127.0.0.1 and ::1, for tests (default False). Private and link-local ranges stay refused."""


ResponseModalities = Annotated[list[Modality], BeforeValidator(to_modalities)]
"""`response_modalities`: a list of `Modality` members or their names in any case (see `to_modalities`)."""
MediaResolutionInput = Annotated[MediaResolution, BeforeValidator(to_media_resolution)]
"""`media_resolution`: `"low"`, `"medium"`, `"high"` or a `MediaResolution` (see `to_media_resolution`)."""
SpeechConfigInput = Annotated[str | dict[str, Any], AfterValidator(to_speech_config)]
"""`speech_config`: a voice name, `{speaker: voice}`, or a REST `speechConfig` object (see `to_speech_config`)."""
ImageConfigInput = Annotated[dict[str, Any], AfterValidator(to_image_config)]
"""`image_config`: `{"aspect_ratio": "16:9"}`, optionally `image_size` (see `to_image_config`)."""


def _check_fetch_policy(value: Any) -> Any:
    from langchain_gemini._media_fetch import fetch_settings

    fetch_settings(value)  # raises ValueError naming the bad limit
    return value


MediaFetchInput = Annotated[
    Literal["fetch", "pass_through", "refuse"] | MediaFetchPolicy, AfterValidator(_check_fetch_policy)
]
"""`media_fetch`: a mode name or a `MediaFetchPolicy` dict; a bad mode, field or limit is a `ValueError`."""
