"""langchain-tests standard unit suite for GeminiEmbeddings."""

from __future__ import annotations

from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_tests.unit_tests import EmbeddingsUnitTests

from langchain_gemini import GeminiEmbeddings


class TestGeminiEmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[Embeddings]:
        return GeminiEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "gemini-embedding-001", "api_key": "test-key"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"GOOGLE_API_KEY": "env-key"},
            {"model": "gemini-embedding-001", "output_dimensionality": 768},
            {"google_api_key": "env-key", "output_dimensionality": 768},
        )
