"""Plain-text stream chunks without running pydantic validation for each one.

A stream makes one `AIMessageChunk` and one `ChatGenerationChunk` per event. Built through their constructors
(pydantic validation plus langchain-core's validators: tool-call parsing, `text` from `content`) the pair costs
about 11 us, as much as reading and parsing the event itself (benchmarks/README.md, "Streaming: where an event's
time goes"). For an event that carries only answer text, every field of that pair is the same each time except
`content`, `id` and `text`, and none of those validators changes anything. So the pair is built once by the real
constructors as a template, and each chunk takes the template's field values with its own `content`, `id` and
`text` and fresh empty lists and dicts, filled in the way pydantic's own `model_construct` fills an instance
(`model_construct` itself is slower than the constructors: it resolves every default again).

The template is checked when it is built: if a langchain-core or pydantic release gives either class a field
value this copy cannot reproduce (anything but `None`, a string, a number or an empty list or dict), chunks are
built by the constructors instead. tests/unit/test_text_chunks.py compares both ways field by field, fields-set
included, and the whole test matrix runs it at both ends of the supported range.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

_set = object.__setattr__
_IMMUTABLE = (type(None), str, int, float, bool)


class _Template(NamedTuple):
    message_values: dict[str, Any]
    message_fields_set: frozenset[str]
    message_extra: bool  # the class keeps extra fields (an empty dict per instance) rather than None
    fresh: tuple[tuple[str, type], ...]  # fields holding an empty list or dict, fresh for each chunk
    generation_values: dict[str, Any]  # in field order, as `__dict__` (repr and dumps follow it)
    generation_fields_set: frozenset[str]
    generation_extra: bool


def _state_is_plain(model: Any) -> bool:
    extra = model.__pydantic_extra__
    return model.__pydantic_private__ is None and (extra is None or extra == {})


@cache  # built on first use, so importing the package stays cheap
def _template() -> _Template | None:
    """The template, or None when the classes have fields a plain copy cannot reproduce."""
    message = AIMessageChunk(content="-", id="-")
    generation = ChatGenerationChunk(message=message)
    if not (_state_is_plain(message) and _state_is_plain(generation)) or generation.text != "-":
        return None
    fresh = []
    for key, value in message.__dict__.items():
        if type(value) in (list, dict) and not value:
            fresh.append((key, type(value)))
        elif not isinstance(value, _IMMUTABLE):
            return None
    generation_values = dict(generation.__dict__)
    if any(not isinstance(value, _IMMUTABLE) for key, value in generation_values.items() if key != "message"):
        return None
    return _Template(
        message_values=dict(message.__dict__),
        message_fields_set=frozenset(message.__pydantic_fields_set__),
        message_extra=message.__pydantic_extra__ is not None,
        fresh=tuple(fresh),
        generation_values=generation_values,
        generation_fields_set=frozenset(generation.__pydantic_fields_set__),
        generation_extra=generation.__pydantic_extra__ is not None,
    )


def text_chunk(text: str, response_id: str | None) -> ChatGenerationChunk:
    """`ChatGenerationChunk(message=AIMessageChunk(content=text, id=response_id))`, field for field."""
    template = _template()
    if template is None:
        return ChatGenerationChunk(message=AIMessageChunk(content=text, id=response_id))
    values = template.message_values.copy()
    values["content"] = text
    values["id"] = response_id
    for key, factory in template.fresh:
        values[key] = factory()
    message = AIMessageChunk.__new__(AIMessageChunk)
    _set(message, "__dict__", values)
    _set(message, "__pydantic_fields_set__", set(template.message_fields_set))
    _set(message, "__pydantic_extra__", {} if template.message_extra else None)
    _set(message, "__pydantic_private__", None)
    generation = ChatGenerationChunk.__new__(ChatGenerationChunk)
    generation_values = template.generation_values.copy()
    generation_values["text"] = text
    generation_values["message"] = message
    _set(generation, "__dict__", generation_values)
    _set(generation, "__pydantic_fields_set__", set(template.generation_fields_set))
    _set(generation, "__pydantic_extra__", {} if template.generation_extra else None)
    _set(generation, "__pydantic_private__", None)
    return generation
