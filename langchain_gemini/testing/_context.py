"""What request rules may need beyond the request and the model: the emulator's files and signer.

The context travels inside the normalized request under a key no JSON field can have (normalized requests hold
only known camelCase names), so the rule tables keep their simple `(request, model)` signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_gemini.testing._files import FileStore
from langchain_gemini.testing._signatures import Signer

_KEY = "\x00context"


@dataclass(frozen=True)
class RequestContext:
    """The emulator state a request is checked against."""

    files: FileStore | None = None
    signer: Signer | None = None


_EMPTY = RequestContext()


def attach(request: dict[str, Any], context: RequestContext) -> dict[str, Any]:
    """Put `context` into a normalized request; returns the request."""
    request[_KEY] = context
    return request


def context_of(request: dict[str, Any]) -> RequestContext:
    """The context attached to `request` (an empty one if none was)."""
    found = request.get(_KEY)
    return found if isinstance(found, RequestContext) else _EMPTY
