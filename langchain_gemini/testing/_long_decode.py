"""Long decode: answers longer than one request may return, continued across requests with a token.

Gemini 4 Argon (`ModelInfo.long_decode_limits`) returns at most 32,768 answer tokens from a non-streaming request and
65,536 from a streaming one; a longer answer stops there with `finishReason: "CONTINUATION"` and a
`continuationToken` on the candidate, and the same request sent again with that token at the top level goes on
where it stopped, until a last hop that ends STOP (Google's guide, "Long decode":
https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/guides/gemini-4-argon; google-genai's
`_extra_utils.should_continue_generation` and `prepare_continuation_config` resend the request with
`continuation_token`). `maxOutputTokens` is the budget of the whole answer, not of one hop: once hops have spent it
the answer ends MAX_TOKENS, still with a token, which a request with a larger budget may resume ("max_tokens is a
total budget": https://openrouter.ai/docs/cookbook/evaluate-and-optimize/model-migrations/gemini-4). Each hop is a
request: its usage counts the prompt again and its own output only; thoughts (and their summary and signature)
come on the first hop only.

Default answers are short, so `LONG_ANSWER_TRIGGER` asks for a long one: ``[emulator:long-answer:<N>]`` in the
prompt gives an answer of exactly N output tokens (4 characters each, numbered words so a gap or an overlap
between hops shows). On a model without long decode the answer stops at `output_token_limit` (or the
`maxOutputTokens` budget) with MAX_TOKENS, as there.

The token is the emulator's own: the model, a digest of the request it continues (without `continuationToken` and
`maxOutputTokens`, the two fields a continuation may change), the answer tokens already sent and the output tokens
spent, under an HMAC with a per-emulator secret. A token the emulator did not issue, or one resent with another
request or model, is 400 INVALID_ARGUMENT (the wording is the emulator's: no recorded refusal shows Google's).

Checkpoints: a streamed hop also carries `continuationToken` part way through, on events without a finish reason,
for the answer streamed up to that event ("Long-decode checkpoints are only emitted part way through each hop":
google-genai's `_extra_utils.StreamContinuation._next_resume_token`, which resumes a broken stream from the latest
one). The request resent with a checkpoint token goes on exactly after the text that checkpoint covers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from typing import Any

from langchain_gemini.testing._errors import ApiError, invalid_argument
from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._normalize import decode_base64

LONG_ANSWER_TRIGGER = "[emulator:long-answer:<N>]"
"""In a prompt, with <N> a number of tokens: an answer of exactly N output tokens (long decode on Gemini 4)."""
_TRIGGER = re.compile(r"\[emulator:long-answer:(\d{1,9})\]")
_MAC = 16
CHECKPOINT_INTERVAL = 8_192
"""Answer tokens between two checkpoints of a streamed hop: the emulator's choice (Google publishes no interval)."""
_REFUSED = "Invalid continuation_token: it was not issued for this request and model."


def asked_tokens(prompt: str) -> int | None:
    """N from the first ``[emulator:long-answer:<N>]`` in the prompt, or None."""
    match = _TRIGGER.search(prompt)
    return int(match.group(1)) if match else None


def long_text(start: int, end: int) -> str:
    """Tokens `start` to `end` (excluded) of a long answer, built per hop so a huge N costs no more than the hop.

    The answer is numbered 8-character words "0000001 0000002 ...": two tokens a word, 4 characters a token.
    """
    first_word, last_word = start // 2, (end + 1) // 2
    words = "".join(f"{number:07d} " for number in range(first_word + 1, last_word + 1))
    offset = 4 * (start - 2 * first_word)
    return words[offset : offset + 4 * (end - start)]


@dataclass(frozen=True)
class Position:
    """Where a hop starts: answer tokens already sent, output tokens already spent (thoughts included)."""

    sent: int = 0
    spent: int = 0


@dataclass(frozen=True)
class Hop:
    """What one request of a long answer returns."""

    start: int
    """First answer token of this hop."""
    end: int
    """One past its last answer token."""
    finish: str
    """The finish reason: STOP, CONTINUATION or MAX_TOKENS."""


def plan_hop(
    total: int, position: Position, *, thoughts: int, per_request: int | None, budget: int | None, output_limit: int
) -> Hop:
    """The answer tokens this request returns and how it ends.

    `per_request` is the model's long-decode limit for this kind of request (None: no long decode, the answer stops
    at `output_limit`); `budget` is `maxOutputTokens`, paid by the thoughts of the first hop and every answer token.
    """
    left = total - position.sent
    cap = per_request if per_request is not None else output_limit
    room = left if budget is None else max(budget - position.spent - thoughts, 0)
    take = min(left, cap, room)
    if take == left:
        finish = "STOP"
    elif take == room or per_request is None:
        finish = "MAX_TOKENS"
    else:
        finish = "CONTINUATION"
    return Hop(position.sent, position.sent + take, finish)


