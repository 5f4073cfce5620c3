"""Thought signatures: issued by the emulator, recognised when replayed, and required where Gemini 3 requires them.

A signature is opaque base64 to clients. The emulator's are a fixed prefix, a nonce derived from the request and
an HMAC (per-emulator secret) over the nonce and the kind of part it was issued on ("call:<name>" for a function
call, "text" for text and thought parts, "media" for images), so a signature moved to another part, altered, or
issued by another emulator is not recognised. Signatures inside scripted answers (`enqueue`, responders) were
served by this emulator too, so they are remembered and recognised verbatim.

Validation follows the thought-signatures guide (ai.google.dev/gemini-api/docs/thought-signatures), for models
with `validates_thought_signatures` (Gemini 3):

* only the current turn is validated: it starts at the most recent user content holding standard content (a
  content of function responses only does not start a turn);
* in each step of it (each model content), the first `functionCall` part must carry its signature, else
  400 "Function call `FC1` in the `1.` content block is missing a `thought_signature`." (the guide's wording;
  the number is the index in `contents`);
* the guide's FAQ dummy signatures "skip_thought_signature_validator" and "context_engineering_is_the_way_to_go"
  skip validation for calls the API did not produce;
* a signature the emulator does not recognise is 400 "Corrupted thought signature." (INVALID_ARGUMENT, the body
  public clients match on, e.g. in retry code for Gemini 3).

Gemini 2.5 models accept missing signatures and do not check them ("It is optional to return that part").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading
from typing import Any

from langchain_gemini.testing._errors import ApiError, invalid_argument
from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._normalize import decode_base64

DUMMY_SIGNATURES = frozenset({"skip_thought_signature_validator", "context_engineering_is_the_way_to_go"})
_PREFIX = b"\x12\x0aemu"
_NONCE = 12
_MAC = 20


def binding_of(part: dict[str, Any]) -> str:
    """What a signature on `part` is bound to."""
    if "functionCall" in part:
        return "call:" + str(part["functionCall"].get("name", ""))
    if "text" in part:
        return "text"
    if "inlineData" in part or "fileData" in part:
        return "media"
    return "other"


class Signer:
    """Issues and recognises one emulator's thought signatures (thread-safe)."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else os.urandom(32)
        self._served: set[bytes] = set()
        self._lock = threading.Lock()

    def issue(self, binding: str, seed: str) -> str:
        """A signature for a part of kind `binding`; the same seed gives the same signature."""
        nonce = hashlib.blake2b(seed.encode(), digest_size=_NONCE).digest()
        return base64.b64encode(_PREFIX + nonce + self._mac(nonce, binding)).decode()

    def recognises(self, signature: str, binding: str) -> bool:
        """Whether `signature` was issued by this emulator for a part of kind `binding`, or served verbatim."""
        raw = _decoded(signature)
        if raw is None:
            return False
        with self._lock:
            if raw in self._served:
                return True
        body = raw[len(_PREFIX) :]
        if not raw.startswith(_PREFIX) or len(body) != _NONCE + _MAC:
            return False
        return hmac.compare_digest(body[_NONCE:], self._mac(body[:_NONCE], binding))

    def remember(self, answer: Any) -> None:
        """Remember every `thoughtSignature` in a scripted answer (a response, or a list of stream events)."""
        found = set[bytes]()
        for event in answer if isinstance(answer, list) else [answer]:
            for candidate in event.get("candidates") or () if isinstance(event, dict) else ():
                for part in (candidate.get("content") or {}).get("parts") or ():
                    raw = _decoded(part.get("thoughtSignature")) if isinstance(part, dict) else None
                    if raw is not None:
                        found.add(raw)
        if found:
            with self._lock:
                self._served |= found

    def forget(self) -> None:
        """Forget the remembered scripted signatures (issued ones stay valid: the secret is kept)."""
        with self._lock:
            self._served.clear()

    def _mac(self, nonce: bytes, binding: str) -> bytes:
        return hmac.new(self._secret, nonce + binding.encode(), hashlib.sha256).digest()[:_MAC]


def _decoded(signature: Any) -> bytes | None:
    if not isinstance(signature, str) or not signature:
        return None
    try:
        return decode_base64(signature)
    except (binascii.Error, ValueError):
        return None


def _turn_start(contents: list[dict[str, Any]]) -> int:
    """Index of the user content that starts the current turn (-1 when none does)."""
    for index in range(len(contents) - 1, -1, -1):
        content = contents[index]
        if content.get("role", "user") == "user" and any(
            "functionResponse" not in part for part in content.get("parts", ())
        ):
            return index
    return -1


def check_signatures(request: dict[str, Any], model: ModelInfo, signer: Signer | None) -> ApiError | None:
    """The Gemini 3 checks described in the module docstring; None when the request passes."""
    if not model.validates_thought_signatures:
        return None
    contents = request.get("contents", ())
    start = _turn_start(contents)
    for index, content in enumerate(contents):
        if content.get("role", "user") != "model":
            continue
        parts = content.get("parts", ())
        first_call = next((part for part in parts if "functionCall" in part), None)
        if index > start and first_call is not None and not first_call.get("thoughtSignature"):
            name = first_call["functionCall"].get("name", "")
            return invalid_argument(
                f"Function call `{name}` in the `{index}.` content block is missing a `thought_signature`."
            )
        if signer is None:
            continue
        for part in parts:
            signature = part.get("thoughtSignature")
            if signature and signature not in DUMMY_SIGNATURES and not signer.recognises(signature, binding_of(part)):
                return invalid_argument("Corrupted thought signature.")
    return None
