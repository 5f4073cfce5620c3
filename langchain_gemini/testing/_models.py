"""The emulator's model registry: what `models.list` serves and what each model accepts.

One row per model, built from a few family templates (`_gemini_25`, `_gemini_3`, ...) so that a new model is one
line. Limits come from Google's model pages (ai.google.dev/gemini-api/docs/models and the Vertex AI model pages,
e.g. docs.cloud.google.com/vertex-ai/generative-ai/docs/models/gemini/3-flash: 1,048,576 in / 65,536 out) and the
thinking budget table of reference section 8.2. Gemini 3 Pro takes `thinkingLevel` LOW or HIGH ("Thinking level
MEDIUM is not supported for this model.", heyhuynhgiabuu/proxypal#170); Gemini 3 Flash and Flash-Lite take
MINIMAL to HIGH (the Gemini 3 Flash model page: "minimal, low, medium or high"); 3.1 Pro adds MEDIUM. Gemini 4
Argon (`_gemini_4`, https://ai.google.dev/gemini-api/docs/generate-content/latest-model and
https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/guides/gemini-4-argon) takes LOW, MEDIUM or
HIGH, shares 1,048,576 tokens between input and output, answers beyond the per-request output limit by long decode
(`long_decode_limits`, `_long_decode`), caches implicitly from 6,144 tokens and has no explicit caching. The ids the
recorded traffic used answer 200 (gemini-3.5-flash, gemini-3.1-flash-lite, gemini-embedding-2 and -preview, the
`-latest` aliases, whose `modelVersion` is the model they point to: gemini-flash-latest answered as
gemini-3.6-flash). Pass your own `ModelInfo` list to `GeminiEmulator(models=...)`, or add to `DEFAULT_MODELS`:
`dataclasses.replace(existing, id=..., display_name=...)` clones a family.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

GENERATE = ("generateContent", "countTokens", "createCachedContent", "batchGenerateContent")
EMBED = ("embedContent", "countTextTokens", "countTokens", "asyncBatchEmbedContent")
_GEMINI_VERSION = re.compile(r"gemini-(\d+)(?:\.(\d+))?")


def min_cache_tokens(model_id: str) -> int:
    """The smallest prompt prefix a context cache of this model covers, explicit or implicit.

    Google's caching page lists the minimum input token count per model and has changed it over time (2.5 Flash
    1,024 then 2,048; 2.5 Pro 4,096 then 2,048; Gemini 3 Flash 1,024 then 4,096). The emulator follows the latest
    table (https://ai.google.dev/gemini-api/docs/caching, updated 2026-10-13): 2,048 for Gemini 2.5, 4,096 for
    Gemini 3, and 4,096 ("The minimum input token count for context caching is 4,096", the 2.0-era page) for other
    models. Gemini 4 caches (implicitly only) from 6,144 tokens: "implicit caching applies automatically to shared
    prompt prefixes of 6,144 tokens or more"
    (https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/guides/gemini-4-argon).
    """
    match = _GEMINI_VERSION.search(model_id)
    if match is None:
        return 4096
    major, minor = int(match.group(1)), int(match.group(2) or 0)
    if (major, minor) == (2, 5):
        return 2048
    if major >= 4:
        return 6144
    return 4096


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
        embed_images_per_input: Most image parts one embedding input may hold (None: no image input).
        model_version: `modelVersion` in answers; an alias reports the model it points to (default: the id).
        legacy_answers: Gemini 1.5 / 2.0 answer shape, as recorded: no `candidates[].index`, `avgLogprobs` on
            every candidate, `candidatesTokensDetails`, no `finishMessage` on function calls, no `serviceTier`.
        implicit_cache_min_tokens: Shortest repeated prompt prefix the implicit cache reports
            (`_implicit_cache`), or None for a model without implicit caching ("enabled by default for all Gemini
            2.5 and newer models", ai.google.dev/gemini-api/docs/caching).
        logprobs: Whether `generationConfig.responseLogprobs` is enabled; elsewhere the API answers 400 "Logprobs
            is not enabled for models/<id>" (quoted for gemini-2.5-flash, -flash-lite and -pro in
            github.com/langchain-ai/langchain-google/pull/1266 and github.com/mscraftsman/generative-ai/issues/135;
            gemini-2.0-flash answers with them, as the latter reports).
        description: `description` in models.get (the display name when empty).
        version: `version` in models.get.
        temperature: Default `temperature` reported in models.get.
        top_p: Default `topP` reported in models.get.
        top_k: Default `topK` reported in models.get; None leaves it out.
        max_temperature: `maxTemperature` in models.get.
        extra: More `Model` resource fields, merged into what models.get returns.
        backends: The APIs serving the model: "developer" (the Gemini Developer API) and / or "vertex" (Vertex AI);
            elsewhere it is an unknown model.
        long_decode_limits: (non-streaming, streaming) answer tokens one request returns before it stops with
            finishReason CONTINUATION and a `continuationToken` to resend (`_long_decode`), or None for a model
            without long decode, whose answers end MAX_TOKENS at `output_token_limit`.
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
    embed_images_per_input: int | None = None
    model_version: str = ""
    legacy_answers: bool = False
    implicit_cache_min_tokens: int | None = None
    logprobs: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    backends: tuple[str, ...] = ("developer", "vertex")
    long_decode_limits: tuple[int, int] | None = None

    @property
    def thinks(self) -> bool:
        """Whether the model supports thinking at all."""
        return self.thinking_budget is not None or bool(self.thinking_levels)

    @property
    def version_served(self) -> str:
        """What `modelVersion` says in answers."""
        return self.model_version or self.id

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


def _gemini_25(model_id: str, name: str, **changes: Any) -> ModelInfo:
    """Gemini 2.5: a thinking budget, no levels, function calls without ids, signatures not checked."""
    base = ModelInfo(
        model_id,
        name,
        thinking_budget=(0, 24576),
        thinks_by_default=True,
        implicit_cache_min_tokens=min_cache_tokens(model_id),
    )
    return replace(base, **changes)


def _gemini_3(model_id: str, name: str, **changes: Any) -> ModelInfo:
    """Gemini 3.x: thinking levels (budgets still accepted), call ids, checked signatures, tool combination."""
    base = ModelInfo(
        model_id,
        name,
        thinking_budget=(128, 32768),
        thinks_by_default=True,
        can_disable_thinking=False,
        thinking_levels=("MINIMAL", "LOW", "MEDIUM", "HIGH"),
        function_call_ids=True,
        validates_thought_signatures=True,
        per_part_media_resolution=True,
        combines_tools=True,
        implicit_cache_min_tokens=min_cache_tokens(model_id),
    )
    return replace(base, **changes)


_NO_CACHE = ("generateContent", "countTokens", "batchGenerateContent")


def _gemini_4(model_id: str, name: str, **changes: Any) -> ModelInfo:
    """Gemini 4: Gemini 3's rules with levels LOW to HIGH, long decode, implicit caching only.

    https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/guides/gemini-4-argon: a 1,048,576-token
    window shared by input, thinking and output; long decode past the single-request output limit (65,536 tokens
    streaming, 32,768 for non-streaming requests) up to 1,048,576 tokens; thinking levels LOW, MEDIUM, HIGH;
    "Explicit context caching is not supported."
    """
    base = _gemini_3(
        model_id,
        name,
        thinking_levels=("LOW", "MEDIUM", "HIGH"),
        methods=_NO_CACHE,
        long_decode_limits=(32_768, 65_536),
    )
    return replace(base, **changes)


_PRO_LEVELS = ("LOW", "HIGH")
# The first Gemini 3 previews send function calls without `id` (realwire: 40 recorded gemini-3-flash-preview and
# gemini-3-pro-preview calls, none with an id); gemini-3.6-flash sends one (llm-gemini-test_tools_with_nested_*).
_GEMINI_3_FLASH = _gemini_3("gemini-3-flash-preview", "Gemini 3 Flash Preview", function_call_ids=False)
# Gemini 3.5 Flash and later Flash models take any thinking budget, 0 included: langchain-google-genai 4.4.3's
# published integration suite sends thinking_budget=0 and 100 to gemini-3.5-flash and expects answers.
_FLASH_BUDGETS: dict[str, Any] = {"thinking_budget": (0, 24576), "can_disable_thinking": True}
# GA: ai.google.dev/gemini-api/docs/whats-new-gemini-3.5
_GEMINI_35_FLASH = _gemini_3("gemini-3.5-flash", "Gemini 3.5 Flash", **_FLASH_BUDGETS)
_GEMINI_36_FLASH = _gemini_3("gemini-3.6-flash", "Gemini 3.6 Flash", **_FLASH_BUDGETS)
_GEMINI_31_FLASH_LITE = _gemini_3("gemini-3.1-flash-lite", "Gemini 3.1 Flash-Lite")
_GEMINI_31_PRO = _gemini_3(
    "gemini-3.1-pro-preview", "Gemini 3.1 Pro Preview", thinking_levels=("LOW", "MEDIUM", "HIGH")
)
_EMBEDDING_2 = ModelInfo(
    "gemini-embedding-2",
    "Gemini Embedding 2",
    input_token_limit=8_192,
    output_token_limit=1,
    methods=EMBED,
    embedding_dims=3072,  # realwire llm-gemini-test_embedding_gemini-embedding-2: 3,072 values, unit length
    # "the model supports at most 6 image parts per input instance" (realwire
    # pydantic-ai-test_google_rejects_more_images_than_one_input_may_hold, 400)
    embed_images_per_input=6,
)


def _alias(model_id: str, name: str, target: ModelInfo) -> ModelInfo:
    return replace(target, id=model_id, display_name=name, model_version=target.version_served)


DEFAULT_MODELS: tuple[ModelInfo, ...] = (
    # Gemini 2.5 (stable) and its image, speech and computer-use variants
    _gemini_25("gemini-2.5-pro", "Gemini 2.5 Pro", thinking_budget=(128, 32768), can_disable_thinking=False),
    _gemini_25("gemini-2.5-flash", "Gemini 2.5 Flash"),
    _gemini_25("gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", thinking_budget=(512, 24576), thinks_by_default=False),
    ModelInfo(
        "gemini-2.5-flash-image",
        "Nano Banana",
        input_token_limit=32_768,
        output_token_limit=32_768,
        methods=_NO_CACHE,
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
        "gemini-2.5-pro-preview-tts",
        "Gemini 2.5 Pro Preview TTS",
        input_token_limit=8_192,
        output_token_limit=16_384,
        methods=("countTokens", "generateContent"),
        output_modalities=("AUDIO",),
    ),
    _gemini_25(
        "gemini-2.5-computer-use-preview-10-2025",
        "Gemini 2.5 Computer Use Preview 10-2025",
        input_token_limit=131_072,
        output_token_limit=65_536,
        methods=_NO_CACHE,
    ),
    # Gemini 2.0 (deprecated, still served)
    ModelInfo(
        "gemini-2.0-flash", "Gemini 2.0 Flash", output_token_limit=8192, top_k=40, legacy_answers=True, logprobs=True
    ),
    ModelInfo(
        "gemini-2.0-flash-lite",
        "Gemini 2.0 Flash-Lite",
        output_token_limit=8192,
        top_k=40,
        methods=_NO_CACHE,
        legacy_answers=True,
        logprobs=True,
    ),
    # Gemini 3.x
    _gemini_3("gemini-3-pro-preview", "Gemini 3 Pro Preview", thinking_levels=_PRO_LEVELS, function_call_ids=False),
    _GEMINI_3_FLASH,
    _GEMINI_31_PRO,
    _GEMINI_31_FLASH_LITE,
    _gemini_3("gemini-3.1-flash-lite-preview", "Gemini 3.1 Flash-Lite Preview"),
    _GEMINI_35_FLASH,
    _GEMINI_36_FLASH,
    _gemini_3("gemini-3.7-flash", "Gemini 3.7 Flash", **_FLASH_BUDGETS),  # langchain-google-genai's video tests
    _gemini_3(
        "gemini-3-pro-image-preview",
        "Nano Banana Pro",
        input_token_limit=65_536,
        output_token_limit=32_768,
        methods=_NO_CACHE,
        thinking_levels=_PRO_LEVELS,
        output_modalities=("TEXT", "IMAGE"),
    ),
    # Gemini 4 (GA 2026-10-13): the default thinking level is MEDIUM on gemini-4-argon, HIGH on the
    # cyber-permissive variant (the Gemini 4 Argon guide above); the emulator's thoughts do not depend on the level.
    _gemini_4("gemini-4-argon", "Gemini 4 Argon"),
    _gemini_4("gemini-4-argon-cyber-permissive", "Gemini 4 Argon Cyber Permissive"),
    # Aliases: answers name the model they point to
    _alias("gemini-flash-latest", "Gemini Flash Latest", _GEMINI_36_FLASH),
    _alias("gemini-flash-lite-latest", "Gemini Flash-Lite Latest", _GEMINI_31_FLASH_LITE),
    _alias("gemini-pro-latest", "Gemini Pro Latest", _GEMINI_31_PRO),
    # Embeddings
    ModelInfo(
        "gemini-embedding-001",
        "Gemini Embedding 001",
        input_token_limit=2_048,
        output_token_limit=1,
        methods=EMBED,
        embedding_dims=3072,
    ),
    _EMBEDDING_2,
    replace(_EMBEDDING_2, id="gemini-embedding-2-preview", display_name="Gemini Embedding 2 Preview"),
    # Vertex AI's text embedding models, served by `predict` only, 768 values by default
    # (cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api).
    *(
        ModelInfo(
            model_id,
            name,
            input_token_limit=2_048,
            output_token_limit=1,
            methods=("embedContent",),
            embedding_dims=768,
            backends=("vertex",),
        )
        for model_id, name in (
            ("text-embedding-005", "Text Embedding 005"),
            ("text-multilingual-embedding-002", "Text Multilingual Embedding 002"),
        )
    ),
)
"""The models the emulator knows by default: Gemini 2.0, 2.5 (with image, TTS and computer-use variants), the
Gemini 3.x family (3 Pro and Flash previews, 3.1 Pro and Flash-Lite, 3.5 and 3.6 Flash, 3 Pro Image), Gemini 4
Argon (and its cyber-permissive variant, both with long decode), the `-latest` aliases and the embedding models
(Vertex AI's text embedding models too), with their limits and thinking rules."""
