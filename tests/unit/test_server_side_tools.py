"""Gemini 3 server-side tool invocations: the request flag, toolCall/toolResponse blocks and their exact replay."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langchain_gemini._request import build_request
from tests.unit.fake_gemini import FakeGemini


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


@pytest.mark.parametrize(
    ("model", "tools", "expected"),
    [
        ("gemini-3-flash-preview", [{"google_search": {}}, add], {"includeServerSideToolInvocations": True}),
        ("gemini-4-argon", [{"file_search": {"file_search_store_names": ["fileSearchStores/x"]}}, add], True),
        ("gemini-3-flash-preview", [add], None),  # function tools only
        ("gemini-3-flash-preview", [{"google_search": {}}], None),  # built-in only
        ("gemini-2.5-flash", [{"google_search": {}}, add], None),  # combining is Gemini 3 only
    ],
)
def test_flag_is_set_when_builtin_and_function_tools_meet(model: str, tools: list[Any], expected: Any) -> None:
    body = build_request([HumanMessage("hi")], {"model": model, "tools": tools})
    config = body.get("toolConfig")
    if expected is None:
        assert config is None
    else:
        assert config == {"includeServerSideToolInvocations": True}


def test_explicit_tool_config_wins_and_tool_choice_is_kept() -> None:
    tools = [{"code_execution": {}}, add]
    explicit = build_request(
        [HumanMessage("hi")],
        {"model": "gemini-3.5-flash", "tools": tools, "tool_config": {"includeServerSideToolInvocations": False}},
    )
    assert explicit["toolConfig"] == {"includeServerSideToolInvocations": False}
    chosen = build_request([HumanMessage("hi")], {"model": "gemini-3.5-flash", "tools": tools, "tool_choice": "any"})
    assert chosen["toolConfig"] == {
        "includeServerSideToolInvocations": True,
        "functionCallingConfig": {"mode": "ANY"},
    }


def test_mcp_servers_and_file_search_are_tool_dicts() -> None:
    mcp = {"mcp_servers": [{"name": "weather", "streamable_http_transport": {"url": "https://mcp.example/"}}]}
    store = {"file_search": {"file_search_store_names": ["fileSearchStores/docs"]}}
    body = build_request([HumanMessage("hi")], {"model": "gemini-3.5-flash", "tools": [mcp, store]})
    assert body["tools"] == [
        {"mcpServers": mcp["mcp_servers"]},
        {"fileSearch": store["file_search"]},
    ]


# The shape of a recorded Gemini 3 answer with File Search (toolCall, toolResponse, then text).
SERVER_PARTS = [
    {"thoughtSignature": "c2lnMQ==", "toolCall": {"id": "1ml9ew09", "toolType": "FILE_SEARCH"}},
    {"thoughtSignature": "c2lnMg==", "toolResponse": {"id": "1ml9ew09", "toolType": "FILE_SEARCH"}},
    {"text": "Paris."},
]


def _answer(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}],
        "modelVersion": "gemini-3-flash-preview",
    }


def test_tool_call_and_response_become_server_tool_blocks_and_replay_exactly() -> None:
    fake = FakeGemini(responses=[_answer(SERVER_PARTS), _answer([{"text": "ok"}])])
    model = fake.model(model="gemini-3-flash-preview")
    answer = model.invoke("capital of France?", tools=[{"file_search": {"file_search_store_names": ["s"]}}])
    call, result, text = answer.content
    assert isinstance(call, dict)
    assert isinstance(result, dict)
    assert (call["type"], call["id"], call["name"], call["args"]) == ("server_tool_call", "1ml9ew09", "file_search", {})
    assert (result["type"], result["tool_call_id"], result["status"]) == ("server_tool_result", "1ml9ew09", "success")
    assert text == {"type": "text", "text": "Paris."}
    assert answer.text == "Paris."
    model.invoke([HumanMessage("capital of France?"), answer, HumanMessage("thanks")])
    assert fake.bodies()[1]["contents"][1]["parts"] == SERVER_PARTS


def test_streamed_server_tool_blocks_replay_exactly() -> None:
    fake = FakeGemini(streams=[[_answer(SERVER_PARTS[:1]), _answer(SERVER_PARTS[1:])]])
    model = fake.model(model="gemini-3-flash-preview")
    chunks = list(model.stream("capital?"))
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole += chunk
    message = AIMessage(content=whole.content, response_metadata=whole.response_metadata)
    model.invoke([HumanMessage("capital?"), message, HumanMessage("thanks")])
    assert fake.bodies()[1]["contents"][1]["parts"] == SERVER_PARTS


def test_code_execution_ids_survive_the_round_trip() -> None:
    parts = [
        {"executableCode": {"id": "ce-1", "language": "PYTHON", "code": "print(1)"}},
        {"codeExecutionResult": {"id": "ce-1", "outcome": "OUTCOME_OK", "output": "1\n"}},
        {"text": "1"},
    ]
    fake = FakeGemini(responses=[_answer(parts), _answer([{"text": "ok"}])])
    model = fake.model(model="gemini-3.5-flash")
    answer = model.invoke("run", tools=[{"code_execution": {}}])
    model.invoke([HumanMessage("run"), answer, HumanMessage("again")])
    assert fake.bodies()[1]["contents"][1]["parts"] == parts


def test_standard_blocks_pair_code_results_and_keep_tool_results() -> None:
    code = [
        {"executableCode": {"id": "ce-1", "language": "PYTHON", "code": "print(1)"}},
        {"codeExecutionResult": {"id": "ce-1", "outcome": "OUTCOME_OK", "output": "1"}},
    ]
    fake = FakeGemini(responses=[_answer(SERVER_PARTS + code)])
    blocks = fake.model(model="gemini-3-flash-preview").invoke("x").content_blocks
    results = [block for block in blocks if block["type"] == "server_tool_result"]
    assert [(block["tool_call_id"], block["status"]) for block in results] == [
        ("1ml9ew09", "success"),
        ("ce-1", "success"),
    ]
