"""Integration tests run against the bundled emulator on loopback, or the real API when a key is set.

`GEMINI_FORCE_EMULATOR=1` keeps the emulator even when a key is present.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_gemini.testing import GeminiEmulator

USE_REAL_API = bool(
    (os.environ.get("GOOGLE_API_KEY", "").strip() or os.environ.get("GEMINI_API_KEY", "").strip())
    and not os.environ.get("GEMINI_FORCE_EMULATOR")
)
EMULATOR_KEY = "emulator-test-key"
# What a new GeminiEmulator() is configured with. `reset()` keeps configuration, so the fixtures put these back:
# a test's `configure(latency=0.3)` must not slow down every test after it.
EMULATOR_SETTINGS: dict[str, Any] = {
    "latency": 0.0,
    "stream_events": 4,
    "file_processing_polls": 1,
    "token_lifetime": 3600,  # the Vertex flavour's access tokens
}


@pytest.fixture(scope="session")
def gemini_emulator() -> Iterator[GeminiEmulator | None]:
    """The session's emulator (None when the tests run against the real API)."""
    if USE_REAL_API:
        yield None
        return
    with GeminiEmulator() as emulator:
        yield emulator


@pytest.fixture
def emulator(gemini_emulator: GeminiEmulator | None) -> Iterator[GeminiEmulator]:
    """The emulator, reset around the test; tests that need one are skipped against the real API."""
    if gemini_emulator is None:
        pytest.skip("needs the emulator (faults, request log); running against the real API")
    gemini_emulator.reset()
    yield gemini_emulator
    gemini_emulator.reset()
    gemini_emulator.configure(**EMULATOR_SETTINGS)


def connection_params(gemini_emulator: GeminiEmulator | None) -> dict[str, Any]:
    """Constructor arguments that point a model at the emulator, or nothing for the real API."""
    if gemini_emulator is None:
        return {}
    return {"base_url": gemini_emulator.base_url, "api_key": EMULATOR_KEY}


# -- the emulator's own tests (test_emulator*.py): raw HTTP against a module-scoped emulator ----------------------


@pytest.fixture(scope="module")
def emulator_server() -> Iterator[GeminiEmulator]:
    """A private emulator per test module (the emulator's own tests always run against it)."""
    with GeminiEmulator() as emulator:
        yield emulator


@pytest.fixture
def emu(emulator_server: GeminiEmulator) -> GeminiEmulator:
    """`emulator_server`, reset to its defaults before the test."""
    emulator_server.reset()
    emulator_server.configure(**EMULATOR_SETTINGS)
    return emulator_server


@pytest.fixture
def emu_client(emu: GeminiEmulator) -> Iterator[Any]:
    """An httpx client on `emu` that sends an API key."""
    import httpx

    with httpx.Client(base_url=emu.base_url, headers={"x-goog-api-key": "test-key"}, timeout=30) as client:
        yield client
