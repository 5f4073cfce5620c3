"""Context caches on the Vertex AI flavour: a project's `cachedContents`, with Vertex's names and rules.

Paths (cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/projects.locations.cachedContents; google-genai
builds them in caches.py, prefixing `projects/{p}/locations/{l}/` in _api_client.py `_build_request`)::

    POST   /{v1|v1beta1}/projects/{p}/locations/{l}/cachedContents                 create
    GET    /{v1|v1beta1}/projects/{p}/locations/{l}/cachedContents?pageSize=&pageToken=   list
    GET | PATCH | DELETE  /{v1|v1beta1}/projects/{p}/locations/{l}/cachedContents/{id}

Names: Vertex names a cache `projects/PROJECT_NUMBER/locations/LOCATION/cachedContents/CACHE_ID` and its model
`projects/PROJECT_NUMBER/locations/LOCATION/publishers/google/models/MODEL_ID`, and a request that uses a cache must
give that full name (cloud.google.com/vertex-ai/generative-ai/docs/context-cache/context-cache-use). A path may
name the project by id or by number. The emulator gives each project id a stable 12-digit number.

Rules (cloud.google.com/vertex-ai/generative-ai/docs/context-cache/context-cache-create and -overview): at least
2,048 tokens, at least one minute to live, no maximum, 60 minutes by default; a create body names the model in full
(google-genai's `t_caches_model`). A cache of another project or location reads as missing: the Developer API's 403
"CachedContent not found (or permission denied)" (`_caches_api.missing`), since Vertex's own wording for it was not
found in public sources.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from langchain_gemini.testing._caches_api import CacheScope
from langchain_gemini.testing._errors import ApiError, invalid_argument
from langchain_gemini.testing._models import ModelInfo

ROUTE = re.compile(r"/(v1|v1beta1)/projects/([^/]+)/locations/([^/]+)/cachedContents(?:/([^/:]+))?/?")
_FULL_NAME = re.compile(r"projects/([^/]+)/locations/([^/]+)/cachedContents/([^/]+)")
_FULL_MODEL = re.compile(r"projects/([^/]+)/locations/([^/]+)/publishers/google/models/([^/]+)")
MIN_CACHE_TOKENS = 2048  # "requests must contain at least 2,048 tokens" (context-cache-overview)
MIN_TTL_SECONDS = 60.0  # "Minimum time before a cache expires after it's created: 1 minute" (context-cache-create)
# The GenAiCacheService RPCs (google/cloud/aiplatform/v1beta1/gen_ai_cache_service.proto), for ErrorInfo.
_RPC = {
    "createCachedContent": "CreateCachedContent",
    "listCachedContents": "ListCachedContents",
    "getCachedContent": "GetCachedContent",
    "updateCachedContent": "UpdateCachedContent",
    "deleteCachedContent": "DeleteCachedContent",
}


def project_number(project: str) -> str:
    """A project's number: itself when it is one, else a stable 12 digits derived from the id."""
    if project.isdigit():
        return project
    digest = int.from_bytes(hashlib.blake2b(project.encode(), digest_size=8).digest(), "big")
    return str(10**11 + digest % (9 * 10**11))


class VertexCachePath:
    """A parsed Vertex cachedContents URL; it quacks like `_vertex.VertexPath` for authentication."""

    __slots__ = ("cache_id", "location", "model", "project", "version")
    express = False  # a project path: API keys are refused here

    def __init__(self, match: re.Match[str]) -> None:
        self.version: str = match.group(1)
        self.project: str = match.group(2)
        self.location: str = match.group(3)
        self.cache_id: str = match.group(4) or ""
        self.model: str | None = None

    def action(self, method: str) -> str | None:
        if not self.cache_id:
            return {"GET": "listCachedContents", "POST": "createCachedContent"}.get(method)
        return {"GET": "getCachedContent", "PATCH": "updateCachedContent", "DELETE": "deleteCachedContent"}.get(method)

    def rpc(self, action: str) -> str:
        return f"google.cloud.aiplatform.{self.version}.GenAiCacheService.{_RPC[action]}"

    def scope(self) -> VertexCacheScope:
        return VertexCacheScope(self.project, self.location)


def parse(path: str) -> VertexCachePath | None:
    match = ROUTE.fullmatch(path)
    return VertexCachePath(match) if match else None


class VertexCacheScope(CacheScope):
    """The caches of one project and location, named as Vertex names them."""

    min_ttl_seconds = MIN_TTL_SECONDS

    def __init__(self, project: str | None, location: str | None) -> None:
        # Express mode (no project) has no caches: its scope matches no stored cache.
        self.project, self.location = project, location
        self.parent = f"projects/{project_number(project)}/locations/{location}" if project and location else "-"

    def _same_place(self, project: str, location: str) -> bool:
        return self.parent == f"projects/{project_number(project)}/locations/{location}"

    def model_id(self, name: Any, version: str, models: dict[str, ModelInfo]) -> ModelInfo:
        match = _FULL_MODEL.fullmatch(name) if isinstance(name, str) else None
        if match is None or not self._same_place(match.group(1), match.group(2)):
            # Emulator wording; google-genai always sends the full name of the caller's project and location.
            raise invalid_argument(
                f"CachedContent.model must be the model's full name, "
                f"'projects/{self.project}/locations/{self.location}/publishers/google/models/MODEL_ID'; got {name!r}."
            )
        model = models.get(match.group(3))
        if model is None or "vertex" not in model.backends or "createCachedContent" not in model.methods:
            resource = f"projects/{self.project}/locations/{self.location}/publishers/google/models/{match.group(3)}"
            raise ApiError(  # Vertex's words for an unknown model (`_vertex.model_not_found`)
                404,
                f"Publisher Model `{resource}` was not found or your project does not have access to it. Please "
                "ensure you are using a valid model version. For more information, see: "
                "https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions",
            )
        return model

    def min_tokens(self, model: ModelInfo) -> int:
        return MIN_CACHE_TOKENS

    def cache_id(self, name: str) -> str | None:
        match = _FULL_NAME.fullmatch(name)
        if match is None:
            # Emulator wording: Vertex documents that only the full name is taken (context-cache-use).
            raise invalid_argument(
                f"cached_content must be the cache's full resource name, "
                f"'projects/PROJECT/locations/LOCATION/cachedContents/CACHE_ID'; got {name!r}."
            )
        return match.group(3) if self._same_place(match.group(1), match.group(2)) else None

    def model_name(self, model_id: str) -> str:
        return f"{self.parent}/publishers/google/models/{model_id}"
