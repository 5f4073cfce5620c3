"""Implicit caching: a request that repeats the start of a recent prompt reports that start as cached.

Google: "Implicit caching is enabled by default for all Gemini 2.5 and newer models", hits are reported in
`usageMetadata` ("cachedContentTokenCount"), and the caching page lists a minimum input token count per model
(https://ai.google.dev/gemini-api/docs/caching; `ModelInfo.implicit_cache_min_tokens`). Its advice: put large
common content first, and "send requests with similar prefix in a short amount of time".

What the recorded traffic shows (realwire; 6 answers carry `cachedContentTokenCount`, 2 of them from an explicit
cache, pydantic-ai-test_google_model_cached_content):

* Hits come only from gemini-2.5-flash, always on a request whose prompt begins like one sent before, and always
  leave the end of the prompt uncached: 594 of 859 tokens
  (pydantic-ai-test_google_validated_accepts_what_auto_accepts_validated-1, after a 776-token first exchange),
  204 of 373 (pydantic-ai-test_mixed_content_ordering_google_2_5-1), 191 of 345
  (pydantic-ai-test_multimodal_tool_return_matrix_direct-binary-image-google_2_5-1), and 17,379 of 17,713 for a
  YouTube video another test asked about too (pydantic-ai-test_google_model_mobile_youtube_video_url_input and
  pydantic-ai-test_google_model_youtube_video_url_input send the same video under two URLs). Those three small
  hits lie below the documented minimum, and two of them include image tokens their own flow had not sent
  before: the prefix was cached by an earlier run of the same test. The recordings carry no timestamps, so the
  time between requests cannot be read from them.
* The same situations miss far more often: of the 25 recorded gemini-2.5-flash follow-ups whose prompt repeats
  their flow's previous request, 22 report nothing, among them the twin of the first hit
  (pydantic-ai-test_google_validated_accepts_what_auto_accepts_auto-1, same 776-token first exchange); none of
  the 7 gemini-2.5-pro nor of the 37 gemini-3-flash-preview / gemini-3-pro-preview follow-ups hits, even with
  1,035 to 1,459 repeated tokens (e.g. pydantic-ai-test_multimodal_tool_return_matrix_direct-uploaded_file-
  document-google_gemini3-3, below Gemini 3's documented 4,096).

So below the documented minimum a hit is luck, not a rule a test can lean on. The emulator's rule is the one the
docs promise, made deterministic: a generateContent request whose prompt starts with the same parts (system
instruction, tools, response schema, then content parts in order, per model and media resolution) as a request
served since the last `reset()` reports those parts as cached when they hold at least the model's minimum, never
counting the request's last part (every recorded hit leaves the end of the prompt uncached). Google matches what
the model read (the YouTube hit came under another URL); the emulator, which fetches nothing, compares the parts
as sent. Requests that use an
explicit cache report that cache instead. The store is bounded (the oldest prefixes are forgotten first); time
does not expire it, so that a test's outcome never depends on how fast it runs.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._tokens import Tally, part_tokens, prompt_tally, text_tokens

MAX_PREFIXES = 4096
"""How many prompt prefixes (one per leading part) the store keeps before forgetting the oldest."""

_Unit = tuple[bytes, tuple[tuple[str, int], ...]]  # (chain digest up to and including this unit, its tokens)


def _canonical(value: Any) -> bytes:
    if isinstance(value, dict):  # "\x00..." keys are the emulator's annotations, not the request
        value = {k: v for k, v in value.items() if not k.startswith("\x00")}
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _part_units(part: dict[str, Any], level: str | None) -> tuple[tuple[str, int], ...]:
    tokens = [part_tokens(part, level)]
    if "thoughtSignature" in part:  # counted as `Tally.contents` counts it
        tokens.append(("TEXT", text_tokens(part["thoughtSignature"])))
    return tuple(tokens)


def prompt_units(request: dict[str, Any], model: ModelInfo) -> list[_Unit]:
    """The prompt of a normalized request as a chain of units, each digest covering everything before it."""
    config = request.get("generationConfig", {})
    level = config.get("mediaResolution")
    system = (request.get("systemInstruction") or {}).get("parts", ())
    pieces = [(b"system" + _canonical(part), _part_units(part, level)) for part in system]
    blocks = [("tools", request.get("tools"))] + [
        (key, config.get(key)) for key in ("responseSchema", "responseJsonSchema")
    ]
    pieces += [
        (key.encode() + _canonical(value), (("TEXT", text_tokens(_json(value))),)) for key, value in blocks if value
    ]
    for content in request.get("contents", ()):
        role = str(content.get("role", "user")).encode()
        for position, part in enumerate(content.get("parts", ())):
            opens = b"+" if position == 0 else b"."  # [a][b] and [a, b] are different prompts
            pieces.append((role + opens + _canonical(part), _part_units(part, level)))
    chain = hashlib.blake2b(f"{model.id}\x00{level}".encode(), digest_size=16).digest()
    units: list[_Unit] = []
    for key, tokens in pieces:
        chain = hashlib.blake2b(chain + key, digest_size=16).digest()
        units.append((chain, tokens))
    return units


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class PrefixStore:
    """The prompt prefixes served recently, safe to share between threads."""

    def __init__(self, limit: int = MAX_PREFIXES) -> None:
        self._limit = limit
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def serve(self, request: dict[str, Any], model: ModelInfo) -> Tally | None:
        """Remember the prefixes of a normalized request; the tokens a hit reads from cache (None: no hit)."""
        minimum = model.implicit_cache_min_tokens
        # A prompt shorter than the minimum can neither hit nor leave a prefix that a later request could hit with.
        if minimum is None or prompt_tally(request).total < minimum:
            return None
        units = prompt_units(request, model)
        with self._lock:
            shared = 0
            for index, (digest, _) in enumerate(units[:-1]):  # the last part is always read afresh
                if digest in self._seen:
                    shared = index + 1
            for digest, _ in units:
                self._seen[digest] = None
                self._seen.move_to_end(digest)
            while len(self._seen) > self._limit:
                self._seen.popitem(last=False)
        cached = Tally()
        for _, tokens in units[:shared]:
            for modality, count in tokens:
                cached.add(modality, count)
        return cached if cached.total >= minimum else None

    def clear(self) -> None:
        """Forget every prefix."""
        with self._lock:
            self._seen.clear()
