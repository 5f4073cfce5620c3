"""Built-in tools on the emulator: Google Search grounding, code execution and URL context in the answers."""

from __future__ import annotations

import json

import httpx

from tests.integration.emulator_helpers import ask, generate, parts_of, text_of


def test_google_search_grounding_with_byte_offsets(emu_client: httpx.Client) -> None:
    prompt = "Who won Euro 2024? Réponds en français, s'il te plaît."  # non-ASCII: offsets are bytes, not characters
    answer = generate(emu_client, ask(prompt, tools=[{"googleSearch": {}}]))
    candidate = answer["candidates"][0]
    metadata = candidate["groundingMetadata"]
    assert metadata["webSearchQueries"] == [prompt]
    assert metadata["searchEntryPoint"]["renderedContent"]
    assert [list(chunk["web"]) for chunk in metadata["groundingChunks"]] == [["uri", "title"]] * 2
    text = text_of(answer).encode()
    supports = metadata["groundingSupports"]
    assert len(supports) >= 2
    for support in supports:
        segment = support["segment"]
        start = segment.get("startIndex", 0)  # proto3 JSON omits a zero start
        assert text[start : segment["endIndex"]].decode() == segment["text"]
        assert all(0 <= i < 2 for i in support["groundingChunkIndices"])
    assert "startIndex" not in supports[0]["segment"]
    assert len(text) > len(text.decode())  # the check above really crossed multi-byte characters


def test_grounding_arrives_on_the_last_stream_event(emu_client: httpx.Client) -> None:
    body = ask("Search this", tools=[{"googleSearch": {}}])
    raw = emu_client.post("/v1beta/models/gemini-2.5-flash:streamGenerateContent", params={"alt": "sse"}, json=body)
    events = [json.loads(block.removeprefix("data: ")) for block in raw.text.split("\r\n\r\n") if block]
    assert ["groundingMetadata" in e["candidates"][0] for e in events] == [False] * (len(events) - 1) + [True]


def test_code_execution_parts(emu_client: httpx.Client) -> None:
    answer = generate(emu_client, ask("What is 12 * (3 + 4)? Use 7**2 too", tools=[{"codeExecution": {}}]))
    parts = parts_of(answer)
    assert [next(iter(k for k in p if k != "thoughtSignature")) for p in parts] == [
        "text",
        "executableCode",
        "codeExecutionResult",
        "text",
    ]
    assert parts[1]["executableCode"] == {"language": "PYTHON", "code": "print(12 * (3 + 4))"}
    assert parts[2]["codeExecutionResult"] == {"outcome": "OUTCOME_OK", "output": "84\n"}
    assert "84" in parts[3]["text"]
    quoted = parts_of(generate(emu_client, ask("Print 'hello world' with python", tools=[{"codeExecution": {}}])))
    assert quoted[1]["executableCode"]["code"] == "print('hello world')"
    assert quoted[2]["codeExecutionResult"]["output"] == "hello world\n"


def test_url_context_metadata(emu_client: httpx.Client) -> None:
    prompt = "Compare https://example.com/a and https://example.org/b?x=1, then summarise."
    answer = generate(emu_client, ask(prompt, tools=[{"urlContext": {}}]))
    assert answer["candidates"][0]["urlContextMetadata"] == {
        "urlMetadata": [
            {"retrievedUrl": "https://example.com/a", "urlRetrievalStatus": "URL_RETRIEVAL_STATUS_SUCCESS"},
            {"retrievedUrl": "https://example.org/b?x=1", "urlRetrievalStatus": "URL_RETRIEVAL_STATUS_SUCCESS"},
        ]
    }
    no_urls = generate(emu_client, ask("No links here", tools=[{"urlContext": {}}]))
    assert "urlContextMetadata" not in no_urls["candidates"][0]
