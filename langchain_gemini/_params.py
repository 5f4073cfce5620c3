"""Generation parameters: their constraints (shared by instance fields and per-call overrides) and resolution."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from langchain_gemini.safety import SafetySettingsInput

# Ranges from the GenerationConfig reference (gemini-rest-api.md section 3.1): temperature [0, 2], topP [0, 1],
# candidateCount [1, 8], at most 5 stop sequences. The penalty range [-2, 2] is the one Vertex AI documents for the
# same GenerationConfig fields; the Developer API docs give no range.
Temperature = Annotated[float, Field(ge=0.0, le=2.0)]
TopP = Annotated[float, Field(ge=0.0, le=1.0)]
TopK = Annotated[int, Field(ge=1)]
MaxOutputTokens = Annotated[int, Field(ge=1)]
Penalty = Annotated[float, Field(ge=-2.0, le=2.0)]
CandidateCount = Annotated[int, Field(ge=1, le=8)]
StopSequences = Annotated[list[str], Field(max_length=5)]
ResponseMimeType = Literal["text/plain", "application/json", "text/x.enum"]

# Settings that travel in the request body; the order is the order of _identifying_params.
GENERATION_PARAM_NAMES = (
    "temperature",
    "top_p",
    "top_k",
    "max_output_tokens",
    "stop",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "candidate_count",
    "response_mime_type",
    "safety_settings",
    "cached_content",
)


class CallOverrides(BaseModel):
    """Keyword arguments accepted by `invoke`/`stream`/`batch` (and `.bind`). Anything else is an error."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    model: str | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    top_k: TopK | None = None
    max_output_tokens: MaxOutputTokens | None = None
    max_tokens: MaxOutputTokens | None = None
    seed: int | None = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    candidate_count: CandidateCount | None = None
    response_mime_type: ResponseMimeType | None = None
    safety_settings: SafetySettingsInput | None = None
    cached_content: str | None = None
    model_kwargs: dict[str, Any] | None = None
    timeout: float | None = Field(default=None, gt=0)
    max_retries: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_token_limit(self) -> CallOverrides:
        if (
            self.max_tokens is not None
            and self.max_output_tokens is not None
            and self.max_tokens != self.max_output_tokens
        ):
            msg = "max_tokens and max_output_tokens are the same setting; pass only one"
            raise ValueError(msg)
        if self.max_tokens is not None:
            self.max_output_tokens = self.max_tokens
        return self


def merge_params(defaults: Mapping[str, Any], overrides: CallOverrides, stop: list[str] | None) -> dict[str, Any]:
    """Per-call values win over instance values; a call's `model_kwargs` add to the instance's."""
    params = dict(defaults)
    for name in GENERATION_PARAM_NAMES:
        value = getattr(overrides, name, None)
        if value is not None:
            params[name] = value
    if stop is not None:
        if len(stop) > 5:
            msg = "stop: Gemini accepts at most 5 stop sequences"
            raise ValueError(msg)
        params["stop"] = stop
    params["model_kwargs"] = {
        **(defaults.get("model_kwargs") or {}),
        **(overrides.model_kwargs or {}),
    }
    return params
