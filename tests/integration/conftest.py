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
# Where the Vertex AI tests put their models: the project of the emulator's service-account key file, a region.
VERTEX_PROJECT = "emulator-project"
VERTEX_LOCATION = "us-central1"
# Variables that would pick another backend, project or key for a Vertex AI model built without arguments.
_BACKEND_ENV = (
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "GOOGLE_VERTEX_BASE_URL",
)


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


@pytest.fixture
def vertex_params(emulator: GeminiEmulator, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Constructor arguments for a Vertex AI model on the emulator, authenticated by Application Default Credentials.

    The credentials are a service-account key file the emulator issued, written to `tmp_path` and named by
    `GOOGLE_APPLICATION_CREDENTIALS`: google-auth signs a JWT with its key and exchanges it at the file's `token_uri`
    (the emulator), as it would at Google's.
    """
    import json

    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(emulator.service_account_info(VERTEX_PROJECT)))
    for name in _BACKEND_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    return {"vertexai": True, "location": VERTEX_LOCATION, "base_url": emulator.base_url}


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


@pytest.fixture(params=[True, False], ids=["sync", "async"])
def sync(request: pytest.FixtureRequest) -> bool:
    """Runs a test twice: through the sync methods, then through their async twins."""
    return bool(request.param)
