"""Conversion cost of a long tool-calling history: 200 messages with 3 tools bound.

The history repeats user question -> AI tool call -> tool result -> AI answer and ends on a
user turn.  Every worker alternates the 200-message call with a 1-message call (same tools),
so what both calls share (the round trip, the bound tools, parsing the answer) cancels:

    per message = ((client - floor) on 200 messages - (client - floor) on 1 message) / 199

The floor sends the equivalent body, built by hand once and serialised with ``json.dumps``
on every call.  The per-message figures are derived from the floor's worker of the same
repeat (``Spec.derive``), so the floor's own are 0.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from benchmarks import _clients as c
from benchmarks._control import ConnectionCounter
from benchmarks._measure import Samples
from benchmarks._spec import Metric, Spec, Target, Variant

MESSAGES = 200
CITIES = ("Paris", "Rome", "Oslo", "Lima", "Kyoto", "Cairo", "Quito")


def _per_message(mine: Mapping[str, float], floor: Mapping[str, float]) -> dict[str, float]:
    derived = {}
    for unit in ("us", "cpu_us"):
        long_ = mine[f"long_{unit}"] - floor[f"long_{unit}"]
        short = mine[f"short_{unit}"] - floor[f"short_{unit}"]
        derived[f"per_msg_{unit}"] = (long_ - short) / (MESSAGES - 1)
    return derived


SPEC = Spec(
    name="history",
    module="bench_history",
    clients=("floor", "anchor", "ours"),
    derive=_per_message,
    metrics=(
        Metric("per_msg_us", "us/message over floor", digits=1),
        Metric("per_msg_cpu_us", "CPU us/message over floor", digits=1),
        Metric("long_us", f"median us/call, {MESSAGES} msgs"),
        Metric("long_cpu_us", f"thread CPU us/call, {MESSAGES} msgs"),
        Metric("short_us", "median us/call, 1 msg"),
        Metric("short_cpu_us", "thread CPU us/call, 1 msg"),
        Metric("new_conns", "new TCP conns"),
    ),
    variants=(
        Variant(
            f"{MESSAGES} msgs + 3 tools",
            params={"calls": 50, "warmup": 5},
            quick={"calls": 12, "warmup": 2},
            target=Target("per_msg_us", max_value=20.0, anchor_note="anchor +324 us/message"),
        ),
    ),
)


def _turn(i: int) -> tuple[str, dict[str, Any], dict[str, Any], str]:
    """Question, tool arguments, tool result and answer of the i-th exchange."""
    city = CITIES[i % len(CITIES)]
    result = {"city": city, "temp_c": 10 + i % 20, "conditions": "sunny" if i % 2 else "cloudy"}
    answer = f"It is {result['temp_c']} C and {result['conditions']} in {city}."
    return f"Question {i}: what is the weather in {city} right now?", {"city": city}, result, answer


# ---- LangChain side (anchor, ours) -----------------------------------------------------------------


def _lc_tools() -> list[Any]:
    from langchain_core.tools import tool

    @tool
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        return city

    @tool
    def get_time(timezone: str) -> str:
        """Current local time in an IANA timezone."""
        return timezone

    @tool
    def search_docs(query: str, limit: int) -> str:
        """Search the documentation; return at most `limit` passages."""
        return query

    return [get_weather, get_time, search_docs]


def _lc_history(count: int) -> list[Any]:
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    messages: list[Any] = []
    i = 0
    while len(messages) < count - 1:
        question, args, result, answer = _turn(i)
        call_id = f"call_{i}"
        messages += [
            HumanMessage(question),
            AIMessage("", tool_calls=[{"name": "get_weather", "args": args, "id": call_id}]),
            ToolMessage(json.dumps(result), tool_call_id=call_id, name="get_weather"),
            AIMessage(answer),
        ]
        i += 1
    return [*messages[: count - 1], HumanMessage(_turn(i)[0])]


# ---- floor: the same request as a plain dict ---------------------------------------------------------


def _schema(properties: dict[str, str]) -> dict[str, Any]:
    titled = {name: {"title": name.title(), "type": kind} for name, kind in properties.items()}
    return {"properties": titled, "required": list(properties), "type": "object"}


FLOOR_TOOLS = [
    {
        "functionDeclarations": [
            {
                "name": "get_weather",
                "description": "Current weather for a city.",
                "parametersJsonSchema": _schema({"city": "string"}),
            },
            {
                "name": "get_time",
                "description": "Current local time in an IANA timezone.",
                "parametersJsonSchema": _schema({"timezone": "string"}),
            },
            {
                "name": "search_docs",
                "description": "Search the documentation; return at most `limit` passages.",
                "parametersJsonSchema": _schema({"query": "string", "limit": "integer"}),
            },
        ]
    }
]


def _floor_body(count: int) -> dict[str, Any]:
    contents: list[dict[str, Any]] = []
    i = 0
    while len(contents) < count - 1:
        question, args, result, answer = _turn(i)
        call = {"name": "get_weather", "args": args, "id": f"call_{i}"}
        response = {"name": "get_weather", "response": result, "id": f"call_{i}"}
        contents += [
            {"role": "user", "parts": [{"text": question}]},
            {"role": "model", "parts": [{"functionCall": call}]},
            {"role": "user", "parts": [{"functionResponse": response}]},
            {"role": "model", "parts": [{"text": answer}]},
        ]
        i += 1
    contents = [*contents[: count - 1], {"role": "user", "parts": [{"text": _turn(i)[0]}]}]
    return {"contents": contents, "tools": FLOOR_TOOLS}


# ---- measurement ---------------------------------------------------------------------------------------

Call = Callable[[], object]


def _calls(client: str, url: str) -> tuple[Call, Call]:
    """(200-message call, 1-message call) for ``client``."""
    if client == "floor":
        http = c.http_module(client).Client()
        endpoint = c.method_url(url, "generateContent")

        def floor_call(body: dict[str, Any]) -> Call:
            def call() -> object:
                response = http.post(endpoint, content=json.dumps(body).encode(), headers=c.FLOOR_HEADERS)
                response.raise_for_status()
                return json.loads(response.content)["candidates"][0]["content"]["parts"]

            return call

        return floor_call(_floor_body(MESSAGES)), floor_call(_floor_body(1))
    model = c.chat_model(client, url).bind_tools(_lc_tools())
    long_history, short_history = _lc_history(MESSAGES), _lc_history(1)
    return (lambda: model.invoke(long_history)), (lambda: model.invoke(short_history))


def _timed(call: Call, samples: Samples) -> None:
    wall, cpu = time.perf_counter(), time.thread_time()
    call()
    samples.cpu.append(time.thread_time() - cpu)
    samples.wall.append(time.perf_counter() - wall)


def run(client: str, params: dict[str, Any], url: str) -> dict[str, float]:
    counter = ConnectionCounter(url)
    long_call, short_call = _calls(client, url)
    for _ in range(params["warmup"]):
        long_call()
        short_call()
    counter.mark()
    long_samples, short_samples = Samples(), Samples()
    for _ in range(params["calls"]):  # alternating, so drift in machine load hits both alike
        _timed(long_call, long_samples)
        _timed(short_call, short_samples)
    long_, short = long_samples.summary(), short_samples.summary()
    result = {
        "long_us": long_["median_us"],
        "long_cpu_us": long_["cpu_us"],
        "short_us": short["median_us"],
        "short_cpu_us": short["cpu_us"],
        "new_conns": float(counter.since_mark()),
    }
    counter.close()
    return result
