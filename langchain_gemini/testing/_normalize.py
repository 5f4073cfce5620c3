"""Parse a request body the way Google's JSON transcoder does, into a camelCase dict.

Accepts both spellings of every field (`inline_data` / `inlineData`) and returns camelCase keys, so the rest of
the emulator reads one spelling. Everything the transcoder would reject is collected and reported at once, in
Google's words:

* unknown fields: ``Invalid JSON payload received. Unknown name "foo" at 'generation_config': Cannot find
  field.`` (seen verbatim in mnfst/llm-gateway#1858, lbjlaq/Antigravity-Manager#611; at the top level the
  " at '...'" part and the violation's "field" are absent, googleapis/python-genai#425);
* wrong value types and enum names: ``Invalid value at 'safety_settings[0].category'
  (type.googleapis.com/google.ai.generativelanguage.v1beta.HarmCategory), "FOO"`` (simonw/llm-gemini#49);
* two members of one oneof: ``Invalid value at 'contents[0].parts[0]' (oneof), oneof field 'data' is already
  set. Cannot set 'inlineData'`` (the wording of protobuf's ProtoStreamObjectWriter, which Google's transcoder
  is built on);
* base64 that does not decode: ``Invalid value at '...inline_data.data' (TYPE_BYTES), Base64 decoding failed
  for "..."``;
* a bad google.protobuf.Duration: ``Invalid value at 'topic.message_retention_duration'
  (type.googleapis.com/google.protobuf.Duration), Field 'messageRetentionDuration', Illegal duration format;
  duration must end with 's'`` (the same front end's words, quoted in public Pub/Sub and FCM clients).

Paths use proto (snake_case) names, list indices, and ``<map>[i].value`` for map entries, as Google prints them.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable
from typing import Any

from langchain_gemini.testing._errors import ApiError, invalid_argument
from langchain_gemini.testing._proto import (
    BOOL,
    BYTES,
    DOUBLE,
    DURATION,
    ENUM,
    ENUM_LOOKUP,
    ENUMS,
    FLOAT,
    INT32,
    INT64,
    MAP,
    MESSAGE,
    MESSAGES,
    STRING,
    STRUCT,
    VALUE,
    VERTEX_MESSAGES,
    VERTEX_PACKAGE,
    Field,
    type_name,
)

_INT32 = 2**31
_INT64 = 2**63
_B64_URLSAFE = str.maketrans("-_", "+/")
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_DURATION = re.compile(r"-?\d+(\.\d{1,9})?s")
_MAX_DURATION_SECONDS = 315_576_000_000  # google.protobuf.Duration's documented range, +-10,000 years


def parse_json(raw: bytes) -> Any:
    """Decode a request body; malformed JSON is Google's "Invalid JSON payload received." 400."""
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        # The transcoder's wording is "Invalid JSON payload received. Unexpected token.\n<line>\n^"
        # (googlecodelabs/feedback#299); the detail after the first sentence is ours.
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "Invalid UTF-8."
        message = f"Invalid JSON payload received. Unexpected token.\n{detail}"
        raise invalid_argument(message, violations=[(None, message)]) from None


def normalize(body: Any, message: str, messages: dict[str, dict[str, Field]] = MESSAGES) -> dict[str, Any]:
    """Check `body` against the `message` table (of `messages`: a backend's) and return it with camelCase keys.

    Raises:
        ApiError: 400 INVALID_ARGUMENT listing every unknown name and invalid value, each also as a
            BadRequest field violation.
    """
    walker = _Walker(messages)
    if not isinstance(body, dict):
        text = "Invalid JSON payload received. Root element must be a message."
        raise invalid_argument(text, violations=[(None, text)])
    result = walker.message(body, message)
    if walker.errors:
        raise invalid_argument("\n".join(d for _, d in walker.errors), violations=walker.errors)
    return result


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:200] + "..."


