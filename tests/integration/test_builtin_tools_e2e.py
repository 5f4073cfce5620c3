"""Built-in tools end to end: grounding with Google Search, code execution and URL context."""

from __future__ import annotations

from langchain_core.messages import HumanMessage

from langchain_gemini import ChatGemini
from langchain_gemini.testing import GeminiEmulator
from tests.integration.conftest import EMULATOR_KEY


def make(emulator: GeminiEmulator) -> ChatGemini:
    return ChatGemini(model="gemini-2.5-flash", api_key=EMULATOR_KEY, base_url=emulator.base_url)


def test_google_search_grounding_and_citations(emulator: GeminiEmulator) -> None:
    answer = make(emulator).invoke("Who won Euro 2024?", tools=[{"google_search": {}}])
    grounding = answer.response_metadata["grounding_metadata"]
    assert grounding["web_search_queries"]
    assert grounding["grounding_chunks"]
    text_blocks = [b for b in answer.content_blocks if b["type"] == "text"]
    citations = [a for b in text_blocks for a in b.get("annotations", []) if a["type"] == "citation"]
    assert citations
    assert all(c.get("url") for c in citations)
    assert emulator.requests[-1].json["tools"] == [{"googleSearch": {}}]


def test_code_execution_blocks_and_replay(emulator: GeminiEmulator) -> None:
    model = make(emulator).bind_tools([{"code_execution": {}}])
    answer = model.invoke("What is 12*12? Use python.")
    kinds = [b["type"] for b in answer.content if isinstance(b, dict)]
    assert "executable_code" in kinds
    assert "code_execution_result" in kinds
    standard = [b["type"] for b in answer.content_blocks]
    assert "server_tool_call" in standard
    assert "server_tool_result" in standard
    follow_up = model.invoke([HumanMessage("What is 12*12? Use python."), answer, HumanMessage("And doubled?")])
    assert follow_up.text
    replayed = emulator.requests[-1].json["contents"][1]["parts"]
    assert any("executableCode" in part for part in replayed)
    assert any("codeExecutionResult" in part for part in replayed)


def test_url_context_metadata_is_kept(emulator: GeminiEmulator) -> None:
    answer = make(emulator).invoke("Summarise https://example.com/page", tools=[{"url_context": {}}])
    metadata = answer.response_metadata["url_context_metadata"]
    assert metadata["url_metadata"][0]["retrieved_url"] == "https://example.com/page"


def test_builtin_tool_streams_grounding_once(emulator: GeminiEmulator) -> None:
    chunks = list(make(emulator).stream("Who won Euro 2024?", tools=[{"google_search": {}}]))
    assert sum(1 for c in chunks if "grounding_metadata" in c.response_metadata) == 1
