"""Which backend a model talks to, and where Vertex AI lives: the one owner of those rules.

The rules follow google-genai (google/genai/_api_client.py, `BaseApiClient.__init__`), so that a machine set up for
it (or for langchain-google-genai, which builds on it) reaches the same endpoint with us:

* the backend: `vertexai=` wins, then `GOOGLE_GENAI_USE_VERTEXAI`, then (as langchain-google-genai adds) a
  `credentials` object or a `project` argument select Vertex AI; otherwise the Developer API;
* on Vertex AI, an API key (express mode) or Google credentials: explicit arguments win over the environment
  (`credentials` over a key from the environment, an explicit `api_key` over `GOOGLE_CLOUD_PROJECT` /
  `GOOGLE_CLOUD_LOCATION`, an explicit `project` / `location` over a key from the environment, and, when nothing is
  explicit, the environment's project and location over its key). An explicit `project` or `location` also wins
  over an explicit `api_key`: Vertex AI refuses API keys on project paths (401 "API keys are not supported by this
  API"), google-genai would build `locations/None` for a key and a project, and langchain-google-genai, which
  hands such a key to google-genai through the environment, ends up with the project and credentials too;
* `location` defaults to `global`, whose host is `aiplatform.googleapis.com`; a region `r` is served at
  `r-aiplatform.googleapis.com`, and the multi-regions `us` and `eu` at `aiplatform.{r}.rep.googleapis.com`;
  `GOOGLE_VERTEX_BASE_URL` (google/genai/_base_url.py) or `base_url` replace the host;
* the API version is `v1beta1`, google-genai's default for Vertex AI;
* paths: `projects/{project}/locations/{location}/publishers/google/models/{model}:{method}`, or, in express mode
  (an API key and no project), `publishers/google/models/{model}:{method}`.
  (cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference and .../start/express-mode/overview)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Literal

USE_VERTEX_ENV_VAR = "GOOGLE_GENAI_USE_VERTEXAI"
PROJECT_ENV_VAR = "GOOGLE_CLOUD_PROJECT"
LOCATION_ENV_VAR = "GOOGLE_CLOUD_LOCATION"
VERTEX_BASE_URL_ENV_VAR = "GOOGLE_VERTEX_BASE_URL"
VERTEX_API_VERSION = "v1beta1"
GLOBAL_LOCATION = "global"
# google-genai's `_MULTI_REGIONAL_LOCATIONS`: served from `aiplatform.{location}.rep.googleapis.com`.
_MULTI_REGIONS = frozenset({"us", "eu"})
# Region names are lower-case words and digits joined by dashes (`us-central1`, `europe-west4`); anything else would
# change the host name we build from it.
_LOCATION = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
# Project ids: 6-30 characters, lower-case letters, digits and dashes (cloud.google.com/resource-manager/docs/
# creating-managing-projects); older projects may carry a domain prefix (`example.com:my-project`).
_PROJECT = re.compile(r"^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$")
# langchain-google-genai reads these spellings of the variable (google-genai reads "true" and "1").
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def use_vertex(vertexai: bool | None, *, credentials: Any, project: str | None) -> bool:
    """Whether the model talks to Vertex AI: `vertexai`, then the variable, then `credentials` or `project`."""
    if vertexai is not None:
        return vertexai
    env = (_env(USE_VERTEX_ENV_VAR) or "").lower()
    if env in _TRUE:
        return True
    if env in _FALSE:
        return False
    return credentials is not None or project is not None


@dataclass(frozen=True)
class VertexTarget:
    """Where and how a Vertex AI model is reached, once the arguments and the environment are resolved.

    Attributes:
        project: The Google Cloud project; None in express mode, or until Application Default Credentials name it.
        location: The region, `global`, or None in express mode.
        use_api_key: Express mode: the API key, on Google's publisher paths; else credentials, on the project's.
    """

    project: str | None
    location: str | None
    use_api_key: bool


def resolve_target(
    *,
    project: str | None,
    location: str | None,
    api_key_given: bool,
    api_key_from_env: bool,
    credentials: Any,
) -> VertexTarget:
    """The project, location and kind of authentication, with google-genai's precedence (see the module docs).

    Raises:
        ValueError: For both an explicit `api_key` and `credentials`, or an invalid project or location.
    """
    if credentials is not None and api_key_given:
        msg = "api_key and credentials are two ways to authenticate to Vertex AI; pass only one"
        raise ValueError(msg)
    env_project, env_location = _env(PROJECT_ENV_VAR), _env(LOCATION_ENV_VAR)
    if credentials is not None or project is not None or location is not None:
        use_key = False
    elif api_key_given:
        use_key = True
        env_project = env_location = None  # an explicit key wins over the environment's project and location
    else:
        use_key = api_key_from_env and env_project is None and env_location is None
    if project is None and credentials is not None:
        # langchain-google-genai takes the project of the credentials (a service account's `project_id`).
        found = getattr(credentials, "project_id", None)
        project = found if isinstance(found, str) and found else None
    project = project or env_project
    location = location or env_location
    if location is None and not use_key:
        location = GLOBAL_LOCATION
    if project is not None:
        check_project(project)
    if location is not None:
        check_location(location)
    return VertexTarget(project=project, location=location, use_api_key=use_key)


def check_project(project: str) -> str:
    """`project` if it is a Google Cloud project id, else a ValueError naming the field."""
    if not _PROJECT.match(project):
        msg = "project must be a Google Cloud project id (6-30 lower-case letters, digits or dashes)"
        raise ValueError(msg)
    return project


def check_location(location: str) -> str:
    """`location` if it looks like a region (`us-central1`), a multi-region (`us`, `eu`) or `global`."""
    if not _LOCATION.match(location):
        msg = f"location must be a Vertex AI region such as 'us-central1', or 'global'; got {location!r}"
        raise ValueError(msg)
    return location


def default_base_url(location: str | None) -> str:
    """Google's host for `location`, or `GOOGLE_VERTEX_BASE_URL` when it is set."""
    env = _env(VERTEX_BASE_URL_ENV_VAR)
    if env is not None:
        return env
    if location is None or location == GLOBAL_LOCATION:
        return "https://aiplatform.googleapis.com"
    if location in _MULTI_REGIONS:
        return f"https://aiplatform.{location}.rep.googleapis.com"
    return f"https://{location}-aiplatform.googleapis.com"


