"""Everything the client knows about each Gemini model, as data: one row per model, ids resolved by parsing.

Every per-model rule in the package reads this table through `facts_for` (thinking ranges, thought-signature
filling, tool-media nesting, the schema form, modalities, limits, embedding conditioning, profiles). `ROWS` joins
each model's published facts (one row of the generated `data/_published.py`: a new model is one row there) with the
rules of its generation and family (`_generation_rules`, `THINKING`, `EMBEDDINGS` below). An id with no row resolves
by parsing `gemini-<major>[.<minor>]-<family>[-variant]`:

1. `models/` (and a Vertex AI resource name up to its last `models/`) is dropped; `tunedModels/...` gets `TUNED`
   (tuning is offered on pre-2.5 Flash models only).
2. An id with a row, or whose longest hyphen prefix has one (`gemini-2.5-flash-preview-09-2025` ->
   `gemini-2.5-flash`), takes that row.
3. `gemini-<family>-latest` takes the newest row of that family.
4. A versioned id takes the row of its family with the greatest version not above its own (`gemini-3.9-flash` ->
   `gemini-3.5-flash`), so a future version never gets an older generation's rules than the newest one known; an
   unknown family takes the newest generation's Flash row. Facts that differ per model (name, limits) are the
   row's; the rules (signatures, nesting, schema form, thinking) are the generation's.
5. Anything else (`gemma-*`, unknown names) gets `UNKNOWN`: conservative rules and no validation it cannot justify.

Sources, by fact:
* Limits, modalities, tool calling and structured output: the Gemini models pages (ai.google.dev/gemini-api/docs/
  models) as carried by models.dev (github.com/sst/models.dev, MIT), which langchain-google-genai's profiles use;
  `scripts/update_profiles.py` refreshes them from a models.dev export or `models.get` JSON.
* Thinking: ai.google.dev/gemini-api/docs/thinking (2.5 Pro 128-32768 and cannot be off; 2.5 Flash 0-24576;
  2.5 Flash-Lite 512-24576 or 0; Gemini 3 `thinkingLevel`: Pro low/high, Flash minimal/low/medium/high; 3.1 Pro
  adds medium, langchain-ai/langchainjs#10101); Gemini 4 Argon low/medium/high and cannot be off
  (ai.google.dev/gemini-api/docs/generate-content/latest-model; its long decode, answers continued past the
  per-request output limit, is `_continuation`'s).
* Thought signatures: ai.google.dev/gemini-api/docs/thought-signatures (Gemini 3 rejects current-turn function
  calls without one).
* Tool-result media: ai.google.dev/gemini-api/docs/function-calling#multimodal (Gemini 3 and later).
* Schema form: "Gemini API structured outputs" (blog.google, Nov 2025): JSON Schema on 2.5 and later.
* Server-side tool invocations: ai.google.dev/gemini-api/docs/tool-combination (Gemini 3 only).
* Embeddings: ai.google.dev/gemini-api/docs/embeddings (gemini-embedding-001: 2,048 input tokens, `taskType`;
  gemini-embedding-2: 8,192 input tokens, task conditioning by text prefixes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal

from langchain_gemini.data._published import PUBLISHED

SchemaForm = Literal["json_schema", "openapi"]
TaskConditioning = Literal["task_type", "prefix"]
Modality = Literal["text", "image", "audio", "video", "pdf"]

_ALL_IN: frozenset[Modality] = frozenset({"text", "image", "audio", "video", "pdf"})
_TEXT: tuple[Modality, ...] = ("text",)


@dataclass(frozen=True)
class Thinking:
    """What a thinking model accepts: a budget range (None for level-only models), whether 0 turns it off, levels."""

    budget_range: tuple[int, int] | None
    can_disable: bool
    levels: tuple[str, ...] = ()


@dataclass(frozen=True)
class EmbeddingFacts:
    """An embedding model's input limit, output sizes and how it is told the task (`taskType` or text prefixes)."""

    max_input_tokens: int
    dimensions: tuple[int, int]
    task_conditioning: TaskConditioning


