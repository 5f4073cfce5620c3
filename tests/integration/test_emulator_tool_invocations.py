"""Built-in tools beyond Google Search: server-side invocation parts (Gemini 3) and grounding metadata.

The shapes are `langchain_gemini.testing._builtin`'s (its docstring cites the recordings and types behind each);
`tests/conformance/test_google_genai_tool_shapes.py` parses the same answers with google-genai.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage

from langchain_gemini import ChatGemini
from langchain_gemini.testing import GeminiEmulator
from tests.integration.conftest import EMULATOR_KEY
from tests.integration.emulator_helpers import ask, generate

GEMINI_3 = "gemini-3-flash-preview"
SERVER_SIDE = {"includeServerSideToolInvocations": True}
STORE = "fileSearchStores/handbook-7f3k"
PAGE = "https://docs.example.org/valves.html"


def kinds(parts: list[dict[str, Any]]) -> list[str]:
    return [next(key for key in part if key != "thoughtSignature") for part in parts]


def candidate(answer: dict[str, Any]) -> dict[str, Any]:
    return answer["candidates"][0]  # type: ignore[no-any-return]


def test_url_context_invocation(emu_client: httpx.Client) -> None:
    prompt = f"Summarise {PAGE} and http://localhost:8080/admin"
    answer = generate(emu_client, ask(prompt, tools=[{"urlContext": {}}], toolConfig=SERVER_SIDE), GEMINI_3)
    parts = candidate(answer)["content"]["parts"]
    assert kinds(parts) == ["toolCall", "toolResponse", "text"]
    call, response = parts[0]["toolCall"], parts[1]["toolResponse"]
    assert call == {
        "args": {"urls": [PAGE, "http://localhost:8080/admin"]},
        "id": call["id"],
        "toolType": "URL_CONTEXT",
    }
    assert response == {
        "id": call["id"],
        "response": {
            "url_metadata": [
                {"retrieved_url": PAGE, "url_retrieval_status": "URL_RETRIEVAL_STATUS_SUCCESS"},
                {"retrieved_url": "http://localhost:8080/admin", "url_retrieval_status": "URL_RETRIEVAL_STATUS_ERROR"},
            ]
        },
        "toolType": "URL_CONTEXT",
    }
    assert all(part["thoughtSignature"] for part in parts)
    assert "toolUsePromptTokenCount" in answer["usageMetadata"]  # only a Google Search run drops it


def test_file_search_invocation_as_recorded(emu_client: httpx.Client) -> None:
    tools = [{"fileSearch": {"fileSearchStoreNames": [STORE]}}]
    answer = generate(emu_client, ask("What is the capital of France?", tools=tools, toolConfig=SERVER_SIDE), GEMINI_3)
    parts = candidate(answer)["content"]["parts"]
    assert kinds(parts) == ["toolCall", "toolResponse", "text"]
    call_id = parts[0]["toolCall"]["id"]
    assert parts[0]["toolCall"] == {"id": call_id, "toolType": "FILE_SEARCH"}  # no args, as recorded
    assert parts[1]["toolResponse"] == {"id": call_id, "toolType": "FILE_SEARCH"}  # no response, as recorded
    chunks = candidate(answer)["groundingMetadata"]["groundingChunks"]
    assert [set(chunk["retrievedContext"]) for chunk in chunks] == [{"fileSearchStore", "text"}]
    assert chunks[0]["retrievedContext"]["fileSearchStore"] == STORE
    assert answer["usageMetadata"]["toolUsePromptTokenCount"] > 0  # File Search still reports it, as recorded


def test_code_execution_runs_are_numbered_with_invocations(emu_client: httpx.Client) -> None:
    tools: list[dict[str, Any]] = [{"codeExecution": {}}]
    answer = generate(emu_client, ask("What is 12 * (3 + 4)?", tools=tools, toolConfig=SERVER_SIDE), GEMINI_3)
    parts = candidate(answer)["content"]["parts"]
    assert kinds(parts) == ["text", "executableCode", "codeExecutionResult", "text"]
    code, result = parts[1], parts[2]
    assert code["executableCode"] == {
        "code": "print(12 * (3 + 4))",
        "id": code["executableCode"]["id"],
        "language": "PYTHON",
    }
    assert result["codeExecutionResult"] == {
        "id": code["executableCode"]["id"],
        "outcome": "OUTCOME_OK",
        "output": "84\n",
    }
    assert code["thoughtSignature"]
    assert result["thoughtSignature"]


@pytest.mark.parametrize(("model", "config"), [(GEMINI_3, None), ("gemini-2.5-flash", SERVER_SIDE)])
def test_no_invocation_parts_or_run_ids_otherwise(
    emu_client: httpx.Client, model: str, config: dict[str, Any] | None
) -> None:
    extra = {"toolConfig": config} if config else {}
    tools = [{"codeExecution": {}}, {"urlContext": {}}, {"fileSearch": {"fileSearchStoreNames": [STORE]}}]
    answer = generate(emu_client, ask(f"What is 2 + 3? See {PAGE}", tools=tools, **extra), model)
    parts = candidate(answer)["content"]["parts"]
    assert "toolCall" not in kinds(parts)
    assert "id" not in parts[1]["executableCode"]
    assert "id" not in parts[2]["codeExecutionResult"]


def test_invocations_replay(emu_client: httpx.Client) -> None:
    tools = [{"urlContext": {}}, {"fileSearch": {"fileSearchStoreNames": [STORE]}}, {"codeExecution": {}}]
    body = ask(f"What is 6 * 7? Read {PAGE}", tools=tools, toolConfig=SERVER_SIDE)
    first = generate(emu_client, body, GEMINI_3)
    assert kinds(candidate(first)["content"]["parts"]) == [
        "toolCall",  # FILE_SEARCH
        "toolResponse",
        "toolCall",  # URL_CONTEXT
        "toolResponse",
        "text",
        "executableCode",
        "codeExecutionResult",
        "text",
    ]
    body["contents"] += [candidate(first)["content"], {"role": "user", "parts": [{"text": "Thanks"}]}]
    assert candidate(generate(emu_client, body, GEMINI_3))["finishReason"] == "STOP"


def test_url_context_grounds_the_answer_on_retrieved_pages(emu_client: httpx.Client) -> None:
    answer = generate(emu_client, ask(f"Read {PAGE} and http://intranet.local/x", tools=[{"urlContext": {}}]))
    found = candidate(answer)
    assert found["urlContextMetadata"]["urlMetadata"] == [
        {"retrievedUrl": PAGE, "urlRetrievalStatus": "URL_RETRIEVAL_STATUS_SUCCESS"},
        {"retrievedUrl": "http://intranet.local/x", "urlRetrievalStatus": "URL_RETRIEVAL_STATUS_ERROR"},
    ]
    grounding = found["groundingMetadata"]
    assert grounding["groundingChunks"] == [{"web": {"uri": PAGE, "title": "docs.example.org"}}]
    text = "".join(part["text"] for part in found["content"]["parts"])
    last = grounding["groundingSupports"][-1]["segment"]
    assert last["endIndex"] == len(text.encode())
    assert text.encode()[last.get("startIndex", 0) : last["endIndex"]].decode() == last["text"]


def test_url_context_without_a_readable_page_has_no_grounding(emu_client: httpx.Client) -> None:
    found = candidate(generate(emu_client, ask("Read http://localhost/x", tools=[{"urlContext": {}}])))
    assert found["urlContextMetadata"]["urlMetadata"][0]["urlRetrievalStatus"] == "URL_RETRIEVAL_STATUS_ERROR"
    assert "groundingMetadata" not in found


@pytest.mark.parametrize("widget", [False, True])
def test_google_maps_grounding(emu_client: httpx.Client, widget: bool) -> None:
    tool: dict[str, Any] = {"googleMaps": {"enableWidget": True}} if widget else {"googleMaps": {}}
    retrieval = {"retrievalConfig": {"latLng": {"latitude": 34.05, "longitude": -118.25}}}
    answer = generate(emu_client, ask("Coffee near me?", tools=[tool], toolConfig=retrieval))
    grounding = candidate(answer)["groundingMetadata"]
    places = [chunk["maps"] for chunk in grounding["groundingChunks"]]
    assert len(places) == 2
    for place in places:
        assert set(place) == {"uri", "title", "placeId", "text"}
        assert place["placeId"].startswith("places/")
        assert place["uri"].startswith("https://maps.google.com/?cid=")
    assert grounding["groundingSupports"]
    assert ("googleMapsWidgetContextToken" in grounding) is widget
    again = candidate(generate(emu_client, ask("Coffee near me?", tools=[tool], toolConfig=retrieval)))
    assert again["groundingMetadata"] == grounding  # deterministic


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


@pytest.mark.parametrize(
    ("tool", "prompt", "name", "args"),
    [
        ({"url_context": {}}, f"Summarise {PAGE}", "url_context", {"urls": [PAGE]}),
        ({"file_search": {"file_search_store_names": [STORE]}}, "Capital of France?", "file_search", {}),
    ],
)
def test_chat_gemini_round_trips_invocations(
    emu: GeminiEmulator, tool: dict[str, Any], prompt: str, name: str, args: dict[str, Any]
) -> None:
    with ChatGemini(model=GEMINI_3, api_key=EMULATOR_KEY, base_url=emu.base_url) as chat:
        bound = chat.bind_tools([tool, add])
        message = bound.invoke(prompt)
        assert emu.requests[-1].json["toolConfig"] == SERVER_SIDE
        blocks: list[dict[str, Any]] = [dict(block) for block in message.content_blocks]
        assert [block["type"] for block in blocks] == ["server_tool_call", "server_tool_result", "text"]
        assert (blocks[0]["name"], blocks[0]["args"]) == (name, args)
        assert blocks[1]["tool_call_id"] == blocks[0]["id"]
        assert not message.tool_calls
        answered = bound.invoke([HumanMessage(prompt), message, HumanMessage("More?")])
        replayed = emu.requests[-1].json["contents"][1]["parts"]
    assert kinds(replayed) == ["toolCall", "toolResponse", "text"]
    assert replayed[0]["toolCall"] == blocks[0]["extras"]["tool_call"]  # sent back as the API sent it
    assert replayed[1]["toolResponse"] == blocks[1]["extras"]["tool_response"]
    assert all(part["thoughtSignature"] for part in replayed[:2])
    assert answered.text


def test_chat_gemini_round_trips_numbered_code_runs(emu: GeminiEmulator) -> None:
    with ChatGemini(model=GEMINI_3, api_key=EMULATOR_KEY, base_url=emu.base_url) as chat:
        bound = chat.bind_tools([{"code_execution": {}}, add])
        message = bound.invoke("What is 12 * (3 + 4)?")
        assert emu.requests[-1].json["toolConfig"] == SERVER_SIDE
        blocks = [dict(block) for block in message.content_blocks]
        code = next(block for block in blocks if block["type"] == "server_tool_call")
        result = next(block for block in blocks if block["type"] == "server_tool_result")
        assert (code["name"], code["args"]) == (
            "code_interpreter",
            {"code": "print(12 * (3 + 4))", "language": "PYTHON"},
        )
        assert result["tool_call_id"] == code["id"]
        assert result["output"] == "84\n"
        bound.invoke([HumanMessage("What is 12 * (3 + 4)?"), message, HumanMessage("Thanks")])
        replayed = emu.requests[-1].json["contents"][1]["parts"]
    codes = [part for part in replayed if "executableCode" in part or "codeExecutionResult" in part]
    assert [part.get("executableCode", part.get("codeExecutionResult"))["id"] for part in codes] == [code["id"]] * 2
    assert all(part["thoughtSignature"] for part in codes)


def test_chat_gemini_reports_maps_grounding(emu: GeminiEmulator) -> None:
    with ChatGemini(model="gemini-2.5-flash", api_key=EMULATOR_KEY, base_url=emu.base_url) as chat:
        message = chat.bind_tools([{"google_maps": {"enable_widget": True}}]).invoke("Coffee near me?")
    grounding = message.response_metadata["grounding_metadata"]
    assert [set(chunk["maps"]) for chunk in grounding["grounding_chunks"]] == [{"uri", "title", "place_id", "text"}] * 2
    assert grounding["google_maps_widget_context_token"].startswith("widgetcontent/")


def _video(processing: str, mime: str = "video/mp4") -> dict[str, Any]:
    part = {"fileData": {"fileUri": "https://www.youtube.com/watch?v=GbzEDgcuGJU", "mimeType": mime}}
    return {"contents": [{"role": "user", "parts": [{**part, "mediaProcessing": processing}, {"text": "Summary?"}]}]}


def test_agentic_video_shows_its_navigation(emu_client: httpx.Client) -> None:
    answer = generate(emu_client, _video("AGENTIC"), "gemini-3.7-flash")
    parts = candidate(answer)["content"]["parts"]
    assert kinds(parts) == ["toolCall", "toolResponse", "text"]
    assert parts[0]["toolCall"] == {"id": parts[0]["toolCall"]["id"]}  # no toolType, as agentic video answers
    assert parts[1]["toolResponse"] == {"id": parts[0]["toolCall"]["id"]}
    usage = answer["usageMetadata"]
    assert usage["toolUsePromptTokenCount"] == 258
    assert usage["toolUsePromptTokensDetails"] == [{"modality": "VIDEO", "tokenCount": 258}]
    produced = usage["promptTokenCount"] + usage["candidatesTokenCount"] + usage["thoughtsTokenCount"]
    assert usage["totalTokenCount"] == produced + 258


@pytest.mark.parametrize(
    ("body", "model"),
    [
        (_video("STATIC"), "gemini-3.7-flash"),
        (_video("AGENTIC", "image/png"), "gemini-3.7-flash"),  # "Non-video parts ignore this field"
        (_video("AGENTIC"), "gemini-2.5-flash"),  # agentic processing is a Gemini 3 feature
    ],
)
def test_static_or_non_video_processing_adds_nothing(
    emu_client: httpx.Client, body: dict[str, Any], model: str
) -> None:
    answer = generate(emu_client, body, model)
    assert kinds(candidate(answer)["content"]["parts"]) == ["text"]
    assert "toolUsePromptTokenCount" not in answer["usageMetadata"]


def test_unknown_media_processing_is_refused(emu_client: httpx.Client) -> None:
    response = emu_client.post("/v1beta/models/gemini-3.7-flash:generateContent", json=_video("SMART"))
    assert response.status_code == 400
    assert "contents[0].parts[0].media_processing" in response.json()["error"]["message"]
