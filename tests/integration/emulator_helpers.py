"""Helpers shared by the emulator's own tests (`test_emulator*.py`); their fixtures live in conftest.py."""

from __future__ import annotations

from typing import Any

import httpx

FLASH = "gemini-2.5-flash"
PRO3 = "gemini-3-pro-preview"


def ask(text: str = "Hello", **extra: Any) -> dict[str, Any]:
    """A one-turn GenerateContentRequest body."""
    return {"contents": [{"role": "user", "parts": [{"text": text}]}], **extra}


def generate(client: httpx.Client, body: dict[str, Any], model: str = FLASH) -> dict[str, Any]:
    """generateContent that must succeed; the response JSON."""
    response = client.post(f"/v1beta/models/{model}:generateContent", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def rejected(client: httpx.Client, body: dict[str, Any], model: str = FLASH, status: int = 400) -> dict[str, Any]:
    """generateContent that must fail with `status`; the `error` object."""
    response = client.post(f"/v1beta/models/{model}:generateContent", json=body)
    assert response.status_code == status, response.text
    return response.json()["error"]  # type: ignore[no-any-return]


def text_of(answer: dict[str, Any], index: int = 0) -> str:
    """The non-thought text of a candidate."""
    parts = answer["candidates"][index].get("content", {}).get("parts", [])
    return "".join(p.get("text", "") for p in parts if not p.get("thought"))


def parts_of(answer: dict[str, Any], index: int = 0) -> list[dict[str, Any]]:
    """The parts of a candidate."""
    return answer["candidates"][index].get("content", {}).get("parts", [])  # type: ignore[no-any-return]
