"""Where a streamed event's client time goes, step by step (issue 13: "what the stream path spends per event").

Not part of ``make bench`` (a standalone breakdown): ``.venv/bin/python -m benchmarks.stream_steps``. One
200-event stream is read from an in-process emulator as the transport delivers it (its byte chunks); then each
step runs alone on those bytes, ``--runs`` times, and the median thread CPU per event is printed:

* the floor's parsing (httpx's text and line decoders, ``json.loads`` per ``data:`` line) against ours
  (`SSEDecoder` + `EventReader`);
* ``to_chunk`` per event, as shipped (plain text through `_text_chunks`) and with every chunk built by the
  constructors, and the constructors' ``AIMessageChunk`` + ``ChatGenerationChunk`` pair alone;
* ``BaseChatModel.stream`` around ``to_chunk`` (its per-chunk work: ids, metadata, callbacks, the final merge),
  on a model whose ``_stream`` converts the already-parsed events.

The transport itself (httpx reading the chunked body) is the same for every client and is not repeated here.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from httpx._decoders import LineDecoder, TextDecoder  # what `Response.iter_lines` runs
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from langchain_gemini import ChatGemini, _from_gemini, _text_chunks
from langchain_gemini._sse import EventReader, SSEDecoder
from langchain_gemini.testing import GeminiEmulator

MODEL = "gemini-2.5-flash"
BODY = {"contents": [{"role": "user", "parts": [{"text": "Say hello in one short sentence."}]}]}


def _chunks(url: str, events: int) -> list[bytes]:
    with (
        httpx.Client() as http,
        http.stream(
            "POST",
            f"{url}/v1beta/models/{MODEL}:streamGenerateContent",
            params={"alt": "sse"},
            json=BODY,
            headers={"x-goog-api-key": "bench-key"},
        ) as response,
    ):
        response.raise_for_status()
        return list(response.iter_bytes())


def _floor_parse(chunks: list[bytes]) -> list[Any]:
    text, lines = TextDecoder(), LineDecoder()
    return [
        json.loads(line[5:]) for chunk in chunks for line in lines.decode(text.decode(chunk)) if line[:5] == "data:"
    ]


def _our_parse(chunks: list[bytes]) -> list[Any]:
    decoder, reader = SSEDecoder(), EventReader("bench-key")
    events = [reader.accept(message) for chunk in chunks for message in decoder.feed(chunk)]
    events += [reader.accept(message) for message in decoder.close()]
    reader.finish()
    return events


def _convert(events: list[Any]) -> list[ChatGenerationChunk | None]:
    state = _from_gemini.StreamState(MODEL)
    return [_from_gemini.to_chunk(event, state) for event in events]


class _Replay(ChatGemini):
    """`stream` over events already parsed: LangChain's loop and `to_chunk`, nothing else."""

    events: list[Any] = []  # noqa: RUF012

    def _stream(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        state = _from_gemini.StreamState(MODEL)
        for event in self.events:
            if (chunk := _from_gemini.to_chunk(event, state)) is not None:
                yield chunk
        yield _from_gemini.final_chunk(state)


def _no_template() -> None:
    return None  # as when the template cannot be used: every chunk by the constructors


def _per_event(step: Callable[[], object], events: int, runs: int) -> float:
    step()  # warm-up
    times = []
    for _ in range(runs):
        start = time.thread_time_ns()
        step()
        times.append(time.thread_time_ns() - start)
    return statistics.median(times) / events / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    with GeminiEmulator() as emulator:
        emulator.configure(stream_events=args.events)
        chunks = _chunks(emulator.base_url, args.events)
    events = _our_parse(chunks)
    assert events == _floor_parse(chunks)
    assert len(events) == args.events
    replay = _Replay(model=MODEL, api_key="bench-key", events=events)

    def constructors_only() -> object:
        template = _text_chunks._template
        _text_chunks._template = _no_template  # type: ignore[assignment]
        try:
            return _convert(events)
        finally:
            _text_chunks._template = template

    steps: list[tuple[str, Callable[[], object]]] = [
        ("floor: iter_lines decoders + json.loads", lambda: _floor_parse(chunks)),
        ("ours: SSEDecoder + EventReader (json.loads included)", lambda: _our_parse(chunks)),
        ("ours: to_chunk (plain text via _text_chunks)", lambda: _convert(events)),
        ("ours: to_chunk, every chunk by the constructors", constructors_only),
        (
            "LangChain: AIMessageChunk + ChatGenerationChunk constructors alone",
            lambda: [ChatGenerationChunk(message=AIMessageChunk(content="Hel", id="r")) for _ in events],
        ),
        ("LangChain: BaseChatModel.stream around to_chunk", lambda: list(replay.stream("hi"))),
    ]
    print(f"{args.events} events, {len(chunks)} byte chunks; median thread CPU of {args.runs} runs, us per event")
    for name, step in steps:
        print(f"  {_per_event(step, args.events, args.runs):7.2f}  {name}")


if __name__ == "__main__":
    main()
