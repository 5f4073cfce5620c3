"""A LangChain v1 agent (LangGraph underneath) with two tools and a structured final answer, thinking on.

Which tool to call is the model's judgment, so the emulator plays a scripted model here: each turn answers with a
thought summary and a function call, both carrying thought signatures, as a thinking Gemini does. The requests are
still validated strictly by the emulator, and the test checks that every signature comes back on its own part.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_gemini import ChatGemini
from langchain_gemini.testing import GeminiEmulator, RecordedRequest
from tests.integration.conftest import EMULATOR_KEY


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"It is sunny in {city}."


@tool
def get_population(city: str) -> int:
    """Get the population of a city."""
    return 2_100_000


class CityReport(BaseModel):
    """The final answer."""

    city: str
    weather: str
    population: int


PLAN = [
    ("get_weather", {"city": "Paris"}),
    ("get_population", {"city": "Paris"}),
    ("CityReport", {"city": "Paris", "weather": "sunny", "population": 2_100_000}),
]


def signature(step: int, kind: str) -> str:
    import base64

    return base64.b64encode(f"sig-{kind}-{step}".encode()).decode()


def scripted_turn(request: RecordedRequest) -> dict[str, Any] | None:
    """Step n of the plan, where n is the number of function responses already in the conversation."""
    if request.action != "generateContent":
        return None
    contents = request.json["contents"]
    step = sum(1 for content in contents for part in content["parts"] if "functionResponse" in part)
    name, args = PLAN[min(step, len(PLAN) - 1)]
    declared = {d["name"] for tool in request.json.get("tools", []) for d in tool.get("functionDeclarations", [])}
    thought = {"text": f"Step {step}: I should answer with {name}.", "thought": True}
    thought["thoughtSignature"] = signature(step, "thought")
    if name in declared:
        answer: dict[str, Any] = {
            "functionCall": {"name": name, "args": args},
            "thoughtSignature": signature(step, "call"),
        }
    else:  # native structured output (the agent's ProviderStrategy): the final answer is JSON text
        answer = {"text": json.dumps(args), "thoughtSignature": signature(step, "call")}
    parts = [thought, answer]
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}],
        "usageMetadata": {
            "promptTokenCount": 50,
            "candidatesTokenCount": 10,
            "thoughtsTokenCount": 30,
            "totalTokenCount": 90,
        },
        "modelVersion": request.model,
    }


@pytest.mark.parametrize(
    "settings",
    [
        {"model": "gemini-2.5-flash", "thinking_budget": 1024, "include_thoughts": True},
        {"model": "gemini-3-pro-preview", "thinking_level": "low", "include_thoughts": True},
    ],
)
def test_agent_with_two_tools_and_structured_answer(emulator: GeminiEmulator, settings: dict[str, Any]) -> None:
    emulator.add_responder(scripted_turn)
    model = ChatGemini(api_key=EMULATOR_KEY, base_url=emulator.base_url, **settings)
    agent = create_agent(model, tools=[get_weather, get_population], response_format=CityReport)

    result = agent.invoke({"messages": [("user", "Give me a report on Paris.")]}, config={"recursion_limit": 12})

    assert result["structured_response"] == CityReport(city="Paris", weather="sunny", population=2_100_000)
    tool_results = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert [m.name for m in tool_results[:2]] == ["get_weather", "get_population"]
    ai_turns = [m for m in result["messages"] if isinstance(m, AIMessage)]
    assert all(turn.content and turn.content[0]["type"] == "thinking" for turn in ai_turns)  # type: ignore[index]
    assert all(
        turn.usage_metadata and turn.usage_metadata["output_token_details"]["reasoning"] == 30 for turn in ai_turns
    )  # type: ignore[index]

    generate = [r for r in emulator.requests if r.action == "generateContent"]
    assert len(generate) == 3
    last = generate[-1].json
    thinking = last["generationConfig"]["thinkingConfig"]
    assert thinking["includeThoughts"] is True
    declared = [d["name"] for t in last["tools"] for d in t.get("functionDeclarations", [])]
    # LangChain picks the strategy from the model profile: a forced CityReport tool call on 2.5 (ToolStrategy), a
    # native JSON schema on Gemini 3 (ProviderStrategy). Both must end in the same structured answer.
    if "responseJsonSchema" in last["generationConfig"]:
        assert declared == ["get_weather", "get_population"]
    else:
        assert declared == ["get_weather", "get_population", "CityReport"]
    model_turns = [c for c in last["contents"] if c["role"] == "model"]
    for step, content in enumerate(model_turns):
        assert content["parts"][0]["thoughtSignature"] == signature(step, "thought")
        assert content["parts"][-1]["thoughtSignature"] == signature(step, "call")


@pytest.mark.parametrize("model_name", ["gemini-2.5-flash", "gemini-3-flash-preview"])
def test_multi_turn_agent_on_default_answers_ends_every_turn(emulator: GeminiEmulator, model_name: str) -> None:
    """No scripted model: the emulator's default answers must end each agent turn (no endless tool loop)."""
    model = ChatGemini(model=model_name, api_key=EMULATOR_KEY, base_url=emulator.base_url)
    agent = create_agent(model, tools=[get_weather, get_population], response_format=CityReport)
    config: Any = {"recursion_limit": 12}
    first = agent.invoke({"messages": [("user", "What is the weather in 'Paris'?")]}, config=config)
    assert isinstance(first["structured_response"], CityReport)
    history = [*first["messages"], ("user", "And the population of 'Rome'?")]
    second = agent.invoke({"messages": history}, config=config)
    assert isinstance(second["structured_response"], CityReport)
    later = second["messages"][len(first["messages"]) + 1 :]
    assert next(m.name for m in later if isinstance(m, ToolMessage)) == "get_population"
    greeting = agent.invoke({"messages": [("user", "hi")]}, config=config)
    assert not [m for m in greeting["messages"] if isinstance(m, ToolMessage) and m.name.startswith("get_")]
