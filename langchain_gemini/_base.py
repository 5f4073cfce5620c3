"""Connection settings shared by `ChatGemini`, `GeminiEmbeddings` and `GeminiFiles`.

These classes inherit these fields, so the key, base URL, timeout, retry and client options behave the same way
everywhere and are validated in one place; so does closing (`close`, `aclose`, `with`, `async with`).
"""

from __future__ import annotations

import copy
import os
import re
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import parse_qsl, urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

if TYPE_CHECKING:
    from langchain_gemini._client import GeminiClient
    from langchain_gemini._vertex import VertexTarget

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
DEFAULT_API_VERSION = "v1beta"
# Google's SDK reads GOOGLE_API_KEY first when both are set; we do the same so a machine behaves alike with both.
API_KEY_ENV_VARS = ("GOOGLE_API_KEY", "GEMINI_API_KEY")
# The variable google-genai reads for the Developer API's base URL (google/genai/_base_url.py), with the same
# precedence: an explicit base_url wins, then the variable, then the public endpoint.
BASE_URL_ENV_VAR = "GOOGLE_GEMINI_BASE_URL"


def _api_key_from_env() -> SecretStr | None:
    for name in API_KEY_ENV_VARS:
        value = os.environ.get(name, "").strip()
        if value:
            return SecretStr(value)
    return None


def _base_url_from_env() -> str:
    value = os.environ.get(BASE_URL_ENV_VAR, "").strip()
    if not value:
        return DEFAULT_BASE_URL
    try:
        return check_base_url(value)
    except ValueError as error:
        msg = f"{BASE_URL_ENV_VAR}: {error}"
        raise ValueError(msg) from None


