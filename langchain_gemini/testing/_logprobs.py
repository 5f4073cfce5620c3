"""Log probabilities for `generationConfig.responseLogprobs` / `logprobs`, in the shape Google's SDK documents.

google-genai's `types.Candidate` carries `avg_logprobs` and `logprobs_result`; `types.LogprobsResult` has
`chosen_candidates` (one `{token, tokenId, logProbability}` per decoding step), `top_candidates` (per step, the
`logprobs` most likely tokens "sorted by log probability in descending order") and `log_probability_sum`. No
realwire exchange asks for log probabilities, so the shape is the SDK's and the values are the emulator's: one
decoding step per 4 characters of answer text (the emulator's token rule, `_tokens.text_tokens`), a chosen token
that is also the most likely one, and values derived from the request digest, so the same request always gets
the same numbers.
"""

from __future__ import annotations

import hashlib
from typing import Any

_CHARS_PER_TOKEN = 4
# 21 alternatives: enough for `logprobs` up to its maximum, 20, whatever the chosen token is
_ALTERNATIVES: tuple[str, ...] = (
    " the", " a", ".", ",", " and", " of", " to", " is", " in", " it", "\n",
    " that", " for", " on", " with", " as", " be", " at", " by", " this", " an",
)  # fmt: skip


def _score(digest: str, step: int, rank: int) -> float:
    """A deterministic log probability, lower for lower ranks (rank 0 is the chosen token)."""
    noise = int(hashlib.sha256(f"{digest}:{step}:{rank}".encode()).hexdigest()[:6], 16) / 0xFFFFFF
    return -round(0.001 + 0.3 * noise + 1.5 * rank, 6)


def _token_id(token: str) -> int:
    return int(hashlib.sha256(token.encode()).hexdigest()[:5], 16)


def _entry(token: str, logprob: float) -> dict[str, Any]:
    return {"token": token, "tokenId": _token_id(token), "logProbability": logprob}


def add_logprobs(candidate: dict[str, Any], top: int, digest: str) -> None:
    """Set `avgLogprobs` and `logprobsResult` on a candidate with answer text (`top`: alternatives per step)."""
    parts = candidate.get("content", {}).get("parts", ())
    text = "".join(part["text"] for part in parts if "text" in part and not part.get("thought"))
    if not text:
        return
    tokens = [text[start : start + _CHARS_PER_TOKEN] for start in range(0, len(text), _CHARS_PER_TOKEN)]
    chosen, tops = [], []
    for step, token in enumerate(tokens):
        chosen.append(_entry(token, _score(digest, step, 0)))
        others = [alt for alt in _ALTERNATIVES if alt != token][: max(top - 1, 0)]
        ranked = [token, *others][:top]
        tops.append({"candidates": [_entry(alt, _score(digest, step, rank)) for rank, alt in enumerate(ranked)]})
    total = sum(entry["logProbability"] for entry in chosen)
    result: dict[str, Any] = {}
    if top:  # the SDK's "top candidate tokens at each decoding step": asked for with `logprobs`
        result["topCandidates"] = tops
    result["chosenCandidates"] = chosen
    result["logProbabilitySum"] = round(total, 6)
    candidate["avgLogprobs"] = round(total / len(chosen), 6)
    candidate["logprobsResult"] = result
