"""Canned Gemini responses for examples that show what the real API returns for features the emulator lacks."""

from __future__ import annotations

from typing import Any


def grounded_response() -> dict[str, Any]:
    """placeholder"""
    return {}
