"""Long answers in several requests: `finishReason: CONTINUATION` with a `continuationToken` means "ask again".

The answer goes on when the same request is sent again with the token at the top level (`continuationToken`),
as google-genai does (`_extra_utils.should_continue_generation` / `prepare_continuation_config`: it resends the
same contents and config plus the token, and sums the usage of the hops since each is a separate request).
`ChatGemini` follows tokens up to `max_continuations` times: `invoke` returns one message holding every hop's
parts with summed usage, `stream` goes on in the same stream of chunks. `Hops` (and `ContinuedStream` for streams)
decide every step; sending is the caller's, so the sync and async entry points differ only in how they send.

A streamed hop also carries checkpoints: a `continuationToken` on events without a finish reason, part way through
the hop. When a hop that started streaming breaks (a dropped connection, an error event, an end without a finish
reason), `ContinuedStream.broken` resumes from the latest checkpoint, or retries from the token the hop started with
when nothing came since, at most `MAX_RECONNECTS_WITHOUT_PROGRESS` times in a row: google-genai's
`_extra_utils.StreamContinuation.end_hop` and `_next_resume_token` (google-genai 3.6.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.outputs import ChatGenerationChunk

from langchain_gemini._from_gemini import StreamState, final_chunk, to_chunk
from langchain_gemini._response_check import check_response, check_usage
from langchain_gemini._wire import GenerateContentRequest, GenerateContentResponse
from langchain_gemini.errors import (
    GeminiAPIError,
    GeminiConnectionError,
    GeminiContinuationLimitError,
    GeminiStreamError,
    GeminiTimeoutError,
)

CONTINUATION = "CONTINUATION"
DEFAULT_MAX_CONTINUATIONS = 16
"""Follow-up requests one call may make before `GeminiContinuationLimitError` (ChatGemini.max_continuations)."""
MAX_RECONNECTS_WITHOUT_PROGRESS = 3
"""Resumptions in a row that brought no new checkpoint before a broken stream's error is raised (google-genai's)."""
_BREAKS = (GeminiConnectionError, GeminiTimeoutError, GeminiStreamError, GeminiAPIError)
"""How a hop that already streamed events breaks: transport failure, an end without finish reason, an error event."""


def continuation_token(candidate: Mapping[str, Any]) -> str | None:
    """The token to go on with: present only while the candidate stopped with CONTINUATION (or no reason yet)."""
    token = candidate.get("continuationToken")
    if not isinstance(token, str) or not token:
        return None
    return token if candidate.get("finishReason") in (None, CONTINUATION) else None


def _answer_chars(candidate: Mapping[str, Any]) -> int:
    """Characters of answer text (not thoughts) in a candidate's parts."""
    content = candidate.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    if not isinstance(parts, list):
        return 0
    return sum(
        len(p["text"]) for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str) and not p.get("thought")
    )


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
        self._body = body
        self._resumable = limit > 0  # max_continuations=0 turns continuation off, resumption too (as google-genai's)
        self._hops = Hops(body, limit)
        self._state = StreamState(requested_model)
        self._usage: dict[str, Any] | None = None
        self._started = False
        self._resumes = 0
        self._reconnects = 0  # resumptions in a row without a new checkpoint
        self._resume: GenerateContentRequest | None = None
        self._hop_start: str | None = None  # the token this hop was requested with
        self._hop_token: str | None = None  # the latest token of this hop (a checkpoint, or its CONTINUATION token)
        self._hop_events = 0
        self._hop_content = False  # whether this hop yielded content
        self._after_checkpoint = 0  # answer text characters yielded since the latest checkpoint
        self._skip = 0  # characters a resumed hop re-sends that were already yielded
        self._hop_skip = 0  # `_skip` when this hop started

    def next_request(self) -> GenerateContentRequest | None:
        """The request to stream now, or None when the hop just read was the last.

        Raises:
            GeminiContinuationLimitError: As `Hops.answered`.
            GeminiResponseValidationError: The usage of the hop just read has a field of the wrong type.
        """
        request: GenerateContentRequest | None = self._resume  # a broken hop goes on from its checkpoint (`broken`)
        self._resume = None
        if request is None:
            if self._started:  # a hop has been read
                self._usage = sum_usage(self._usage, self._state.last_body.get("usageMetadata"))
                if self._hops.answered(self._state.candidate):
                    self._state.candidate.pop("finishReason", None)  # the next hop's events say how the answer ends
            self._started = True
            request = self._hops.next_request()
            if request is None:
                return None
        token = request.get("continuationToken")
        self._hop_start = self._hop_token = token if isinstance(token, str) else None
        self._hop_events, self._hop_content, self._after_checkpoint = 0, False, 0
        self._hop_skip = self._skip
        return request

    def chunk(self, event: dict[str, Any]) -> ChatGenerationChunk | None:
        """The chunk of one event (`to_chunk`), without the text a resumed hop re-sends."""
        self._hop_events += 1
        candidate = first_candidate(event)
        if self._skip:
            event = self._trimmed(event)
        token = candidate.get("continuationToken")
        if isinstance(token, str) and token:
            self._hop_token, self._after_checkpoint = token, 0
        elif self._hop_token is not None:  # only text after a checkpoint is ever re-sent: no count on other streams
            self._after_checkpoint += _answer_chars(candidate)
        chunk = to_chunk(event, self._state)  # type: ignore[arg-type]
        if chunk is not None and (chunk.message.content or chunk.message.tool_call_chunks):  # type: ignore[attr-defined]
            self._hop_content = True
        return chunk

    def broken(self, error: Exception) -> bool:
        """Take the error that broke the hop being read; True when the stream resumes (a request is next).

        An error before any event (the request was refused: retrying is the client's retry policy's job), an
        error of another kind, or a hop without any token is not resumed: the caller raises it. Nor is a hop that
        yielded content but brought no checkpoint of its own, nor the fourth resumption in a row without one, nor
        any hop when `max_continuations` is 0 (google-genai's `automatic_continuation=False` does not resume either).
        """
        if not self._resumable or not isinstance(error, _BREAKS) or not self._hop_events:
            return False
        progressed = self._hop_token is not None and self._hop_token != self._hop_start
        if progressed:
            token, self._reconnects = self._hop_token, 0
        elif self._hop_content or self._reconnects >= MAX_RECONNECTS_WITHOUT_PROGRESS:
            return False
        else:
            token, self._reconnects = self._hop_start, self._reconnects + 1
        if token is None:
            return False
        # The text yielded after the checkpoint comes again from the resumed hop. google-genai yields it twice
        # (it resumes from the checkpoint and passes every chunk on); a chat stream's chunks are concatenated, so
        # a repeat would corrupt the message: that many characters of the resumed hop's text are dropped instead.
        # (The hop's events, trimmed or not, all carry text yielded once: what came since the checkpoint is what
        # to drop; a hop retried from its start token re-sends what it was to drop.)
        self._skip = self._after_checkpoint if progressed else self._hop_skip
        self._usage = sum_usage(self._usage, self._state.last_body.get("usageMetadata"))
        self._state.candidate.pop("finishReason", None)
        self._resume = {**self._body, "continuationToken": token}
        self._resumes += 1
        return True

    def _trimmed(self, event: dict[str, Any]) -> dict[str, Any]:
        """`event` without the first `_skip` characters of its answer text (they were yielded before the break)."""
        candidate = first_candidate(event)
        content = candidate.get("content")
        if not isinstance(content, dict) or not isinstance(content.get("parts"), list):
            return event
        parts = []
        for part in content["parts"]:
            text = part.get("text") if isinstance(part, dict) else None
            if isinstance(text, str) and not part.get("thought") and self._skip:
                cut = min(self._skip, len(text))
                self._skip -= cut
                if cut == len(text) and set(part) == {"text"}:
                    continue
                parts.append({**part, "text": text[cut:]})
                continue
            parts.append(part)
        trimmed = {**candidate, "content": {**content, "parts": parts}}
        return {**event, "candidates": [trimmed, *event["candidates"][1:]]}

    def final_chunk(self) -> ChatGenerationChunk:
        """The closing chunk (`final_chunk`), usage summed over the hops."""
        if self._hops.count or self._resumes:
            self._state.last_body = {**self._state.last_body, "usageMetadata": self._usage}  # type: ignore[typeddict-item]
        return final_chunk(self._state)
