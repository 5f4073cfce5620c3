"""The REST client of a model on Vertex AI: an API key (express mode) or Google credentials, and Vertex's paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_gemini._client import GeminiClient
from langchain_gemini._vertex import NO_EXPRESS_COLLECTIONS, VertexTarget, collection_parent, resource_prefix

if TYPE_CHECKING:
    from langchain_gemini._base import GeminiClientSettings


def vertex_client(settings: GeminiClientSettings, target: VertexTarget, *, dropped_credentials: bool) -> GeminiClient:
    """A `GeminiClient` for `settings` on Vertex AI, authenticated as `target` says.

    Raises:
        ImportError: google-auth is needed (credentials, not an API key) and the `vertex` extra is not installed.
        ValueError: No project can be found, no credentials either, or the model was unpickled without them.
    """
    common = {
        "base_url": settings.base_url,
        "api_version": settings.api_version,
        "timeout": settings.timeout,
        "max_retries": settings.max_retries,
        "http_client": settings.http_client,
        "http_async_client": settings.http_async_client,
    }
    if target.use_api_key:
        return GeminiClient(
            api_key=settings.google_api_key,
            resource_prefix=resource_prefix(None, None),
            collection_parent=None,
            why_no_collections=NO_EXPRESS_COLLECTIONS,
            **common,
        )
    if dropped_credentials:
        msg = "credentials are never pickled: pass credentials=... to the unpickled model again"
        raise ValueError(msg)
    from langchain_gemini._google_auth import HttpxRequest, TokenSource, default_credentials

    credentials, project = settings.credentials, target.project
    if credentials is None:
        credentials, found = default_credentials()
        project = project or found
    if project is None:
        msg = "No Google Cloud project for Vertex AI: pass project=... or set GOOGLE_CLOUD_PROJECT"
        raise ValueError(msg)
    tokens = TokenSource(credentials, HttpxRequest(settings.http_client, timeout=settings.timeout))
    return GeminiClient(
        api_key=None,
        token_source=tokens,
        resource_prefix=resource_prefix(project, target.location),
        collection_parent=collection_parent(project, target.location),
        **common,
    )
