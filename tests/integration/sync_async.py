"""Helpers for the tests that run one body through a client's sync methods and their async twins."""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_gemini import GeminiCache, GeminiCaches


def call(sync: bool, target: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """`target.method(...)`, or `target.amethod(...)` run to completion."""
    if sync:
        return getattr(target, method)(*args, **kwargs)
    return asyncio.run(getattr(target, f"a{method}")(*args, **kwargs))


def listed(sync: bool, caches: GeminiCaches, **kwargs: Any) -> list[GeminiCache]:
    """Every cache `list` (or `alist`) yields."""
    if sync:
        return list(caches.list(**kwargs))

    async def collect() -> list[GeminiCache]:
        return [cache async for cache in caches.alist(**kwargs)]

    return asyncio.run(collect())
