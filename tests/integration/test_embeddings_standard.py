"""langchain-tests standard integration suite for GeminiEmbeddings: against the emulator, or the real API with a key."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.embeddings import Embeddings
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from langchain_gemini import GeminiEmbeddings
from langchain_gemini.testing import GeminiEmulator
from tests.integration.conftest import connection_params

_CONNECTION: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _point_at_endpoint(gemini_emulator: GeminiEmulator | None) -> None:
    _CONNECTION.clear()
    _CONNECTION.update(connection_params(gemini_emulator))


class TestGeminiEmbeddingsStandard(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[Embeddings]:
        return GeminiEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "gemini-embedding-001", **_CONNECTION}
