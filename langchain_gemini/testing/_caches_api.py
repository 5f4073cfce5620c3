"""`cachedContents` over HTTP (https://ai.google.dev/api/caching), and generateContent with a cache.

* `POST /v1beta/cachedContents` creates (body: a `CachedContent` with `model`, and `ttl` or `expireTime`);
* `GET /v1beta/cachedContents?pageSize=&pageToken=` lists (`{"cachedContents": [...], "nextPageToken"}`, oldest
  first, at most 1000 a page);
* `GET`, `PATCH` (`?updateMask=ttl` or `expireTime`; google-genai sends no mask, so the fields present are the
  mask) and `DELETE` (`{}`) act on `/v1beta/cachedContents/<id>`.

A missing or expired cache is 403 "CachedContent not found (or permission denied)" for every method, the body
clients match on in public code (see `_rules.cached_content`).

A generateContent request naming a cache must not carry `systemInstruction`, `tools` or `toolConfig`: Google
answers 400 "Tool config, tools and system instruction should not be set in the request when using cached
content." (the wording quoted in 567-labs/instructor#2582, 2026; older releases said "CachedContent can not be
used with GenerateContent request setting system_instruction, tools or tool_config"). Otherwise the cache is a
prefix of the prompt: the answer sees its contents, instruction and tools, `promptTokenCount` includes the cached
tokens and `cachedContentTokenCount` / `cacheTokensDetails` report them, as the recorded exchange
pydantic-ai-test_google_model_cached_content shows (3520 prompt tokens of which 3512 cached).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from langchain_gemini.testing._caches import (
    DEFAULT_TTL_SECONDS,
    CacheStore,
    StoredCache,
    parse_duration,
    parse_timestamp,
)
from langchain_gemini.testing._errors import ApiError, invalid_argument
from langchain_gemini.testing._http import HttpRequest, Reply
from langchain_gemini.testing._models import ModelInfo, min_cache_tokens
from langchain_gemini.testing._normalize import normalize, parse_json
from langchain_gemini.testing._paging import next_page_token, page_window
from langchain_gemini.testing._tokens import report_cached

_ROUTE = re.compile(r"/(v1beta|v1|v1alpha)/cachedContents(?:/([^/:]+))?/?")
_HELD = ("contents", "systemInstruction", "tools", "toolConfig")
_CREATE_FIELDS = frozenset({"model", "displayName", "ttl", "expireTime", "name", *_HELD})
_UPDATABLE = {"ttl": "ttl", "expireTime": "expireTime", "expire_time": "expireTime"}
_MAX_DISPLAY_NAME = 128  # CachedContent.display_name: "Maximum 128 Unicode characters"
_DEFAULT_PAGE, _MAX_PAGE = 100, 1000
CACHE_CONFLICT = "Tool config, tools and system instruction should not be set in the request when using cached content."


def route(method: str, path: str) -> str | None:
    """The cachedContents action for a request, or None when the path is not a cachedContents path."""
    match = _ROUTE.fullmatch(path)
    if match is None:
        return None
    if match.group(2) is None:
        return {"GET": "listCachedContents", "POST": "createCachedContent"}.get(method)
    return {"GET": "getCachedContent", "PATCH": "updateCachedContent", "DELETE": "deleteCachedContent"}.get(method)


def missing() -> ApiError:
    """Google's answer for a cache that does not exist, has expired, or belongs to someone else."""
    return ApiError(403, "CachedContent not found (or permission denied)")


class CacheScope:
    """Where caches live and what differs there: the Developer API's rules.

    `_vertex_caches.VertexCacheScope` holds a Vertex AI project's.
    """

    parent = ""  # the StoredCache.parent of this scope's caches
    min_ttl_seconds = 0.0

    def model_id(self, name: Any, version: str, models: dict[str, ModelInfo]) -> ModelInfo:
        """The model a create body names, or Google's error."""
        if not isinstance(name, str) or not name:
            raise invalid_argument("CachedContent.model is required, e.g. 'models/gemini-2.5-flash'.")
        model_id = name.removeprefix("models/")
        model = models.get(model_id)
        if model is None or "createCachedContent" not in model.methods:
            raise ApiError(
                404,
                f"models/{model_id} is not found for API version {version}, or is not supported for "
                "createCachedContent. Call ListModels to see the list of available models and their supported "
                "methods.",
            )
        return model

    def min_tokens(self, model: ModelInfo) -> int:
        return min_cache_tokens(model.id)

    def cache_id(self, name: str) -> str | None:
        """The id of the cache a generateContent request names, None when it cannot be one of this scope's."""
        return name.removeprefix("cachedContents/") if name.startswith("cachedContents/") else None

    def model_name(self, model_id: str) -> str:
        return f"models/{model_id}"


