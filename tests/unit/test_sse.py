"""SSEDecoder: framing, incremental decoding, raw JSON error blocks; EventReader: messages to events or errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langchain_gemini._sse import EventReader, SSEDecoder, SSEMessage
from langchain_gemini.errors import GeminiRateLimitError, GeminiResponseValidationError, GeminiStreamError

EVENTS: list[dict[str, Any]] = [
    {"candidates": [{"content": {"parts": [{"text": "gem"}], "role": "model"}}]},
    {"candidates": [{"content": {"parts": [{"text": "ïñ · 日本 😀"}]}}]},
    {"candidates": [{"content": {"parts": [{"text": "a\u2028b\u2029c\u0085d\x0be\x1cf"}]}}]},
    {"candidates": [{"finishReason": "STOP"}], "usageMetadata": {"totalTokenCount": 9}},
]


def _body(events: list[dict[str, Any]], sep: str = "\r\n\r\n") -> bytes:
    # ensure_ascii=False puts the raw multi-byte and separator characters on the wire.
    return "".join(f"data: {json.dumps(e, ensure_ascii=False)}{sep}" for e in events).encode()


def _decode(chunks: list[bytes]) -> list[SSEMessage]:
    decoder = SSEDecoder()
    out: list[SSEMessage] = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    out.extend(decoder.close())
    return out


def _events(chunks: list[bytes]) -> list[Any]:
    messages = _decode(chunks)
    assert all(m.kind == "event" for m in messages), messages
    return [m.data for m in messages]


@pytest.mark.parametrize("sep", ["\r\n\r\n", "\n\n", "\r\r", "\r\n\n", "\n\r\n"])
def test_whole_body_with_each_line_ending(sep: str) -> None:
    assert _events([_body(EVENTS, sep)]) == EVENTS


@pytest.mark.parametrize("sep", ["\r\n\r\n", "\n\n", "\r\r"])
def test_split_at_every_byte_boundary(sep: str) -> None:
    body = _body(EVENTS, sep)
    for cut in range(len(body) + 1):
        assert _events([body[:cut], body[cut:]]) == EVENTS, cut


def test_one_byte_at_a_time() -> None:
    body = _body(EVENTS)
    assert _events([body[i : i + 1] for i in range(len(body))]) == EVENTS


def test_crlf_split_across_chunks_is_one_break() -> None:
    first = b'data: {"a": 1}\r'
    assert _events([first, b"\n\r", b"\n", b'data: {"b": 2}\r\n\r\n']) == [{"a": 1}, {"b": 2}]
    # A lone CR followed later by an unrelated line is still a break.
    assert _events([b'data: {"a": 1}\r', b'\rdata: {"b": 2}\r\r']) == [{"a": 1}, {"b": 2}]


def test_multibyte_character_split_across_chunks() -> None:
    body = 'data: {"t": "😀日"}\n\n'.encode()
    emoji_start = body.index("😀".encode())
    for offset in range(1, 4):
        cut = emoji_start + offset
        assert _events([body[:cut], body[cut:]]) == [{"t": "😀日"}]


def test_unicode_line_separators_do_not_split() -> None:
    text = "x\u2028y\u2029z\u0085w"
    body = f'data: {{"t": "{text}"}}\n\n'.encode()
    assert _events([body]) == [{"t": text}]


def test_multiline_data_joined_with_newline() -> None:
    body = b'data: {"a":\ndata: 1,\ndata:"b": 2}\n\n'
    assert _events([body]) == [{"a": 1, "b": 2}]


def test_comments_and_other_fields_ignored() -> None:
    body = b': keep-alive\nevent: message\nid: 7\nretry: 100\nfoo\ndata: {"a": 1}\n\n:bye\n\n'
    assert _events([body]) == [{"a": 1}]


def test_data_without_space_and_blank_lines_only() -> None:
    assert _events([b'data:{"a": 1}\n\n\n\n']) == [{"a": 1}]
    assert _events([b'data\ndata:  {"a": 1}\n\n']) == [{"a": 1}]  # bare "data" adds an empty line
    assert _events([b'dataX: {"a": 1}\ndata: {"b": 2}\n\n']) == [{"b": 2}]
    assert _events([b"\n\n\r\n"]) == []
    assert _events([b""]) == []


def test_final_event_without_blank_line_is_flushed_at_close() -> None:
    assert _events([b'data: {"a": 1}\n\ndata: {"b": 2}']) == [{"a": 1}, {"b": 2}]
    assert _events([b'data: {"b": 2}\r\n']) == [{"b": 2}]


def test_invalid_utf8_is_replaced() -> None:
    body = b'data: {"t": "a\xffb\xc3"}\n\n'
    assert _events([body]) == [{"t": "a\ufffdb\ufffd"}]
    # An incomplete character at EOF is replaced, not raised.
    messages = _decode([b'data: {"t": "x"}\n\ndata: {"t": "\xe6\x97'])
    assert messages[0] == SSEMessage("event", {"t": "x"})
    assert messages[1].kind == "invalid"


def test_feed_returns_events_as_soon_as_complete() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"a": 1}\r\n') == []
    assert decoder.feed(b"\r\n") == [SSEMessage("event", {"a": 1})]
    assert decoder.close() == []


# -- errors --------------------------------------------------------------------------------

RAW_ERROR = (
    "{\n"
    '  "error": {\n'
    '    "code": 503,\n'
    '    "message": "The model is overloaded. {Please} try again later.",\n'
    '    "status": "UNAVAILABLE"\n'
    "  }\n"
    "}\n"
)


def test_data_error_payload() -> None:
    body = _body([EVENTS[0], {"error": {"code": 500, "status": "INTERNAL", "message": "x"}}])
    messages = _decode([body])
    assert [m.kind for m in messages] == ["event", "error"]
    assert messages[1].data["error"]["code"] == 500


def test_raw_json_error_block_after_events() -> None:
    body = _body(EVENTS[:1]) + RAW_ERROR.encode()
    for cut in range(len(body) + 1):
        messages = _decode([body[:cut], body[cut:]])
        assert [m.kind for m in messages] == ["event", "error"], cut
        assert messages[1].data == json.loads(RAW_ERROR)


def test_raw_json_error_block_with_crlf_and_list_wrapping() -> None:
    listed = "[" + RAW_ERROR.strip() + "]"
    messages = _decode([listed.replace("\n", "\r\n").encode()])
    assert [m.kind for m in messages] == ["error"]
    assert messages[0].data[0]["error"]["status"] == "UNAVAILABLE"


def test_raw_block_without_trailing_newline_and_events_after() -> None:
    messages = _decode([RAW_ERROR.strip().encode()])
    assert [m.kind for m in messages] == ["error"]
    messages = _decode([RAW_ERROR.encode() + b'\ndata: {"a": 1}\n\n'])
    assert [m.kind for m in messages] == ["error", "event"]


def test_truncated_raw_block_is_invalid() -> None:
    messages = _decode([b'{\n  "error": {\n    "code": 503,\n'])
    assert [m.kind for m in messages] == ["invalid"]


@pytest.mark.parametrize("data", [b"[DONE]", b"not json", b"[1, 2]", b'"text"', b"42"])
def test_non_object_data_is_invalid(data: bytes) -> None:
    messages = _decode([b"data: " + data + b"\n\n"])
    assert messages == [SSEMessage("invalid", data.decode())]


def test_raw_json_object_that_is_not_an_error_is_an_event() -> None:
    assert _decode([b'{"candidates": []}\n']) == [SSEMessage("event", {"candidates": []})]


# -- property: chunking never changes the result -------------------------------------------

_texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20
)  # any unicode, line separators included
_event = st.fixed_dictionaries({"t": _texts, "n": st.integers()})


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(_event, max_size=5),
    sep=st.sampled_from(["\r\n\r\n", "\n\n", "\r\r"]),
    cuts=st.lists(st.integers(min_value=0), max_size=12),
    trailing_error=st.booleans(),
)
def test_any_chunking_gives_the_same_messages(
    events: list[dict[str, Any]], sep: str, cuts: list[int], trailing_error: bool
) -> None:
    body = _body(events, sep) + (RAW_ERROR.encode() if trailing_error else b"")
    points = sorted({c % (len(body) + 1) for c in cuts})
    chunks = [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]
    expected = _decode([body])
    assert _decode(chunks) == expected
    assert [m.data for m in expected if m.kind == "event"] == events
    assert [m.kind for m in expected].count("error") == int(trailing_error)


# -- EventReader ---------------------------------------------------------------------------

SECRET = "AIzaFAKE-sentinel-0123456789"


@pytest.mark.parametrize(
    ("events", "complete"),
    [
        ([EVENTS[0]], False),
        (EVENTS, True),  # a finishReason
        ([{"promptFeedback": {"blockReason": "SAFETY"}}], True),  # a blocked prompt has no candidates
        ([{"candidates": [{"finishReason": ""}]}, {"candidates": "x"}, {"promptFeedback": []}], False),
    ],
)
def test_event_reader_completion(events: list[dict[str, Any]], complete: bool) -> None:
    reader = EventReader(SECRET)
    assert [reader.accept(SSEMessage("event", e)) for e in events] == events
    assert reader.completed is complete
    if complete:
        reader.finish()
    else:
        with pytest.raises(GeminiStreamError, match="stream ended before completion"):
            reader.finish()


def test_event_reader_raises_errors_redacted() -> None:
    reader = EventReader(SECRET)
    error = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": f"quota for {SECRET}"}}
    with pytest.raises(GeminiRateLimitError) as rate:
        reader.accept(SSEMessage("error", error))
    assert SECRET not in str(rate.value)
    with pytest.raises(GeminiResponseValidationError) as invalid:
        reader.accept(SSEMessage("invalid", f"[DONE {SECRET}]"))
    assert invalid.value.body == "[DONE ***]"
    assert invalid.value.is_retryable is False


# -- whole events per chunk (Google's `data: {...}\r\n\r\n` framing) -----------------------

_sse_line = st.one_of(
    _event.map(lambda e: f"data: {json.dumps(e, ensure_ascii=False)}"),
    _event.map(lambda e: f"data:{json.dumps(e)}"),
    _texts.map(lambda t: f"data: {t}"),  # not JSON, or text with line separators of its own
    st.sampled_from([": keep-alive", "event: message", "id: 7", "data", "", "{", '{"error": {"code": 500}}']),
)


@settings(max_examples=300, deadline=None)
@given(blocks=st.lists(st.lists(_sse_line, min_size=1, max_size=3), max_size=5), cut=st.integers(min_value=0))
def test_whole_event_chunks_decode_as_line_by_line(blocks: list[list[str]], cut: int) -> None:
    body = "".join("\r\n".join(lines) + "\r\n\r\n" for lines in blocks).encode()
    line_by_line = _decode([body[i : i + 1] for i in range(len(body))])  # never a whole event in one chunk
    assert _decode([body]) == line_by_line
    cut %= len(body) + 1
    assert _decode([body[:cut], body[cut:]]) == line_by_line


def test_whole_event_chunks_skip_line_splitting(monkeypatch: pytest.MonkeyPatch) -> None:
    chunks = [_body([event]) for event in EVENTS] + [_body(EVENTS[:2])]

    def no_lines(self: SSEDecoder, text: str) -> list[SSEMessage]:
        raise AssertionError(f"split into lines: {text!r}")

    monkeypatch.setattr(SSEDecoder, "_lines", no_lines)
    decoder = SSEDecoder()
    assert [m.data for chunk in chunks for m in decoder.feed(chunk)] == [*EVENTS, *EVENTS[:2]]