class _Walker:
    """One pass over the body; `errors` holds (field path or None, description) pairs.

    The current path is a stack of segments (field names and list indices), formatted only when an error needs
    it, which keeps the common, valid case cheap.
    """

    def __init__(self, messages: dict[str, dict[str, Field]] = MESSAGES) -> None:
        self.messages = messages
        self.package = VERTEX_PACKAGE if messages is VERTEX_MESSAGES else None
        self.errors: list[tuple[str | None, str]] = []
        self.stack: list[str | int] = []

    def path(self) -> str:
        out = ""
        for segment in self.stack:
            if isinstance(segment, int):
                out += f"[{segment}]"
            else:
                out += f".{segment}" if out else segment
        return out

    def type_name(self, field: Field) -> str:
        return type_name(field) if self.package is None else type_name(field, self.package)

    def invalid(self, label: str, value: Any) -> None:
        path = self.path()
        self.errors.append((path, f"Invalid value at '{path}' ({label}), {_show(value)}"))

    def message(self, value: dict[str, Any], name: str) -> dict[str, Any]:
        table = self.messages[name]
        out: dict[str, Any] = {}
        oneofs: dict[str, str] = {}
        stack = self.stack
        for key, item in value.items():
            field = table.get(key)
            if field is None:
                self.unknown(key)
                continue
            if item is None:  # proto3 JSON: null means "not set"
                continue
            if field.oneof:
                if field.oneof in oneofs and oneofs[field.oneof] != field.camel:
                    self.oneof_conflict(field, key)
                    continue
                oneofs[field.oneof] = field.camel
            if field.kind == STRING and not field.repeated and isinstance(item, str):
                out[field.camel] = item  # the most common leaf, checked inline
                continue
            stack.append(field.snake)
            out[field.camel] = self.field(item, field)
            stack.pop()
        return out

    def unknown(self, key: str) -> None:
        path = self.path()
        where = f" at '{path}'" if path else ""
        text = f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.'
        self.errors.append((path or None, text))

    def oneof_conflict(self, field: Field, key: str) -> None:
        path = self.path()
        text = f"Invalid value at '{path}' (oneof), oneof field '{field.oneof}' is already set. Cannot set '{key}'"
        self.errors.append((path or None, text))

    def field(self, value: Any, field: Field) -> Any:
        if field.repeated:
            # A lone value for a repeated field is read as a one-element list, as the transcoder does.
            items = value if isinstance(value, list) else [value]
            out = []
            for index, item in enumerate(items):
                self.stack.append(index)
                out.append(self.single(item, field))
                self.stack.pop()
            return out
        if isinstance(value, list) and field.kind not in (VALUE, STRUCT):
            text = "Invalid JSON payload received. Proto field is not repeating, cannot start list."
            self.errors.append((self.path(), text))
            return None
        return self.single(value, field)

    def single(self, value: Any, field: Field) -> Any:
        kind = field.kind
        if kind == MESSAGE:
            if isinstance(value, dict):
                return self.message(value, field.ref)
        elif kind == MAP:
            if isinstance(value, dict):
                return self.map(value, field)
        elif kind == BYTES and isinstance(value, str):
            if _is_base64(value):
                return value
            path = self.path()
            self.errors.append(
                (path, f"Invalid value at '{path}' (TYPE_BYTES), Base64 decoding failed for {_show(value)}")
            )
            return None
        elif kind == DURATION:
            problem = duration_problem(value)
            if problem is None:
                return value
            path = self.path()
            label = self.type_name(field)
            self.errors.append((path, f"Invalid value at '{path}' ({label}), Field '{field.camel}', {problem}"))
            return None
        else:
            converted = _SCALARS[kind](value, field.ref)
            if converted is not _INVALID:
                return converted
        self.invalid(self.type_name(field), value)
        return None

    def map(self, value: dict[str, Any], field: Field) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for index, (key, item) in enumerate(value.items()):
            self.stack.extend((index, "value"))
            if isinstance(item, dict):
                out[key] = self.message(item, field.ref)
            else:
                self.invalid(self.type_name(field), item)
            del self.stack[-2:]
        return out


_INVALID = object()


def _string(value: Any, ref: str) -> Any:
    return value if isinstance(value, str) else _INVALID


def _int32(value: Any, ref: str) -> Any:
    number = _integer(value)
    return number if number is not None and -_INT32 <= number < _INT32 else _INVALID


def _int64(value: Any, ref: str) -> Any:
    number = _integer(value)
    return number if number is not None and -_INT64 <= number < _INT64 else _INVALID


def _float(value: Any, ref: str) -> Any:
    real = _real(value)
    return _INVALID if real is None else real


def _bool(value: Any, ref: str) -> Any:
    return value if isinstance(value, bool) else _INVALID


def _enum_value(value: Any, ref: str) -> Any:
    name = _enum(value, ref)
    return _INVALID if name is None else name


def _struct(value: Any, ref: str) -> Any:
    return value if isinstance(value, dict) else _INVALID


def _any(value: Any, ref: str) -> Any:
    return value


_SCALARS: dict[str, Callable[[Any, str], Any]] = {
    STRING: _string,
    INT32: _int32,
    INT64: _int64,
    FLOAT: _float,
    DOUBLE: _float,
    BOOL: _bool,
    ENUM: _enum_value,
    STRUCT: _struct,
    VALUE: _any,
    BYTES: lambda value, ref: _INVALID,  # a non-string for bytes
}


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):  # proto3 JSON allows quoted integers (int64 is emitted that way)
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _real(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        if value in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[value]
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _enum(value: Any, enum: str) -> str | None:
    names = ENUMS[enum]
    if isinstance(value, str):
        return ENUM_LOOKUP[enum].get(value.upper())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return names[value]
    return None


def duration_problem(value: Any) -> str | None:
    """Why `value` is not a proto3 JSON Duration ("1250s", "1.5s", "-2s"), or None when it is one."""
    if not isinstance(value, str) or not value.endswith("s"):
        return "Illegal duration format; duration must end with 's'"
    if not _DURATION.fullmatch(value) or abs(float(value[:-1])) > _MAX_DURATION_SECONDS:
        return "Illegal duration format"
    return None


def duration_seconds(value: str) -> float:
    """The seconds a valid Duration string holds."""
    return float(value[:-1])


def decode_base64(text: str) -> bytes:
    """Decode proto3 JSON bytes: standard or URL-safe alphabet, padding optional.

    Raises:
        binascii.Error: If `text` is not base64.
    """
    cleaned = text.translate(_B64_URLSAFE)
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)


def _is_base64(text: str) -> bool:
    try:
        decode_base64(text)
    except (binascii.Error, ValueError):
        return False
    return True


__all__ = ["ApiError", "normalize", "parse_json"]
