"""Rules for output settings: `speechConfig` and `imageConfig` (wording ours; the limits are the docs').

* SpeechConfig: `voiceConfig` and `multiSpeakerVoiceConfig` are "mutually exclusive" (proto comment, reference
  10.3); multi-speaker takes "up to 2 speakers" (reference 10.3) and at least one; voice names are the 30 prebuilt
  voices of reference 10.3 (compared without case).
* ImageConfig: `aspectRatio` is one of 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9 and `imageSize` one of
  1K, 2K, 4K (ImageConfig in googleapis/js-genai; the docs ask for an uppercase K).
* `responseLogprobs` only on models that have log probabilities enabled (`ModelInfo.logprobs`); the others
  answer "Logprobs is not enabled for models/<id>" (Google's words, quoted in langchain-ai/langchain-google#1266).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_gemini.testing._errors import ApiError, invalid_argument
from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._rules import FieldRule, RequestRule, Violations

_VOICE_NAMES = (
    "Zephyr Puck Charon Kore Fenrir Leda Orus Aoede Callirrhoe Autonoe Enceladus Iapetus Umbriel Algieba Despina "
    "Erinome Algenib Rasalgethi Laomedeia Achernar Alnilam Schedar Gacrux Pulcherrima Achird Zubenelgenubi "
    "Vindemiatrix Sadachbia Sadaltager Sulafat"
)
VOICES = frozenset(_VOICE_NAMES.lower().split(" "))
ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
IMAGE_SIZES = ("1K", "2K", "4K")
_MAX_SPEAKERS = 2


def _voice(config: dict[str, Any], path: str) -> Iterator[tuple[str, str]]:
    name = config.get("prebuiltVoiceConfig", {}).get("voiceName")
    if name is not None and name.lower() not in VOICES:
        yield f"{path}.prebuilt_voice_config.voice_name", f"voice {name} is not supported."


def speech_config(request: dict[str, Any], model: ModelInfo) -> Violations:
    """Voices exist; single and multi-speaker settings exclude each other; 1 or 2 speakers."""
    config = request.get("generationConfig", {}).get("speechConfig")
    if config is None:
        return
    path = "generation_config.speech_config"
    if "voiceConfig" in config and "multiSpeakerVoiceConfig" in config:
        yield path, "voice_config and multi_speaker_voice_config are mutually exclusive."
    if "voiceConfig" in config:
        yield from _voice(config["voiceConfig"], f"{path}.voice_config")
    multi = config.get("multiSpeakerVoiceConfig")
    if multi is None:
        return
    speakers = multi.get("speakerVoiceConfigs", [])
    where = f"{path}.multi_speaker_voice_config.speaker_voice_configs"
    if not 1 <= len(speakers) <= _MAX_SPEAKERS:
        yield where, f"between 1 and {_MAX_SPEAKERS} speakers are supported, got {len(speakers)}."
    for index, speaker in enumerate(speakers):
        if not speaker.get("speaker"):
            yield f"{where}[{index}].speaker", "speaker name is required."
        yield from _voice(speaker.get("voiceConfig", {}), f"{where}[{index}].voice_config")


def image_config(request: dict[str, Any], model: ModelInfo) -> Violations:
    """Known aspect ratios and sizes."""
    config = request.get("generationConfig", {}).get("imageConfig")
    if config is None:
        return
    ratio, size = config.get("aspectRatio"), config.get("imageSize")
    if ratio is not None and ratio not in ASPECT_RATIOS:
        yield "generation_config.image_config.aspect_ratio", f"aspect ratio must be one of {', '.join(ASPECT_RATIOS)}."
    if size is not None and size not in IMAGE_SIZES:
        yield "generation_config.image_config.image_size", f"image size must be one of {', '.join(IMAGE_SIZES)}."


FIELD_RULES: list[FieldRule] = [speech_config, image_config]


def logprobs_enabled(request: dict[str, Any], model: ModelInfo) -> ApiError | None:
    """`responseLogprobs: true` on a model without log probabilities is a 400 (see the module docstring)."""
    if request.get("generationConfig", {}).get("responseLogprobs") and not model.logprobs:
        return invalid_argument(f"Logprobs is not enabled for models/{model.id}")
    return None


REQUEST_RULES: list[RequestRule] = [logprobs_enabled]
