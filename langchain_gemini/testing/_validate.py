"""The full rule set for generateContent and countTokens, assembled from the rule modules in checking order.

Field rules are reported together (Google's request validator); request rules then run one by one and the first
failure is the answer. Their order follows what the API checks first where that is known (roles and turn order
before thinking, media before the context size) and is otherwise a stable, documented choice.
"""

from __future__ import annotations

from typing import Any

from langchain_gemini.testing import _media_rules, _output_rules, _tool_rules
from langchain_gemini.testing._context import RequestContext, attach, context_of
from langchain_gemini.testing._errors import ApiError
from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._rules import (
    CONTENT_RULES,
    FIELD_RULES,
    FieldRule,
    RequestRule,
    cached_content,
    check,
    function_turns,
    input_tokens,
    modalities,
    roles,
    thinking,
)
from langchain_gemini.testing._signatures import check_signatures


def thought_signatures(request: dict[str, Any], model: ModelInfo) -> ApiError | None:
    """Gemini 3's signature checks (`_signatures`), with this emulator's signer."""
    return check_signatures(request, model, context_of(request).signer)


GENERATE_FIELD_RULES: list[FieldRule] = [*FIELD_RULES, *_media_rules.FIELD_RULES, *_output_rules.FIELD_RULES]
GENERATE_REQUEST_RULES: list[RequestRule] = [
    roles,
    function_turns,
    thought_signatures,
    *_tool_rules.REQUEST_RULES,
    thinking,
    modalities,
    *_media_rules.REQUEST_RULES,
    *_output_rules.REQUEST_RULES,
    cached_content,
    input_tokens,
]
# countTokens checks the content it counts; generation settings are not its business.
COUNT_FIELD_RULES: list[FieldRule] = [*CONTENT_RULES, _media_rules.part_media_resolution, _media_rules.video_metadata]
COUNT_REQUEST_RULES: list[RequestRule] = [roles, *_media_rules.REQUEST_RULES]


def validate_generate(request: dict[str, Any], model: ModelInfo, context: RequestContext) -> None:
    """Check a normalized GenerateContentRequest.

    Raises:
        ApiError: Google's error for the first problem found.
    """
    check(
        attach(request, context),
        model,
        field_rules=GENERATE_FIELD_RULES,
        request_rules=GENERATE_REQUEST_RULES,
    )


def validate_count(request: dict[str, Any], model: ModelInfo, context: RequestContext, prefix: str) -> None:
    """Check what countTokens counts: `contents` (prefix CountTokensRequest) or a nested generate request.

    Raises:
        ApiError: Google's error for the first problem found.
    """
    nested = prefix.endswith("generate_content_request")
    field_rules = [*GENERATE_FIELD_RULES] if nested else COUNT_FIELD_RULES
    check(attach(request, context), model, prefix, field_rules=field_rules, request_rules=COUNT_REQUEST_RULES)