def fingerprint(request: dict[str, Any]) -> str:
    """A digest of what a continuation must resend unchanged (all but `continuationToken` and the budget)."""
    # Field names only: the normalized request also carries the emulator's context under a non-name key (`_context`)
    kept = {k: v for k, v in request.items() if k[:1].isalpha() and k != "continuationToken"}
    config = kept.get("generationConfig")
    if isinstance(config, dict):
        kept["generationConfig"] = {k: v for k, v in config.items() if k != "maxOutputTokens"}
    # An empty message is no message: google-genai resends `generationConfig: {}` where the first request had none
    kept = {k: v for k, v in kept.items() if v not in ({}, [])}
    raw = json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.blake2b(raw, digest_size=8).hexdigest()


class ContinuationTokens:
    """Issues continuation tokens and resumes from them (stateless apart from the secret: thread-safe)."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else os.urandom(32)

    def issue(self, model_id: str, request: str, position: Position) -> str:
        """The token (base64, as proto3 JSON sends bytes) that resumes `request` on `model_id` at `position`."""
        payload = json.dumps(
            {"model": model_id, "request": request, "sent": position.sent, "spent": position.spent},
            separators=(",", ":"),
        ).encode()
        return base64.b64encode(payload + self._mac(payload)).decode()

    def resume(self, token: str, model_id: str, request: str) -> Position:
        """Where `token` resumes `request` on `model_id`.

        Raises:
            ApiError: 400 INVALID_ARGUMENT when the token was not issued here, or for another request or model.
        """
        try:
            raw = decode_base64(token)
        except (binascii.Error, ValueError):
            raise _refused() from None
        payload, mac = raw[:-_MAC], raw[-_MAC:]
        if len(raw) <= _MAC or not hmac.compare_digest(mac, self._mac(payload)):
            raise _refused()
        fields = json.loads(payload)
        if fields["model"] != model_id or fields["request"] != request:
            raise _refused()
        return Position(sent=int(fields["sent"]), spent=int(fields["spent"]))

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:_MAC]


@dataclass(frozen=True)
class LongDecode:
    """One request's long-decode context: where it resumes, its per-request limit, and how to issue a token."""

    position: Position
    per_request: int | None
    model_id: str
    request: str
    tokens: ContinuationTokens
    stream: bool = False
    """Whether the request streams (its hop then carries checkpoints: `Checkpoints`)."""

    @property
    def resumed(self) -> bool:
        """Whether this request continues an answer (its thoughts came with the first hop)."""
        return self.position != Position()

    def token(self, position: Position) -> str | None:
        """The token that resumes at `position`, or None on a model without long decode."""
        if self.per_request is None:
            return None
        return self.tokens.issue(self.model_id, self.request, position)


def long_decode(request: dict[str, Any], model: ModelInfo, stream: bool, tokens: ContinuationTokens) -> LongDecode:
    """The context of a validated request (raises ApiError for a token that does not resume it)."""
    digest = fingerprint(request)
    token = request.get("continuationToken")
    position = tokens.resume(token, model.id, digest) if token else Position()
    limits = model.long_decode_limits
    per_request = None if limits is None else limits[1 if stream else 0]
    return LongDecode(position, per_request, model.id, digest, tokens, stream)


@dataclass(frozen=True)
class Checkpoints:
    """The checkpoints of one streamed hop, placed once the hop is split into events (`place`)."""

    long: LongDecode
    start: Position
    """Where the hop's answer text starts: its `spent` already counts the hop's thoughts, which stream first."""

    def place(self, events: list[dict[str, Any]]) -> None:
        """Put a `continuationToken` on the first event at or past every `CHECKPOINT_INTERVAL` answer tokens.

        Only events without a finish reason (the last event carries the hop's own token, if any), only where the
        answer streamed so far is a whole number of tokens, and only on the first candidate (the one continued).
        """
        chars, mark = 0, CHECKPOINT_INTERVAL
        for event in events[:-1]:
            candidates = event.get("candidates") or []
            if not candidates:
                continue
            candidate = candidates[0]
            parts = candidate.get("content", {}).get("parts", [])
            chars += sum(len(p["text"]) for p in parts if isinstance(p.get("text"), str) and not p.get("thought"))
            sent, whole = divmod(chars, 4)
            if whole or sent < mark or "finishReason" in candidate:
                continue
            token = self.long.token(Position(self.start.sent + sent, self.start.spent + sent))
            if token is not None:
                candidate["continuationToken"] = token
            mark = (sent // CHECKPOINT_INTERVAL + 1) * CHECKPOINT_INTERVAL


def _refused() -> ApiError:
    return invalid_argument(_REFUSED)
