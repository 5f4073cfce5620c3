"""google-auth pieces for tests: the package's httpx transport (google-auth's own need `requests`, which no lock
holds) and service-account credentials from a key file's content, scoped for Vertex AI."""

from __future__ import annotations

from typing import Any

from langchain_gemini._google_auth import CLOUD_PLATFORM_SCOPE, HttpxRequest

__all__ = ["HttpxRequest", "service_account_credentials"]


def service_account_credentials(info: dict[str, str]) -> Any:
    """google-auth's service-account credentials for a key file's content, scoped for Vertex AI."""
    from google.oauth2 import service_account

    return service_account.Credentials.from_service_account_info(info, scopes=[CLOUD_PLATFORM_SCOPE])
