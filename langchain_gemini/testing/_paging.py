"""Page windows of the emulator's list methods (files, cachedContents, batches): one token format for all three.

A page token is opaque to clients; here it is `after:<sequence>` in URL-safe base64, the sequence of the last item
of the previous page. A token the emulator did not issue is Google's 400 "Invalid page token.".
"""

from __future__ import annotations

import base64
import binascii

from langchain_gemini.testing._errors import invalid_argument
from langchain_gemini.testing._http import HttpRequest


def page_window(request: HttpRequest, *, default: int, maximum: int) -> tuple[int, int]:
    """The page size and the sequence to start after (0 for the first page).

    The size is `default` when unset or not positive, and at most `maximum`.

    Raises:
        ApiError: 400 for a page token this emulator did not issue, or a page size that is not a number.
    """
    try:
        size = int(request.query.get("pageSize") or default)
        after = _sequence_of(request.query.get("pageToken", ""))
    except ValueError:
        raise invalid_argument("Invalid page token.") from None
    return (default if size <= 0 else min(size, maximum)), after


def next_page_token(after: int) -> str:
    """The token of the page that starts after the item with sequence `after`."""
    return base64.urlsafe_b64encode(f"after:{after}".encode()).decode()


def _sequence_of(token: str) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError(token) from None
    if not text.startswith("after:"):
        raise ValueError(token)
    return int(text.removeprefix("after:"))
