"""Long answers in several requests: `finishReason: CONTINUATION` with a `continuationToken` means "ask again".

The answer goes on when the same request is sent again with the token at the top level (`continuationToken`),
as google-genai does (`_extra_utils.should_continue_generation` / `prepare_continuation_config`: it resends the
same contents and config plus the token, and sums the usage of the hops since each is a separate request).
`ChatGemini` follows tokens up to `max_continuations` times: `invoke` returns one message holding every hop's
parts with summed usage, `stream` goes on in the same stream of chunks. `Hops` (and `ContinuedStream` for streams)
decide every step; sending is the caller's, so the sync and async entry points differ only in how they send.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.outputs import ChatGenerationChunk

from langchain_gemini._from_gemini import StreamState, final_chunk, to_chunk
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


class Hops:
    """The requests of one call: the prepared one, then one per continuation token, up to `limit` follow-ups.

    The one owner of when a call goes on, for `invoke` and `stream`, sync and async: the callers only send.
    """

    def __init__(self, body: GenerateContentRequest, limit: int) -> None:
        self._body = body
        self._limit = limit
        self._next: GenerateContentRequest | None = body
        self.count = 0
        """Follow-up requests so far."""

    def next_request(self) -> GenerateContentRequest | None:
        """The request to send now, or None when the last answer was complete."""
        request, self._next = self._next, None
        return request

    def answered(self, candidate: Mapping[str, Any]) -> bool:
        """Take the first candidate of the answer just read; True when it asks to go on (a request is next).

        Raises:
            GeminiContinuationLimitError: When it asks to go on after `limit` follow-ups (never when `limit` is 0:
                then every answer is final, its token left in the metadata).
        """
        token = continuation_token(candidate) if self._limit else None
        if token is None:
            return False
        self._next = next_request(self._body, token, self.count, self._limit)
        self.count += 1
        return True


class ContinuedStream:
    """One streamed answer across its hops: the request of each, its events as chunks, and the closing chunk.

    Chunks of every hop come in one stream; the closing chunk carries the last hop's finish reason and metadata
    and, when there were follow-ups, the usage of every hop summed (each hop is its own request).
    """

    def __init__(self, body: GenerateContentRequest, requested_model: str, limit: int) -> None:
        self._hops = Hops(body, limit)
        self._state = StreamState(requested_model)
        self._usage: dict[str, Any] | None = None
        self._started = False

    def next_request(self) -> GenerateContentRequest | None:
        """The request to stream now, or None when the hop just read was the last.

        Raises:
            GeminiContinuationLimitError: As `Hops.answered`.
            GeminiResponseValidationError: The usage of the hop just read has a field of the wrong type.
        """
        if self._started:  # a hop has been read
            self._usage = sum_usage(self._usage, self._state.last_body.get("usageMetadata"))
            if self._hops.answered(self._state.candidate):
                self._state.candidate.pop("finishReason", None)  # the next hop's events say how the answer ends
        self._started = True
        return self._hops.next_request()

    def chunk(self, event: dict[str, Any]) -> ChatGenerationChunk | None:
        """The chunk of one event (`to_chunk`)."""
        return to_chunk(event, self._state)  # type: ignore[arg-type]

    def final_chunk(self) -> ChatGenerationChunk:
        """The closing chunk (`final_chunk`), usage summed over the hops."""
        if self._hops.count:
            self._state.last_body = {**self._state.last_body, "usageMetadata": self._usage}  # type: ignore[typeddict-item]
        return final_chunk(self._state)
