"""Explicit context caching: create, get, list, update the expiry of, and delete caches (sync and async).

For example:
```python
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_gemini import ChatGemini, GeminiCaches

model = ChatGemini(model="gemini-2.5-flash")
caches = GeminiCaches.from_model(model)  # same key, base URL and connection pool
handbook = "Employees get 25 vacation days a year. " * 600
cache = caches.create(
    [SystemMessage("Answer from the handbook."), HumanMessage(handbook)], ttl=3600
)
model.invoke("How many vacation days?", cached_content=cache.name)
caches.delete(cache)
```

A cache is billed by the hour for its size, and its tokens at a reduced rate in each request that uses it
(https://ai.google.dev/gemini-api/docs/caching). The API returns metadata only, never the cached content.
`ChatGemini.with_cache` does the create and the binding in one call; see docs/caching.md.

On Vertex AI, caches live in the project and location of the connection
(`projects/{p}/locations/{l}/cachedContents`, https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/
v1/projects.locations.cachedContents); `GeminiClient.collection_path` and `model_name` say where, for both backends.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

from langchain_core.messages import BaseMessage
from pydantic import PrivateAttr, model_validator

from langchain_gemini._base import CONNECTION_FIELDS, GeminiClientSettings, resource_name
from langchain_gemini._caching import CacheHeld, cache_body, expiry, forget, held_by, remember
from langchain_gemini._unknown_kwargs import RefusesUnknownKwargs
from langchain_gemini._wire import SchemaOverride
from langchain_gemini.errors import GeminiResponseValidationError

if TYPE_CHECKING:
    from langchain_gemini._client import GeminiClient

__all__ = ["GeminiCache", "GeminiCaches"]

_MAX_DISPLAY_NAME = 128  # CachedContent.display_name: at most 128 characters (https://ai.google.dev/api/caching)


def _invalid(field_name: str, body: Mapping[str, Any]) -> GeminiResponseValidationError:
    msg = f"CachedContent.{field_name} is missing or malformed in the API's answer"
    return GeminiResponseValidationError(msg, body=dict(body), is_retryable=False)


@dataclass(frozen=True)
class GeminiCache:
    """A context cache (the REST `CachedContent` metadata, snake_cased). Plain data: it pickles and compares.

    `system_instruction`, `tools` and `tool_config` are what the cache holds, in wire form, when this process
    created it; the API never returns them, so they are None for a cache created elsewhere.
    """

    name: str
    """`cachedContents/<id>` (on Vertex AI `projects/<number>/locations/<l>/cachedContents/<id>`): what
    `cached_content=` takes."""
    model: str
    """The model the cache is for, e.g. `models/gemini-2.5-flash` (on Vertex AI the model's full name,
    `projects/.../publishers/google/models/gemini-2.5-flash`); only that model can use it."""
    token_count: int | None = None
    """Tokens the cache holds (`usageMetadata.totalTokenCount`): billed at the cache rate in each request."""
    expire_time: str | None = None
    """When the cache is deleted (RFC 3339); `update` moves it."""
    create_time: str | None = None
    """When the cache was created (RFC 3339)."""
    update_time: str | None = None
    """When the cache was last updated (RFC 3339)."""
    display_name: str | None = None
    """The human-readable name given at creation, if any."""
    usage_metadata: dict[str, Any] = field(default_factory=dict)
    """`usageMetadata` as the API returned it."""
    system_instruction: dict[str, Any] | None = field(default=None, repr=False)
    """The cached system instruction (wire `Content`), if this process created the cache and it holds one."""
    tools: list[dict[str, Any]] | None = field(default=None, repr=False)
    """The cached tools (wire `Tool` list), if this process created the cache and it holds some."""
    tool_config: dict[str, Any] | None = field(default=None, repr=False)
    """The cached tool configuration (wire `ToolConfig`), if this process created the cache and it holds one."""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The resource as the API returned it."""

    @classmethod
    def from_json(cls, body: Mapping[str, Any], held: CacheHeld | None = None) -> GeminiCache:
        """Build from the REST `CachedContent` JSON (and what this process knows the cache holds).

        Raises:
            GeminiResponseValidationError: If `name` or `model` is missing, or a field has the wrong type.
        """
        name, model = body.get("name"), body.get("model")
        if not isinstance(name, str) or not _is_cache_name(name):
            raise _invalid("name", body)
        if not isinstance(model, str) or not model:
            raise _invalid("model", body)
        usage = body.get("usageMetadata")
        usage = {} if usage is None else usage
        if not isinstance(usage, dict):
            raise _invalid("usageMetadata", body)
        tokens = usage.get("totalTokenCount")
        if tokens is not None and (isinstance(tokens, bool) or not str(tokens).isdigit()):
            raise _invalid("usageMetadata.totalTokenCount", body)
        for key in ("expireTime", "createTime", "updateTime", "displayName"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise _invalid(key, body)
        held = held or held_by(name)
        return cls(
            name=name,
            model=model,
            token_count=int(tokens) if tokens is not None else None,
            expire_time=body.get("expireTime"),
            create_time=body.get("createTime"),
            update_time=body.get("updateTime"),
            display_name=body.get("displayName"),
            usage_metadata=dict(usage),
            system_instruction=held.system_instruction if held else None,
            tools=held.tools if held else None,
            tool_config=held.tool_config if held else None,
            raw=dict(body),
        )

    @property
    def expires_at(self) -> datetime | None:
        """`expire_time` as a timezone-aware datetime."""
        if not self.expire_time:
            return None
        text = self.expire_time.replace("Z", "+00:00")
        head, dot, rest = text.partition(".")
        if dot:  # Python before 3.11's full ISO parser takes at most 6 fractional digits; Google sends up to 9
            digits = re.match(r"\d*", rest)
            fraction = digits.group(0) if digits else ""
            text = f"{head}.{fraction[:6].ljust(6, '0')}{rest[len(fraction) :]}"
        return datetime.fromisoformat(text)


def cache_name(cache: GeminiCache | str) -> str:
    """`GeminiCache`, `cachedContents/abc` or `abc` -> `cachedContents/abc`; a Vertex AI name is kept.

    A Vertex AI name is `projects/<p>/locations/<l>/cachedContents/abc`.

    Raises:
        ValueError: If the id is not a plain cache id.
    """
    name = cache.name if isinstance(cache, GeminiCache) else str(cache)
    return resource_name(name, "cachedContents", "a cache name", full_names=True)


def _is_cache_name(name: str) -> bool:
    try:
        return cache_name(name) == name
    except ValueError:
        return False


def _create_body(
    messages: Sequence[BaseMessage],
    *,
    model: str,
    tools: Sequence[Any] | None,
    tool_choice: Any,
    ttl: float | timedelta | None,
    expire_time: datetime | None,
    display_name: str | None,
    schema_mode: SchemaOverride | None,
) -> dict[str, Any]:
    if display_name is not None and (not isinstance(display_name, str) or len(display_name) > _MAX_DISPLAY_NAME):
        msg = f"display_name must be a string of at most {_MAX_DISPLAY_NAME} characters"
        raise ValueError(msg)
    body = cache_body(messages, model=model, tools=tools, tool_choice=tool_choice, schema_mode=schema_mode)
    if display_name:
        body["displayName"] = display_name
    body.update(expiry(ttl, expire_time))
    return body


def _created(answer: Mapping[str, Any], body: Mapping[str, Any]) -> GeminiCache:
    held = CacheHeld.from_request(body)
    cache = GeminiCache.from_json(answer, held)
    remember(cache.name, replace(held, model=cache.model))
    return cache


class GeminiCaches(RefusesUnknownKwargs, GeminiClientSettings):
    """Client for context caches, with the same connection settings as `ChatGemini`.

    Build it with its own settings (`GeminiCaches(api_key=..., model="gemini-2.5-flash")`) or from a model with
    `GeminiCaches.from_model(model)`, which shares the model's connection pool and uses its model name and schema
    mode by default. Closing works as for `GeminiFiles`: built with its own settings it owns its connections
    (`close()`, `await aclose()`, `with` / `async with`); built with `from_model` it borrows the model's.

    On Vertex AI (credentials and a project) it manages the caches of the project and location it connects to, and
    names them in full (`projects/<number>/locations/<l>/cachedContents/<id>`). Vertex AI express mode (an API key,
    no project) has no caches: construction raises a ValueError.
    """

    model: str | None = None
    """The model `create` caches for when it is not given one (a cache serves one model only)."""

    _parent: GeminiClientSettings | None = PrivateAttr(default=None)
    _schema_mode: SchemaOverride | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _refuse_express_mode(self) -> Self:
        target = self._vertex_target
        if target is not None and target.use_api_key:
            from langchain_gemini._vertex import NO_EXPRESS_COLLECTIONS

            raise ValueError(f"GeminiCaches: {NO_EXPRESS_COLLECTIONS}")
        return self

    @classmethod
    def from_model(cls, model: GeminiClientSettings) -> GeminiCaches:
        """A caches client using `model`'s connection settings and connections, and its model name."""
        values = {name: getattr(model, name) for name in CONNECTION_FIELDS}
        caches = cls.model_validate({**values, "model": getattr(model, "model", None)})
        caches._parent = model
        caches._schema_mode = getattr(model, "schema_mode", None)
        return caches

    @property
    def _client(self) -> GeminiClient:
        if self._parent is not None:
            return self._parent._client
        return super()._client

    def _model_for(self, model: str | None) -> str:
        chosen = model or self.model
        if not chosen:
            msg = "model: a cache is made for one model; pass model=... (or build GeminiCaches with one)"
            raise ValueError(msg)
        return chosen.removeprefix("models/")

    # -- create --------------------------------------------------------------------------------------------------

    def create(
        self,
        messages: Sequence[BaseMessage],
        *,
        model: str | None = None,
        tools: Sequence[Any] | None = None,
        tool_choice: Any = None,
        ttl: float | timedelta | None = None,
        expire_time: datetime | None = None,
        display_name: str | None = None,
    ) -> GeminiCache:
        """Cache a prompt prefix, converted as `ChatGemini` converts it.

        Leading system messages become the cached system instruction, the rest the cached contents; tools and
        `tool_choice` are cached as `bind_tools` would send them.

        Args:
            messages: The messages to cache, converted exactly as `ChatGemini` converts them.
            model: The model the cache is for (default: this client's `model`).
            tools: Tools to cache, in any form `bind_tools` accepts.
            tool_choice: As in `bind_tools`; needs `tools`.
            ttl: Lifetime in seconds or as a timedelta (the API's default is one hour).
            expire_time: A timezone-aware expiry instead of `ttl`.
            display_name: A human-readable name (at most 128 characters).

        Raises:
            ValueError: For bad arguments, nothing to cache, or content that cannot be converted.
            GeminiBadRequestError: If the API refuses, e.g. a cache below the model's minimum size.
        """
        name = self._model_for(model)
        body = _create_body(
            messages,
            model=name,
            tools=tools,
            tool_choice=tool_choice,
            ttl=ttl,
            expire_time=expire_time,
            display_name=display_name,
            schema_mode=self._schema_mode,
        )
        client = self._client
        body["model"] = client.model_name(name)
        return _created(client.request_json("POST", client.collection_path("cachedContents"), body=body), body)

    async def acreate(
        self,
        messages: Sequence[BaseMessage],
        *,
        model: str | None = None,
        tools: Sequence[Any] | None = None,
        tool_choice: Any = None,
        ttl: float | timedelta | None = None,
        expire_time: datetime | None = None,
        display_name: str | None = None,
    ) -> GeminiCache:
        """Async `create`."""
        name = self._model_for(model)
        body = _create_body(
            messages,
            model=name,
            tools=tools,
            tool_choice=tool_choice,
            ttl=ttl,
            expire_time=expire_time,
            display_name=display_name,
            schema_mode=self._schema_mode,
        )
        client = self._client
        body["model"] = client.model_name(name)
        path = client.collection_path("cachedContents")
        return _created(await client.arequest_json("POST", path, body=body), body)

    # -- get / list / update / delete ----------------------------------------------------------------------------

    def get(self, cache: GeminiCache | str) -> GeminiCache:
        """Fetch a cache's metadata (`cachedContents/<id>`, `<id>` or a `GeminiCache`).

        Raises:
            ValueError: If `cache` is not a cache name.
            GeminiPermissionDeniedError: If the cache does not exist or has expired (Google answers 403).
        """
        return GeminiCache.from_json(self._client.request_json("GET", self._path(cache)))

    async def aget(self, cache: GeminiCache | str) -> GeminiCache:
        """Async `get`."""
        return GeminiCache.from_json(await self._client.arequest_json("GET", self._path(cache)))

    def list(self, *, page_size: int | None = None) -> Iterator[GeminiCache]:
        """Iterate over the project's live caches, page by page (`page_size` 1-1000 per request).

        Raises:
            GeminiResponseValidationError: If the API hands back a page token it already gave (it would loop).
        """
        pages = _Pages(page_size)
        while pages.token is not None:
            path = self._client.collection_path("cachedContents")
            body = self._client.request_json("GET", path, params=pages.params())
            yield from pages.read(body)

    async def alist(self, *, page_size: int | None = None) -> AsyncIterator[GeminiCache]:
        """Async `list`."""
        pages = _Pages(page_size)
        while pages.token is not None:
            path = self._client.collection_path("cachedContents")
            body = await self._client.arequest_json("GET", path, params=pages.params())
            for cache in pages.read(body):
                yield cache

    def update(
        self, cache: GeminiCache | str, *, ttl: float | timedelta | None = None, expire_time: datetime | None = None
    ) -> GeminiCache:
        """Set a new lifetime (from now) or expiry; nothing else about a cache can change.

        Raises:
            ValueError: Unless exactly one of `ttl` and `expire_time` is given, valid.
        """
        body, params = _update_request(ttl, expire_time)
        return GeminiCache.from_json(self._client.request_json("PATCH", self._path(cache), body=body, params=params))

    async def aupdate(
        self, cache: GeminiCache | str, *, ttl: float | timedelta | None = None, expire_time: datetime | None = None
    ) -> GeminiCache:
        """Async `update`."""
        body, params = _update_request(ttl, expire_time)
        path = self._path(cache)
        return GeminiCache.from_json(await self._client.arequest_json("PATCH", path, body=body, params=params))

    def delete(self, cache: GeminiCache | str) -> None:
        """Delete a cache now (its storage is billed until it expires otherwise)."""
        name = self._path(cache)
        self._client.request_json("DELETE", name)
        forget(name)

    async def adelete(self, cache: GeminiCache | str) -> None:
        """Async `delete`."""
        name = self._path(cache)
        await self._client.arequest_json("DELETE", name)
        forget(name)

    def _path(self, cache: GeminiCache | str) -> str:
        # Checked before the client is built: a malformed name is the caller's error, whatever the connection.
        name = cache_name(cache)
        return self._client.collection_path(name)


def _update_request(
    ttl: float | timedelta | None, expire_time: datetime | None
) -> tuple[dict[str, str], dict[str, str]]:
    if ttl is None and expire_time is None:
        msg = "update needs ttl or expire_time"
        raise ValueError(msg)
    body = expiry(ttl, expire_time)
    return body, {"updateMask": next(iter(body))}


class _Pages:
    """Page tokens of a list: a token the API already handed back would loop forever, so it is an error."""

    def __init__(self, page_size: int | None) -> None:
        if page_size is not None and (isinstance(page_size, bool) or not 1 <= page_size <= 1000):
            msg = f"page_size must be between 1 and 1000, got {page_size!r}"
            raise ValueError(msg)
        self.page_size = page_size
        self.token: str | None = ""
        self.seen: set[str] = set()

    def params(self) -> dict[str, str]:
        params = {}
        if self.page_size is not None:
            params["pageSize"] = str(self.page_size)
        if self.token:
            params["pageToken"] = self.token
        return params

    def read(self, body: Mapping[str, Any]) -> list[GeminiCache]:
        items = body.get("cachedContents") or []
        if not isinstance(items, list):
            raise _invalid("cachedContents", body)
        token = body.get("nextPageToken") or None
        if token is not None and (not isinstance(token, str) or token in self.seen):
            msg = f"cachedContents.list: the API returned the page token {token!r} again; stopping instead of looping"
            raise GeminiResponseValidationError(msg, body=dict(body), is_retryable=False)
        if token is not None:
            self.seen.add(token)
        self.token = token
        if not all(isinstance(item, dict) for item in items):
            raise _invalid("cachedContents[]", body)
        return [GeminiCache.from_json(item) for item in items]
