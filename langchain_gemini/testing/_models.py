"""The emulator's model registry: what `models.list` serves and what each model accepts.

Defaults follow reference section 14 (limits are the section 14.3 supplement: 1,048,576 in / 65,536 out for the
2.5 family, 8,192 out for 2.0) and the thinking budget table of section 8.2. Gemini 3 Pro takes `thinkingLevel`
(LOW or HIGH; "Thinking level MEDIUM is not supported for this model.", heyhuynhgiabuu/proxypal#170) and still
accepts a budget for backwards compatibility. Pass your own `ModelInfo` list to `GeminiEmulator(models=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GENERATE = ("generateContent", "countTokens", "createCachedContent", "batchGenerateContent")
EMBED = ("embedContent", "countTextTokens", "countTokens", "asyncBatchEmbedContent")


@dataclass(frozen=True)
class ModelInfo:
    """One model: its public `Model` resource fields plus the behaviour the emulator enforces.

    Attributes:
        id: Model id without the `models/` prefix, e.g. "gemini-2.5-flash".
        display_name: `displayName` in models.get.
        input_token_limit: Requests whose prompt exceeds this get Google's context-overflow 400.
        output_token_limit: `outputTokenLimit` in models.get.
        methods: `supportedGenerationMethods`; other methods are 404 NOT_FOUND.
        thinking_budget: (min, max) accepted `thinkingBudget`, or None for a model that does not think.
        thinks_by_default: Whether the model thinks when no thinkingConfig is sent.
        can_disable_thinking: Whether `thinkingBudget: 0` is accepted (not for 2.5 Pro or Gemini 3).
        thinking_levels: Accepted `thinkingLevel` values; empty means the field is rejected.
        output_modalities: What the model can produce ("TEXT", "IMAGE", "AUDIO").
        function_call_ids: Whether `functionCall` parts carry an `id` (Gemini 3 does; 2.5 does not).
        validates_thought_signatures: Gemini 3 behaviour: replayed function calls of the current turn must carry
            their `thoughtSignature`, signatures the emulator did not issue are "corrupted", and signatures are
            placed as Gemini 3 places them (first call, else the last part) rather than on the first part.
        per_part_media_resolution: Whether `Part.mediaResolution` is accepted ("Gemini 3 only", media-resolution
            docs).
        combines_tools: Whether built-in tools may be combined with function declarations ("supported for
            Gemini 3 models only", tool-combination docs); other models answer "Tool use with function calling is
            unsupported".
        embedding_dims: Default embedding size for embedding models.
        description: `description` in models.get (the display name when empty).
        version: `version` in models.get.
        temperature: Default `temperature` reported in models.get.
        top_p: Default `topP` reported in models.get.
        top_k: Default `topK` reported in models.get; None leaves it out.
        max_temperature: `maxTemperature` in models.get.
        extra: More `Model` resource fields, merged into what models.get returns.
    """

    id: str
    display_name: str
    input_token_limit: int = 1_048_576
    output_token_limit: int = 65_536
    methods: tuple[str, ...] = GENERATE
    description: str = ""
    version: str = "001"
    temperature: float = 1.0
    top_p: float = 0.95
    top_k: int | None = 64
    max_temperature: float = 2.0
    thinking_budget: tuple[int, int] | None = None
    thinks_by_default: bool = False
    can_disable_thinking: bool = True
    thinking_levels: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ("TEXT",)
    function_call_ids: bool = False
    validates_thought_signatures: bool = False
    per_part_media_resolution: bool = False
    combines_tools: bool = False
    embedding_dims: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def thinks(self) -> bool:
        """Whether the model supports thinking at all."""
        return self.thinking_budget is not None or bool(self.thinking_levels)

    def resource(self) -> dict[str, Any]:
        """The `Model` JSON served by models.get / models.list."""
        out: dict[str, Any] = {
            "name": f"models/{self.id}",
            "version": self.version,
            "displayName": self.display_name,
            "description": self.description or self.display_name,
            "inputTokenLimit": self.input_token_limit,
            "outputTokenLimit": self.output_token_limit,
            "supportedGenerationMethods": list(self.methods),
        }
        if "generateContent" in self.methods:
            out["temperature"] = self.temperature
            out["topP"] = self.top_p
            if self.top_k is not None:
                out["topK"] = self.top_k
            out["maxTemperature"] = self.max_temperature
        if self.thinks:
            out["thinking"] = True
        out.update(self.extra)
        return out


DEFAULT_MODELS: tuple[ModelInfo, ...] = (
    ModelInfo(
        "gemini-2.5-pro",
        "Gemini 2.5 Pro",
        thinking_budget=(128, 32768),
        thinks_by_default=True,
        can_disable_thinking=False,
    ),
    ModelInfo("gemini-2.5-flash", "Gemini 2.5 Flash", thinking_budget=(0, 24576), thinks_by_default=True),
    ModelInfo("gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", thinking_budget=(512, 24576)),
    ModelInfo("gemini-2.0-flash", "Gemini 2.0 Flash", output_token_limit=8192, top_k=40),
    ModelInfo(
        "gemini-2.0-flash-lite",
        "Gemini 2.0 Flash-Lite",
        output_token_limit=8192,
        top_k=40,
        methods=("generateContent", "countTokens", "batchGenerateContent"),
    ),
    ModelInfo(
        "gemini-3-pro-preview",
        "Gemini 3 Pro Preview",
        thinking_budget=(128, 32768),
        thinks_by_default=True,
        can_disable_thinking=False,
        thinking_levels=("LOW", "HIGH"),
        function_call_ids=True,
        validates_thought_signatures=True,
        per_part_media_resolution=True,
        combines_tools=True,
    ),
    ModelInfo(
        "gemini-2.5-flash-image",
        "Nano Banana",
        input_token_limit=32_768,
        output_token_limit=32_768,
        methods=("generateContent", "countTokens", "batchGenerateContent"),
        output_modalities=("TEXT", "IMAGE"),
    ),
    ModelInfo(
        "gemini-2.5-flash-preview-tts",
        "Gemini 2.5 Flash Preview TTS",
        input_token_limit=8_192,
        output_token_limit=16_384,
        methods=("countTokens", "generateContent"),
        output_modalities=("AUDIO",),
    ),
    ModelInfo(
        "gemini-embedding-001",
        "Gemini Embedding 001",
        input_token_limit=2_048,
        output_token_limit=1,
        methods=EMBED,
        embedding_dims=3072,
    ),
)
"""The models the emulator knows by default: Gemini 2.5 Pro/Flash/Flash-Lite, 2.0 Flash/Flash-Lite, 3 Pro Preview, the
2.5 Flash image and TTS models and `gemini-embedding-001`, with their limits and thinking rules."""
