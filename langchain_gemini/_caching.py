"""Context caches on the request path: what a cache holds, and a request that sends only what it does not hold.

Gemini takes the system instruction, tools and tool config of a request that uses a cache only from the cache:
a request that also sets them is refused with 400 "Tool config, tools and system instruction should not be set in
the request when using cached content" (the wording quoted in 567-labs/instructor#2582). So `ChatGemini` leaves
out what the cache already holds, and refuses, before sending, a call whose own system message, tools or tool
choice differ from the cache's.

The API never returns what a cache holds ("It's not possible to retrieve or view cached content",
https://ai.google.dev/gemini-api/docs/caching): only the process that created a cache knows. `remember` keeps
that knowledge per cache name (caches created by `GeminiCaches` and `ChatGemini.with_cache`); for a cache this
process did not create, a call may not set any of the three.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from langchain_core.messages import BaseMessage

from langchain_gemini._base import model_path
from langchain_gemini._wire import GenerateContentRequest, SchemaOverride

_HELD_FIELDS = (
    ("systemInstruction", "system message", "system_instruction"),
    ("tools", "tools", "tools"),
    ("toolConfig", "tool choice (toolConfig)", "tool_config"),
)
_MAX_REMEMBERED = 4096  # caches cost storage by the hour; a process rarely holds more than a few


@dataclass(frozen=True)
class CacheHeld:
    """What a cache holds besides its contents, in wire form, and its model (`models/...`)."""

    model: str
    system_instruction: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_config: dict[str, Any] | None = None

    @classmethod
    def from_request(cls, body: Mapping[str, Any]) -> CacheHeld:
        """From a `CachedContent` create body."""
        return cls(str(body["model"]), body.get("systemInstruction"), body.get("tools"), body.get("toolConfig"))


_remembered: OrderedDict[str, CacheHeld] = OrderedDict()
_lock = threading.Lock()


def _key(name: str) -> str:
    """A cache's place in the record: its location and id.

    Vertex AI names a cache's project by number (`projects/123456789012/...`) where a call may name it by id, so
    the project is left out; ids are unique within a location.
    """
    head, _, cache_id = name.rpartition("cachedContents/")
    return head.rpartition("locations/")[2] + cache_id


def remember(name: str, held: CacheHeld) -> None:
    """Record what the cache `name` holds (the newest `_MAX_REMEMBERED` caches are kept)."""
    key = _key(name)
    with _lock:
        _remembered[key] = held
        _remembered.move_to_end(key)
        while len(_remembered) > _MAX_REMEMBERED:
            _remembered.popitem(last=False)


def forget(name: str) -> None:
    """Drop what was recorded for `name` (the cache was deleted)."""
    with _lock:
        _remembered.pop(_key(name), None)


def held_by(name: str) -> CacheHeld | None:
    """What the cache `name` holds, if this process created it."""
    with _lock:
        return _remembered.get(_key(name))


def cache_body(
    messages: Sequence[BaseMessage],
    *,
    model: str,
    tools: Sequence[Any] | None = None,
    tool_choice: Any = None,
    schema_mode: SchemaOverride | None = None,
) -> dict[str, Any]:
    """A `CachedContent` create body (without expiry) from LangChain messages and tools.

    They are converted as ChatGemini converts them, so a call's system message and bound tools compare equal to
    the cached ones.

    Raises:
        ValueError: If there is nothing to cache, or a message or tool cannot be converted.
    """
    from langchain_gemini._to_gemini import convert_messages

    if not messages and not tools:
        msg = "messages: a cache needs messages (a system message, contents) or tools"
        raise ValueError(msg)
    system, contents = convert_messages(list(messages), model=model) if messages else (None, [])
    body: dict[str, Any] = {"model": model_path(model)}
    if contents:
        body["contents"] = contents
    if system is not None:
        body["systemInstruction"] = system
    if tools:
        from langchain_gemini._tools import convert_tools, function_names, tool_config

        converted = convert_tools(tools, model=model, schema=schema_mode)
        body["tools"] = converted
        config = tool_config(tool_choice, function_names(converted, unique=False))
        if config is not None:
            body["toolConfig"] = config
    elif tool_choice is not None:
        msg = "tool_choice: a cache without tools cannot set a tool choice"
        raise ValueError(msg)
    return body


def expiry(ttl: float | timedelta | None, expire_time: datetime | None) -> dict[str, str]:
    """`{"ttl": "300s"}` or `{"expireTime": "...Z"}` (proto3 JSON Duration / Timestamp); `{}` for the default hour.

    Raises:
        ValueError: If both are given, the TTL is not positive, or `expire_time` has no time zone.
        TypeError: If they have the wrong type.
    """
    if ttl is not None and expire_time is not None:
        msg = "ttl and expire_time: pass one or the other"
        raise ValueError(msg)
    if ttl is not None:
        if isinstance(ttl, bool) or not isinstance(ttl, int | float | timedelta):
            msg = f"ttl must be seconds or a timedelta, not {type(ttl).__name__}"
            raise TypeError(msg)
        seconds = ttl.total_seconds() if isinstance(ttl, timedelta) else float(ttl)
        if not seconds > 0:
            msg = f"ttl must be positive, got {seconds:g} s"
            raise ValueError(msg)
        return {"ttl": f"{seconds:.9f}".rstrip("0").rstrip(".") + "s"}
    if expire_time is not None:
        given: Any = expire_time  # checked at run time: callers may not be typed
        if not isinstance(given, datetime):
            msg = f"expire_time must be a datetime, not {type(given).__name__}"
            raise TypeError(msg)
        if expire_time.tzinfo is None or expire_time.utcoffset() is None:
            msg = "expire_time must be timezone-aware (e.g. datetime.now(timezone.utc) + timedelta(hours=1))"
            raise ValueError(msg)
        return {"expireTime": expire_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    return {}


def apply_cache(body: GenerateContentRequest, model: str) -> None:
    """Leave out of `body` what its cache holds; refuse what the cache cannot take (see the module docstring).

    Raises:
        ValueError: Naming the system message, tools or tool choice that differ from the cache's (or that a cache
            this process did not create cannot be checked against), or the model when it is not the cache's.
    """
    name = body.get("cachedContent")
    if not name:
        return
    held = held_by(name)
    wire: dict[str, Any] = body  # type: ignore[assignment]
    for key, label, attribute in _HELD_FIELDS:
        sent = wire.get(key)
        if sent is None:
            continue
        if held is None:
            msg = (
                f"cached_content {name}: this call sets a {label}, but with a cache Gemini takes the system "
                f"instruction, tools and tool config only from the cache, and what {name} holds is unknown to this "
                f"process (it did not create it). Leave the {label} out of the call, or create the cache with "
                "GeminiCaches or with_cache."
            )
            raise ValueError(msg)
        cached = getattr(held, attribute)
        if cached is None:
            msg = (
                f"cached_content {name}: this call has a {label}, but the cache holds none, and with a cache Gemini "
                f"takes it only from the cache. Leave it out, or create a cache that holds it."
            )
            raise ValueError(msg)
        if sent != cached:
            msg = (
                f"cached_content {name}: this call's {label} differs from the cache's, and with a cache Gemini "
                "takes it only from the cache. Send the cached one (or none), or create a new cache."
            )
            raise ValueError(msg)
        del wire[key]
    if held is not None and _model_id(held.model) != _model_id(model):
        msg = f"cached_content {name} was created for {held.model}; this call uses {model_path(model)}"
        raise ValueError(msg)


def _model_id(name: str) -> str:
    """`models/m`, `m` and Vertex AI's `projects/.../publishers/google/models/m` -> `m`.

    A cache's model is named in full on Vertex AI, a call's model usually is not.
    """
    return name.rsplit("/", 1)[-1]