def resource_prefix(project: str | None, location: str | None) -> str:
    """The path between the API version and `models/...`: the project's publisher, or Google's in express mode."""
    if project is None:
        return "publishers/google/"
    return f"projects/{project}/locations/{location or GLOBAL_LOCATION}/publishers/google/"


def collection_parent(project: str, location: str | None) -> str:
    """The path before a project's collections (`cachedContents`): `projects/{p}/locations/{l}/`."""
    return f"projects/{project}/locations/{location or GLOBAL_LOCATION}/"


# Express mode's REST reference lists only `publishers.models` methods (generateContent, streamGenerateContent,
# countTokens: cloud.google.com/vertex-ai/generative-ai/docs/start/express-mode/vertex-ai-express-mode-api-reference),
# and google-genai, given a key and no project, builds `projects/None/locations/None/cachedContents/...` names
# (_transformers.py `_resource_name`, `t_caches_model`).
NO_EXPRESS_COLLECTIONS = (
    "Vertex AI express mode (an API key, no project) has no context caches; authenticate with Google credentials "
    "and a project (see docs/vertex.md)"
)


def vertex_embedding_method(model: str) -> Literal["embedContent", "predict"]:
    """The method that embeds text with `model` on Vertex AI.

    Gemini models take `embedContent` (and `batchEmbedContents`), the older `text-embedding-*` models `predict`
    (google-genai's `t_is_vertex_embed_content_model`, google/genai/_transformers.py; cloud.google.com/vertex-ai/
    generative-ai/docs/model-reference/text-embeddings-api).
    """
    return "embedContent" if "gemini" in model.rsplit("/", 1)[-1] else "predict"
