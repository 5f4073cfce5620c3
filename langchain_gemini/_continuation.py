"""Long answers in several requests: `finishReason: CONTINUATION` with a `continuationToken` means "ask again".

The answer goes on when the same request is sent again with the token at the top level (`continuationToken`),
as google-genai does (`_extra_utils.should_continue_generation` / `prepare_continuation_config`: it resends the
same contents and config plus the token, and sums the usage of the hops since each is a separate request).
`ChatGemini` follows tokens up to `max_continuations` times: `invoke` returns one message holding every hop's
parts with summed usage, `stream` goes on in the same stream of chunks. Pure functions; sending is the caller's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_gemini._response_check import check_response, check_usage
from langchain_gemini._wire import GenerateContentRequest, GenerateContentResponse
from langchain_gemini.errors import GeminiContinuationLimitError

CONTINUATION = "CONTINUATION"
DEFAULT_MAX_CONTINUATIONS = 16
"""Follow-up requests one call may make before `GeminiContinuationLimitError` (ChatGemini.max_continuations)."""


def continuation_token(candidate: Mapping[str, Any]) -> str | None:
    """The token to go on with: present only while the candidate stopped with CONTINUATION (or no reason yet)."""
    token = candidate.get("continuationToken")
    if not isinstance(token, str) or not token:
        return None
    return token if candidate.get("finishReason") in (None, CONTINUATION) else None


def first_candidate(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The first candidate of a response, or an empty mapping."""
    candidates = body.get("candidates")
    return candidates[0] if isinstance(candidates, list) and candidates and isinstance(candidates[0], dict) else {}


def next_request(body: GenerateContentRequest, token: str, hops: int, limit: int) -> GenerateContentRequest:
    """The request for hop `hops + 1`.

    Raises:
        GeminiContinuationLimitError: When `hops` already reached `limit`.
    """
    if hops >= limit:
        msg = (
            f"the answer is still incomplete after {limit} continuation requests (max_continuations={limit}); "
            "raise max_continuations, or set it to 0 to get partial answers with their continuation_token"
        )
        raise GeminiContinuationLimitError(msg)
    return {**body, "continuationToken": token}


def sum_usage(total: Mapping[str, Any] | None, usage: Mapping[str, Any] | None) -> dict[str, Any]:
    """Usage of two hops added: counts summed, per-modality details summed by modality.

    Raises:
        GeminiResponseValidationError: A field of `usage` (the answer of the hop just read) has the wrong type.
    """
    check_usage(usage)
    result: dict[str, Any] = dict(total or {})
    for key, value in (usage or {}).items():
        previous = result.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            result[key] = (previous if isinstance(previous, int) else 0) + value
        elif isinstance(value, list):
            result[key] = _sum_details(previous if isinstance(previous, list) else [], value)
        else:
            result[key] = value
    return result


def _sum_details(left: Sequence[Any], right: Sequence[Any]) -> list[Any]:
    counts: dict[str, int] = {}
    for item in [*left, *right]:
        if isinstance(item, dict) and isinstance(item.get("tokenCount", 0), int):
            modality = str(item.get("modality"))
            counts[modality] = counts.get(modality, 0) + int(item.get("tokenCount", 0))
    return [{"modality": modality, "tokenCount": count} for modality, count in counts.items()]


def merge_responses(bodies: Sequence[GenerateContentResponse]) -> GenerateContentResponse:
    """One response from the hops.

    It holds the parts of every hop in order, the last hop's candidate fields (finish reason, metadata), the last
    continuation token seen, and summed usage.

    Raises:
        GeminiResponseValidationError: A hop's answer has a field of the wrong type (checked before it is merged; a
            single answer is left to `to_chat_result`, which checks it anyway).
    """
    if len(bodies) == 1:
        return bodies[0]
    for body in bodies:
        check_response(body)
    merged: dict[str, Any] = dict(bodies[-1])
    parts: list[Any] = []
    token = None
    usage: dict[str, Any] | None = None
    # Each hop's token log probabilities, in order, so invoke reports the whole answer's as stream does.
    chosen: list[Any] = []
    top: list[Any] = []
    for body in bodies:
        candidate = first_candidate(body)
        content = candidate.get("content")
        if isinstance(content, dict) and isinstance(content.get("parts"), list):
            parts.extend(content["parts"])
        token = candidate.get("continuationToken") or token
        usage = sum_usage(usage, body.get("usageMetadata"))
        logprobs = candidate.get("logprobsResult") or {}
        chosen.extend(logprobs.get("chosenCandidates") or [])
        top.extend(logprobs.get("topCandidates") or [])
    candidate = dict(first_candidate(bodies[-1]))
    candidate["content"] = {**(candidate.get("content") or {}), "role": "model", "parts": parts}
    if token:
        candidate["continuationToken"] = token
    if chosen or top:
        candidate["logprobsResult"] = {"chosenCandidates": chosen, **({"topCandidates": top} if top else {})}
    merged["candidates"] = [candidate]
    if usage:
        merged["usageMetadata"] = usage
    return merged  # type: ignore[return-value]