@dataclass(frozen=True)
class ModelFacts:
    """One model: its generation and family, and every rule the client applies for it.

    Attributes:
        name: Display name (the profile's `name`).
        version: (major, minor), or None for unversioned models (tuned, Gemma, unknown).
        family: `pro`, `flash`, `flash-lite`, `flash-image`, `pro-image`, `tts`, `argon` (Gemini 4), `embedding`,
            or `other`.
        thinking: The thinking rules; None for a model that does not think; "unknown" skips validation.
        signature_strict: Current-turn function calls must carry a thought signature (filled when missing).
        nests_tool_media: Tool-result media goes inside `functionResponse.parts`.
        schema_form: The schema form sent when the user does not choose one.
        server_side_tools: Built-in tools combine with function tools (`includeServerSideToolInvocations`).
        inputs: Input modalities.
        outputs: Output modalities.
        max_input_tokens: Input token limit, when published.
        max_output_tokens: Output token limit, when published.
        tool_calling: Whether function calling is offered.
        structured_output: Whether schema-constrained output is offered.
        status: `stable`, `preview`, or `unknown` (resolved by rules only).
        embedding: Embedding facts, for embedding models.
    """

    name: str
    version: tuple[int, int] | None
    family: str
    thinking: Thinking | Literal["unknown"] | None
    signature_strict: bool = False
    nests_tool_media: bool = False
    schema_form: SchemaForm = "openapi"
    server_side_tools: bool = False
    inputs: frozenset[Modality] = _ALL_IN
    outputs: tuple[Modality, ...] = _TEXT
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    tool_calling: bool = True
    structured_output: bool = True
    status: Literal["stable", "preview", "unknown"] = "stable"
    embedding: EmbeddingFacts | None = None

    @property
    def speaks_only(self) -> bool:
        """Answers with audio and nothing else (speech models need `responseModalities: [AUDIO]`)."""
        return self.outputs == ("audio",)


_VERSIONED = re.compile(r"^gemini-(\d+)(?:\.(\d+))?-(.+)$")
_ALIAS = re.compile(r"^gemini-(.+)-latest$")
# Family names, longest first so `flash-lite` is not read as `flash`. Gemini 4 names its models (`argon`).
_FAMILIES = ("flash-lite", "flash-image", "pro-image", "flash", "pro", "argon")


def _family_of(rest: str) -> str:
    if "tts" in rest.split("-"):
        return "tts"
    for family in _FAMILIES:
        if rest == family or rest.startswith(family + "-"):
            return family
    return "other"


# -- rules: what a generation, and a family within it, shares ------------------------------------------------------
def _generation_rules(version: tuple[int, int]) -> dict[str, object]:
    if version >= (3, 0):
        return {
            "signature_strict": True,
            "nests_tool_media": True,
            "schema_form": "json_schema",
            "server_side_tools": True,
        }
    return {"schema_form": "json_schema"} if version >= (2, 5) else {}


_PRO_3 = Thinking(None, can_disable=False, levels=("low", "high"))
_FLASH_3 = Thinking(None, can_disable=False, levels=("minimal", "low", "medium", "high"))
_LEVELS_LMH = Thinking(None, can_disable=False, levels=("low", "medium", "high"))

# (family, first version) -> thinking rules; a model takes its family's entry with the greatest version not above
# its own. Families or versions below every entry do not think.
THINKING: dict[tuple[str, tuple[int, int]], Thinking | None] = {
    ("pro", (2, 5)): Thinking((128, 32768), can_disable=False),
    ("pro", (3, 0)): _PRO_3,
    ("pro", (3, 1)): _LEVELS_LMH,
    ("flash", (2, 5)): Thinking((1, 24576), can_disable=True),
    ("flash", (3, 0)): _FLASH_3,
    ("flash-lite", (2, 5)): Thinking((512, 24576), can_disable=True),
    ("flash-lite", (3, 0)): _FLASH_3,
    ("flash-image", (2, 5)): None,
    ("flash-image", (3, 0)): _FLASH_3,
    ("pro-image", (3, 0)): _PRO_3,
    ("tts", (2, 5)): None,
    ("argon", (4, 0)): _LEVELS_LMH,
}

# Embedding models: input limit, (smallest, full) output size, and how the task is conveyed.
EMBEDDINGS: dict[str, EmbeddingFacts] = {
    "gemini-embedding-001": EmbeddingFacts(2_048, (128, 3072), "task_type"),
    # The preview took `taskType` (recorded traffic: pydantic/pydantic-ai test_google_task_prefix cassettes).
    "gemini-embedding-2-preview": EmbeddingFacts(8_192, (128, 3072), "task_type"),
    "gemini-embedding-2": EmbeddingFacts(8_192, (128, 3072), "prefix"),
    "text-embedding-004": EmbeddingFacts(2_048, (1, 768), "task_type"),
}