def check_base_url(url: str) -> str:
    """Return `url` without a trailing slash, or raise if it could leak or misplace credentials.

    The message never echoes the URL, since the offending part may be a secret.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        msg = "base_url must be an absolute http:// or https:// URL"
        raise ValueError(msg)
    if parts.username or parts.password:
        msg = "base_url must not contain credentials; pass the key as api_key"
        raise ValueError(msg)
    if any(name.lower() == "key" for name, _ in parse_qsl(parts.query, keep_blank_values=True)):
        msg = "base_url must not carry a key= query parameter; pass the key as api_key"
        raise ValueError(msg)
    return url.rstrip("/")


# The ids the API gives batches and caches: letters, digits, `-` and `_` (ai.google.dev/api/batch-api, .../caching).
_RESOURCE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
# A Vertex AI resource's full name: `projects/{project id or number}/locations/{location}/` before the collection
# (cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/projects.locations.cachedContents).
_VERTEX_PARENT = re.compile(r"^projects/[a-z0-9.:-]{1,64}/locations/[a-z0-9-]{1,64}/")


def resource_name(name: str, collection: str, what: str, *, full_names: bool = False) -> str:
    """`abc` or `{collection}/abc` -> `{collection}/abc`, else a ValueError naming `what` (e.g. "a batch name").

    With `full_names`, a Vertex AI name (`projects/{p}/locations/{l}/{collection}/abc`) is also taken, unchanged.
    """
    parent = _VERTEX_PARENT.match(name) if full_names else None
    head = parent.group(0) if parent else ""
    resource_id = name[len(head) :].removeprefix(f"{collection}/")
    if not _RESOURCE_ID.match(resource_id) or (head and not name[len(head) :].startswith(f"{collection}/")):
        expected = f"'{collection}/<id>'" + (
            f" or 'projects/<p>/locations/<l>/{collection}/<id>'" if full_names else ""
        )
        msg = f"not {what}: {name!r} (expected {expected})"
        raise ValueError(msg)
    return f"{head}{collection}/{resource_id}"


def model_path(model: str) -> str:
    """`gemini-2.5-flash` -> `models/gemini-2.5-flash`; names that already carry a collection are kept."""
    return model if "/" in model else f"models/{model}"


# The fields that say where and how to connect: a client built from these talks to the same endpoint.
CONNECTION_FIELDS = (
    "vertexai",
    "project",
    "location",
    "credentials",
    "google_api_key",
    "base_url",
    "api_version",
    "timeout",
    "max_retries",
    "http_client",
    "http_async_client",
)


def _without_inputs(exc: ValidationError) -> ValidationError:
    # Each error keeps its type name, location and message; `PydanticCustomError` takes any type name, where
    # from_exception_data would only rebuild the types pydantic_core knows.
    details = [
        InitErrorDetails(type=PydanticCustomError(error["type"], error["msg"]), loc=error["loc"], input="<hidden>")
        for error in exc.errors(include_url=False, include_input=False)
    ]
    return ValidationError.from_exception_data(exc.title, details, hide_input=True)


class GeminiClientSettings(BaseModel):
    """Fields that say where and how to reach the Gemini API, and the closing of the connections they lead to.

    An instance opens its HTTP connections on first use and owns them: `close()` (or `await aclose()`, or leaving
    a `with` / `async with` block) closes them, and so does dropping the instance. A closed instance stays usable:
    its next request opens new connections, so runnables bound to it (`bind_tools`, `with_structured_output`)
    keep working. An `http_client` or `http_async_client` you pass in is never closed: it is yours.
    """

    # hide_input_in_errors: a rejected base_url or key must not be echoed back in the validation error.
    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True, hide_input_in_errors=True)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            # hide_input_in_errors hides inputs from str() only: `errors()`, `repr` of the args and pickles keep them
            # (a key, or a base_url holding one). Raised again without them, and without the original as context.
            raise _without_inputs(exc) from None

    google_api_key: SecretStr | None = Field(default_factory=_api_key_from_env, alias="api_key")
    """Gemini API key. Defaults to `GOOGLE_API_KEY`, then `GEMINI_API_KEY`; surrounding whitespace is stripped.
    It is sent only in the `x-goog-api-key` header."""

    base_url: str = Field(default_factory=_base_url_from_env)
    """Root of the REST API, without the version segment (e.g. an emulator's `http://127.0.0.1:8080`). Defaults
    to `GOOGLE_GEMINI_BASE_URL` when it is set (as in google-genai), else Google's public endpoint."""

    api_version: str = DEFAULT_API_VERSION
    """API version path segment: `v1beta` (all features) or `v1` (stable surface only)."""

    timeout: float | None = Field(default=None, gt=0)
    """Seconds for every phase of a request (connect, read, write, pool). `None` means 5 s to connect and 600 s
    for the rest: thinking models can be silent for minutes."""

    max_retries: int = Field(default=2, ge=0)
    """Retries after the first attempt, for 408/429/5xx and connection failures. 0 disables retrying."""

    http_client: Any = Field(default=None, exclude=True)
    """Optional `httpx.Client` to send sync requests with (proxies, custom transports). Never closed by us."""

    http_async_client: Any = Field(default=None, exclude=True)
    """Optional `httpx.AsyncClient` for async requests. Never closed by us."""

    vertexai: bool | None = None
    """Talk to Vertex AI instead of the Developer API. `None` decides as google-genai and langchain-google-genai
    do: `GOOGLE_GENAI_USE_VERTEXAI`, else Vertex AI when `credentials` or `project` is given. After construction it
    holds the decision (`True` or `False`). See docs/vertex.md."""

    project: str | None = None
    """Google Cloud project (Vertex AI only). Defaults to the project of `credentials`, then
    `GOOGLE_CLOUD_PROJECT`, then that of Application Default Credentials (on first use)."""

    location: str | None = None
    """Vertex AI region (`us-central1`, `europe-west4`, `us`, `eu`) or `global`. Defaults to
    `GOOGLE_CLOUD_LOCATION`, then `global`."""

    credentials: Any = Field(default=None, exclude=True, repr=False)
    """A `google.auth.credentials.Credentials` object for Vertex AI (implies `vertexai=True`). Without it (and
    without an API key) Application Default Credentials are used (`GOOGLE_APPLICATION_CREDENTIALS`, gcloud, the
    metadata server). Never serialized, pickled or shown."""

    _vertex_refusal: ClassVar[str | None] = None
    """Why a class cannot talk to Vertex AI (yet); None when it can."""
    _vertex_target: VertexTarget | None = PrivateAttr(default=None)
    _credentials_dropped: bool = PrivateAttr(default=False)
    _gemini_client: GeminiClient | None = PrivateAttr(default=None)
    _client_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @field_validator("google_api_key", mode="before")
    @classmethod
    def _strip_api_key(cls, value: Any) -> Any:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw is None:
            return None
        if not isinstance(raw, str):
            msg = "api_key must be a string"
            raise TypeError(msg)
        stripped = raw.strip()
        if not stripped:
            msg = "api_key is empty"
            raise ValueError(msg)
        return SecretStr(stripped)

    @field_validator("base_url")
    @classmethod
    def _validate_base_url(cls, value: str) -> str:
        return check_base_url(value)

    @field_validator("api_version")
    @classmethod
    def _validate_api_version(cls, value: str) -> str:
        version = value.strip("/")
        if not version or "/" in version:
            msg = "api_version must be a single path segment such as 'v1beta'"
            raise ValueError(msg)
        return version

    @model_validator(mode="after")
    def _resolve_backend(self) -> Self:
        # Imported here: `import langchain_gemini` costs the Developer API nothing for Vertex AI's rules.
        from langchain_gemini import _vertex

        explicit = self.model_fields_set
        given = {name for name in ("project", "location", "credentials") if getattr(self, name) is not None}
        self.vertexai = _vertex.use_vertex(self.vertexai, credentials=self.credentials, project=self.project)
        if not self.vertexai:
            if given:
                # google-genai refuses these too: "Gemini API does not support project/location."
                msg = f"{', '.join(sorted(given))}: Vertex AI only, and this model talks to the Developer API"
                raise ValueError(msg)
            return self
        if self._vertex_refusal is not None:
            msg = f"{type(self).__name__} does not support Vertex AI: {self._vertex_refusal}"
            raise ValueError(msg)
        target = _vertex.resolve_target(
            project=self.project,
            location=self.location,
            api_key_given="google_api_key" in explicit and self.google_api_key is not None,
            api_key_from_env=self.google_api_key is not None,
            credentials=self.credentials,
        )
        if not target.use_api_key:
            self.google_api_key = None  # an environment key is not sent when credentials authenticate
        self.project, self.location = target.project, target.location
        if "base_url" not in explicit:
            self.base_url = check_base_url(_vertex.default_base_url(target.location))
        if "api_version" not in explicit:
            self.api_version = _vertex.VERTEX_API_VERSION
        self._vertex_target = target
        return self

    @property
    def _client(self) -> GeminiClient:
        """The REST client, built on first use so that construction stays cheap and offline."""
        client = self._gemini_client
        if client is not None:
            return client
        with self._client_lock:
            if self._gemini_client is None:
                self._gemini_client = self._build_client()
            return self._gemini_client

    def _build_client(self) -> GeminiClient:
        from langchain_gemini._client import GeminiClient

        if self._vertex_target is not None:
            from langchain_gemini._vertex_client import vertex_client

            return vertex_client(self, self._vertex_target, dropped_credentials=self._credentials_dropped)
        if self.google_api_key is None:
            names = " or ".join(API_KEY_ENV_VARS)
            msg = f"No Gemini API key: pass api_key=... or set {names}"
            raise ValueError(msg)
        return GeminiClient(
            api_key=self.google_api_key,
            base_url=self.base_url,
            api_version=self.api_version,
            timeout=self.timeout,
            max_retries=self.max_retries,
            http_client=self.http_client,
            http_async_client=self.http_async_client,
        )

    def close(self) -> None:
        """Close the HTTP connections this instance opened, sync and async.

        Async connections of an event loop that has ended (a finished `asyncio.run`) are closed at once; those of a
        loop still running elsewhere are closed on that loop. A supplied `http_client` / `http_async_client` is left
        open, and an instance built with `GeminiFiles.from_model` leaves its model's connections alone. The
        instance stays usable: the next request opens new connections.
        """
        client = self._gemini_client  # None if nothing was opened, or if the connections are borrowed (from_model)
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Async `close`: the running event loop's connections are closed gracefully, the others as `close` does."""
        client = self._gemini_client
        if client is not None:
            await client.aclose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    def __getstate__(self) -> dict[Any, Any]:
        # Pools and locks do not pickle; the unpickled model builds its own on first use.
        state = super().__getstate__()
        private = {**(state.get("__pydantic_private__") or {}), "_gemini_client": None}
        private.pop("_client_lock", None)
        fields = dict(state.get("__dict__") or {})
        if fields.get("credentials") is not None:
            # Credentials hold a private key or a refresh token: never pickled. The copy says so on first use.
            fields["credentials"] = None
            private["_credentials_dropped"] = True
        return {**state, "__dict__": fields, "__pydantic_private__": private}

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        self._client_lock = threading.Lock()

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Any:
        # httpx clients hold locks and sockets: a copy shares the caller-supplied ones and builds its own pool. It
        # shares the google-auth credentials too: copying them would copy a private key and split one identity.
        clone = self.model_copy()
        for name, value in self.__dict__.items():
            if name not in {"http_client", "http_async_client", "credentials"}:
                clone.__dict__[name] = copy.deepcopy(value, memo)
        object.__setattr__(clone, "__pydantic_private__", {**(self.__pydantic_private__ or {})})
        clone._gemini_client = None
        clone._client_lock = threading.Lock()
        return clone