DEVELOPER = CacheScope()


def _json(payload: Any) -> Reply:
    return Reply(body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())


class CachesApi:
    """Answers cachedContents requests against one `CacheStore`."""

    def __init__(
        self,
        store: CacheStore,
        models: Callable[[], dict[str, ModelInfo]],
        validate: Callable[[dict[str, Any], ModelInfo], None],
    ) -> None:
        self.store = store
        self.models = models  # read per request: the registry can be replaced while the emulator runs
        self.validate = validate  # generateContent's own checks: what a cache holds is a prompt prefix

    def answer(self, request: HttpRequest, action: str) -> Reply:
        """Answer an authenticated cachedContents request.

        Raises:
            ApiError: Google's error for the request.
        """
        match = _ROUTE.fullmatch(request.path)
        assert match is not None  # route() matched it
        return self.serve(request, action, match.group(1), match.group(2) or "", DEVELOPER)

    def serve(self, request: HttpRequest, action: str, version: str, cache_id: str, scope: CacheScope) -> Reply:
        """Answer a cachedContents request on the caches of `scope`.

        Raises:
            ApiError: Google's error for the request.
        """
        parent = scope.parent
        if action == "createCachedContent":
            return _json(self._create(_body(request), version, scope).resource())
        if action == "listCachedContents":
            return self._list(request, parent)
        if action == "getCachedContent":
            return _json(_found(self.store.get(cache_id, parent)).resource())
        if action == "updateCachedContent":
            return _json(self._update(cache_id, _body(request), request.query.get("updateMask"), scope).resource())
        if not self.store.delete(cache_id, parent):
            raise missing()
        return _json({})

    def _create(self, body: dict[str, Any], version: str, scope: CacheScope) -> StoredCache:
        for key in body:
            if key not in _CREATE_FIELDS:
                raise invalid_argument(f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.')
        if "name" in body:  # output only: the service names caches
            raise invalid_argument("CachedContent.name is output only and cannot be set.")
        model = scope.model_id(body.get("model"), version, self.models())
        display_name = body.get("displayName")
        if display_name is not None and (not isinstance(display_name, str) or len(display_name) > _MAX_DISPLAY_NAME):
            raise invalid_argument(f"display_name must be a string of at most {_MAX_DISPLAY_NAME} characters.")
        expire = self._expiry(body, scope, default=True)
        assert expire is not None
        held = normalize({k: body[k] for k in _HELD if k in body}, "GenerateContentRequest")
        if not held.get("contents") and not held.get("systemInstruction"):
            raise invalid_argument("CachedContent must have contents or a system instruction.")
        self.validate(dict(held), model)
        stored = self.store.add(model.id, held, expire, display_name, scope.parent)
        minimum = scope.min_tokens(model)
        if stored.tokens < minimum:
            self.store.delete(stored.id, scope.parent)
            raise invalid_argument(
                f"Cached content is too small. total_token_count={stored.tokens}, min_total_token_count={minimum}"
            )
        return stored

    def _expiry(self, body: dict[str, Any], scope: CacheScope, *, default: bool) -> float | None:
        """Epoch seconds from `ttl` or `expireTime` (a oneof: at most one), or the default hour."""
        if "ttl" in body and "expireTime" in body:
            raise invalid_argument(
                "Invalid value at 'cached_content' (oneof), oneof field 'expiration' is already set. "
                "Cannot set 'expire_time'"
            )
        now = self.store.now()
        if "ttl" in body:
            try:
                ttl = parse_duration(body["ttl"])
            except ValueError:
                raise invalid_argument(
                    f"Invalid value at 'cached_content.ttl' (type.googleapis.com/google.protobuf.Duration), "
                    f"Field 'ttl', Illegal duration format; duration must end with 's': {body['ttl']!r}"
                ) from None
            if ttl <= 0:
                raise invalid_argument("ttl must be positive.")
            if ttl < scope.min_ttl_seconds:
                raise invalid_argument(_too_soon(scope))
            return now + ttl
        if "expireTime" in body:
            try:
                expire = parse_timestamp(str(body["expireTime"]))
            except ValueError:
                raise invalid_argument(
                    "Invalid value at 'cached_content.expire_time' (type.googleapis.com/google.protobuf.Timestamp), "
                    f"Field 'expireTime', Invalid time format: {body['expireTime']!r}"
                ) from None
            if expire <= now:
                raise invalid_argument("expire_time must be in the future.")
            if expire - now < scope.min_ttl_seconds:
                raise invalid_argument(_too_soon(scope))
            return expire
        return now + DEFAULT_TTL_SECONDS if default else None

    def _update(self, cache_id: str, body: dict[str, Any], mask: str | None, scope: CacheScope) -> StoredCache:
        fields = [f.strip() for f in mask.split(",") if f.strip()] if mask else [k for k in body if k in _UPDATABLE]
        for name in fields:
            if name not in _UPDATABLE:
                raise invalid_argument(f"Invalid update mask path {name!r}: only ttl and expire_time can be updated.")
        wanted = {_UPDATABLE[name] for name in fields}
        picked = {key: body[key] for key in wanted if key in body}
        if not picked:
            raise invalid_argument("The update must set ttl or expire_time.")
        expire = self._expiry(picked, scope, default=False)
        assert expire is not None
        return _found(self.store.set_expiry(cache_id, expire, scope.parent))

    def _list(self, request: HttpRequest, parent: str) -> Reply:
        size, after = page_window(request, default=_DEFAULT_PAGE, maximum=_MAX_PAGE)
        caches, next_after = self.store.page(size, after, parent)
        page: dict[str, Any] = {}
        if caches:
            page["cachedContents"] = [c.resource() for c in caches]
        if next_after is not None:
            page["nextPageToken"] = next_page_token(next_after)
        return _json(page)


def _too_soon(scope: CacheScope) -> str:
    # Emulator wording: the limit is documented, Google's message for it was not found in public sources.
    return f"The cache must live at least {scope.min_ttl_seconds:g} seconds after it is created or updated."


def _body(request: HttpRequest) -> dict[str, Any]:
    body = parse_json(request.body) if request.body.strip() else {}
    if not isinstance(body, dict):
        raise invalid_argument("Invalid JSON payload received. Expected an object.")
    return body


def _found(stored: StoredCache | None) -> StoredCache:
    if stored is None:
        raise missing()
    return stored


# -- generateContent with a cache ------------------------------------------------------------------------------


def with_cache(
    body: Any, model: ModelInfo, store: CacheStore, scope: CacheScope = DEVELOPER
) -> tuple[Any, StoredCache | None]:
    """The request as the model sees it: the cache's prefix joined to the request, and the cache used.

    A body without `cachedContent` is returned as it is.

    Raises:
        ApiError: 400 when the request also sets a system instruction, tools or tool config, or names another
            model; 403 when the cache does not exist (or has expired).
    """
    name = body.get("cachedContent") or body.get("cached_content") if isinstance(body, dict) else None
    if not name:
        return body, None
    if any(body.get(key) for key in ("systemInstruction", "system_instruction", "tools", "toolConfig", "tool_config")):
        raise invalid_argument(CACHE_CONFLICT)
    cache_id = scope.cache_id(str(name))
    stored = store.get(cache_id, scope.parent) if cache_id is not None else None
    if stored is None:
        raise missing()
    if stored.model != model.id:
        # Emulator wording: Google's message for a model mismatch was not found in public sources.
        raise invalid_argument(
            f"Model used by GenerateContent request ({scope.model_name(model.id)}) and CachedContent "
            f"({scope.model_name(stored.model)}) has to be the same."
        )
    merged = {key: value for key, value in body.items() if key not in ("cachedContent", "cached_content")}
    merged["contents"] = [*stored.held.get("contents", ()), *(body.get("contents") or ())]
    for key in ("systemInstruction", "tools", "toolConfig"):
        if key in stored.held:
            merged[key] = stored.held[key]
    return merged, stored


def credit(answer: Any, stored: StoredCache | None) -> Any:
    """Report the cached part of the prompt in the answer's usage (the prompt count already includes it)."""
    if stored is None:
        return answer
    return report_cached(answer, stored.tokens, stored.details)