def _thinking(family: str, version: tuple[int, int]) -> Thinking | None:
    entries = [key for key in THINKING if key[0] == family and key[1] <= version]
    return THINKING[max(entries)] if entries else None


def _row(model_id: str, published: Mapping[str, Any]) -> ModelFacts:
    """A table row: published facts (data/_published.py) plus the rules of the id's generation and family."""
    parsed = _VERSIONED.match(model_id)
    common: dict[str, Any] = {
        "inputs": frozenset(published.get("inputs", _ALL_IN)),
        "outputs": tuple(published.get("outputs", _TEXT)),
        "max_input_tokens": published.get("max_input_tokens"),
        "max_output_tokens": published.get("max_output_tokens"),
        "tool_calling": published.get("tool_calling", True),
        "structured_output": published.get("structured_output", True),
        "status": published.get("status", "stable"),
    }
    name = str(published.get("name", model_id))
    if model_id in EMBEDDINGS:
        return ModelFacts(name, None, "embedding", None, embedding=EMBEDDINGS[model_id], **common)
    if parsed is None:
        return ModelFacts(name, None, "other", "unknown", **common)
    version = (int(parsed.group(1)), int(parsed.group(2) or 0))
    family = _family_of(parsed.group(3))
    rules = _generation_rules(version)
    return ModelFacts(name, version, family, _thinking(family, version), **rules, **common)  # type: ignore[arg-type]


ROWS: dict[str, ModelFacts] = {model_id: _row(model_id, facts) for model_id, facts in PUBLISHED.items()}
"""Every model the client knows by id. Dated and suffixed ids (`-preview-09-2025`, `-001`) find their row by prefix."""

# Fine-tuning on the Gemini API is offered for pre-2.5 Flash models (ai.google.dev/gemini-api/docs/model-tuning):
# no thinking, the OpenAPI schema subset, text in and out.
TUNED = ModelFacts("Tuned model", None, "tuned", None, inputs=frozenset({"text"}), status="unknown")
# A name nothing parses (Gemma, an unknown family): the rules every model accepts, and no thinking checks.
UNKNOWN = ModelFacts("Unknown model", None, "other", "unknown", status="unknown")


def _newest(family: str, at_most: tuple[int, int] | None = None) -> ModelFacts | None:
    candidates = [
        row
        for row in ROWS.values()
        if row.family == family and row.version is not None and (at_most is None or row.version <= at_most)
    ]
    # Stable rows before previews of the same version: they are what an alias points at.
    return max(candidates, key=lambda row: (row.version, row.status == "stable"), default=None)


def _by_prefix(name: str) -> ModelFacts | None:
    head = name
    while head:
        if head in ROWS:
            return ROWS[head]
        head, _, _ = head.rpartition("-")
    return None


@lru_cache(maxsize=256)
def facts_for(model: str) -> ModelFacts:
    """The facts for a model id (`gemini-2.5-flash`, `models/...`, `tunedModels/...`, `gemini-flash-latest`).

    Vertex AI's resource names (`publishers/google/models/...`, `projects/.../publishers/google/models/...`) are
    read by the id after their last `models/`.
    """
    if model.startswith("tunedModels/"):
        return TUNED
    name = model.rpartition("models/")[2].lower()
    if (alias := _ALIAS.match(name)) is not None:
        row = _newest(_family_of(alias.group(1)))
        return replace(row, name=f"Gemini {alias.group(1).title()} Latest") if row else UNKNOWN
    if (known := _by_prefix(name)) is not None:
        return known
    parsed = _VERSIONED.match(name)
    if parsed is None:
        return UNKNOWN
    version = (int(parsed.group(1)), int(parsed.group(2) or 0))
    family = _family_of(parsed.group(3))
    row = _newest(family, version) or _newest("flash", version)
    if row is None:  # older than every row (gemini-1.5-*): that generation's rules, no thinking
        return ModelFacts(name, version, family, None, status="unknown", **_generation_rules(version))  # type: ignore[arg-type]
    generation = _newest("flash", version)
    # A version newer than every row of its generation gets the newest generation's rules.
    rules = generation if generation is not None and (generation.version or (0, 0)) > (row.version or (0, 0)) else row
    return replace(
        row,
        name=name,
        version=version,
        family=family,
        status="unknown",
        signature_strict=rules.signature_strict,
        nests_tool_media=rules.nests_tool_media,
        schema_form=rules.schema_form,
        server_side_tools=rules.server_side_tools,
    )
