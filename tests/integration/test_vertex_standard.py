"""langchain-tests' standard chat and embeddings suites against the emulator's Vertex AI flavour.

The same suites as test_chat_standard.py and test_embeddings_standard.py (subclassed, so their settings and
replacements apply), with models on Vertex AI paths, authenticated by a service-account key file through
Application Default Credentials (the `vertex_params` fixture).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from langchain_gemini.testing import GeminiEmulator
from tests.integration import test_chat_standard, test_embeddings_standard
from tests.integration.conftest import VERTEX_LOCATION, VERTEX_PROJECT

VERTEX_MODELS = f"/v1beta1/projects/{VERTEX_PROJECT}/locations/{VERTEX_LOCATION}/publishers/google/models/"


@pytest.fixture(autouse=True)
def _point_at_vertex(vertex_params: dict[str, Any], emulator: GeminiEmulator) -> Iterator[None]:
    # The parent suites read their module's connection (also in their own helpers, e.g. the reasoning model).
    for module in (test_chat_standard, test_embeddings_standard):
        module._CONNECTION.clear()
        module._CONNECTION.update(vertex_params)
    yield
    # Every call went to Vertex AI's paths with a bearer token from the key file, never a Developer API key.
    for request in emulator.requests:
        assert request.path.startswith(VERTEX_MODELS), request.path
        assert request.headers["authorization"].startswith("Bearer ")
        assert "x-goog-api-key" not in request.headers


class TestChatGeminiVertexStandard(test_chat_standard.TestChatGeminiStandard):
    pass


class TestGeminiEmbeddingsVertexStandard(test_embeddings_standard.TestGeminiEmbeddingsStandard):
    pass
