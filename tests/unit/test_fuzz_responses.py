"""Fuzzed server answers: whatever a 2xx body or stream holds, the user sees a result or a `GeminiError`.

Answers start from valid Gemini shapes and get wrong types, random JSON, dropped keys and truncations; every
example runs through the public `invoke` / `stream` / `get_num_tokens` / embeddings paths behind an
`httpx.MockTransport`. A result must be usable (`content_blocks`, `text`, usage); anything raised must be a
`GeminiError` (issue 16). Seeded and short here; `FUZZ_EXAMPLES=10000` runs the long profile.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from langchain_gemini import ChatGemini, GeminiEmbeddings
from langchain_gemini.errors import GeminiError, GeminiResponseValidationError
from tests.unit.fake_gemini import FAKE_KEY

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

VALID_ANSWER: dict[str, Any] = {
    "candidates": [
        {
            "content": {
                "role": "model",
                "parts": [
                    {"text": "thinking", "thought": True, "thoughtSignature": "c2ln"},
                    {"text": "Hello"},
                    {"functionCall": {"name": "lookup", "args": {"q": "x"}, "id": "c1"}, "thoughtSignature": "c2ln"},
                    {"executableCode": {"code": "print(1)", "language": "PYTHON"}},
                    {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1"}},
                    {"inlineData": {"mimeType": "audio/L16;rate=24000", "data": "AAAA"}},
                    {"fileData": {"fileUri": "https://example.com/f", "mimeType": "video/mp4"}},
                ],
            },
            "finishReason": "STOP",
            "index": 0,
            "safetyRatings": [{"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"}],
            "citationMetadata": {"citationSources": [{"startIndex": 0, "endIndex": 3}]},
        }
    ],
    "promptFeedback": {"safetyRatings": []},
    "usageMetadata": {
        "promptTokenCount": 4,
        "candidatesTokenCount": 2,
        "thoughtsTokenCount": 1,
        "totalTokenCount": 7,
        "promptTokensDetails": [{"modality": "AUDIO", "tokenCount": 4}],
        "candidatesTokensDetails": [{"modality": "AUDIO", "tokenCount": 2}],
    },
    "modelVersion": "gemini-2.5-flash",
    "responseId": "resp-1",
}
# Gemini 3 server-side tools, numbered code runs, log probabilities and a long answer cut for continuation.
TOKEN_LOGPROBS = {"token": "Hi", "logProbability": -0.25, "tokenId": 7}
VALID_GEMINI3_ANSWER: dict[str, Any] = {
    "candidates": [
        {
            "content": {
                "role": "model",
                "parts": [
                    {"toolCall": {"id": "t1", "toolType": "GOOGLE_SEARCH_WEB", "args": {"queries": ["x"]}}},
                    {"toolResponse": {"id": "t1", "toolType": "GOOGLE_SEARCH_WEB", "response": {"search": "ok"}}},
                    {"executableCode": {"code": "print(1)", "language": "PYTHON", "id": "e1"}},
                    {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1", "id": "e1"}},
                    {"text": "Hi"},
                ],
            },
            "finishReason": "CONTINUATION",
            "continuationToken": "Y29udGludWU=",
            "avgLogprobs": -0.25,
            "logprobsResult": {
                "chosenCandidates": [TOKEN_LOGPROBS],
                "topCandidates": [{"candidates": [TOKEN_LOGPROBS, {"token": "Hello", "logProbability": -2}]}],
                "logProbabilitySum": -0.25,
            },
        }
    ],
    "usageMetadata": {
        "promptTokenCount": 4,
        "candidatesTokenCount": 1,
        "toolUsePromptTokenCount": 3,
        "cachedContentTokenCount": 2,
        "totalTokenCount": 8,
        "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 2}],
        "toolUsePromptTokensDetails": [{"modality": "TEXT", "tokenCount": 3}],
    },
    "modelVersion": "gemini-3-pro-preview",
    "responseId": "resp-3",
}
VALID_EVENTS: list[dict[str, Any]] = [
    {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hel"}]}, "index": 0}], "responseId": "r"},
    {"candidates": [{"content": {"role": "model", "parts": VALID_ANSWER["candidates"][0]["content"]["parts"]}}]},
    {**VALID_ANSWER, "candidates": [{**VALID_ANSWER["candidates"][0], "content": {"parts": [{"text": "lo"}]}}]},
]
VALID_GEMINI3_EVENTS: list[dict[str, Any]] = [
    {**VALID_GEMINI3_ANSWER, "candidates": [{**VALID_GEMINI3_ANSWER["candidates"][0], "finishReason": None}]},
    VALID_ANSWER,
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def mutated(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """`value` with a few nodes replaced by random JSON, dropped or emptied, the rest kept as it was."""
    roll = draw(st.integers(0, 9))
    if depth and roll == 0:
        return draw(json_values)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            action = draw(st.integers(0, 11))
            if action == 0:
                continue  # drop the key
            out[key] = draw(json_values) if action == 1 else draw(mutated(item, depth + 1))
        return out
    if isinstance(value, list):
        return [draw(mutated(item, depth + 1)) for item in value if draw(st.integers(0, 9))]
    return draw(json_values) if roll == 1 else value


def _model(handler: Any) -> ChatGemini:
    return ChatGemini(
        model="gemini-2.5-flash",
        api_key=FAKE_KEY,
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )


def _use(message: Any) -> None:
    """Read what a user reads from an answer; none of it may raise."""
    assert isinstance(message.text, str)
    assert isinstance(message.content_blocks, list)
    json.dumps(message.usage_metadata)
    json.dumps(message.response_metadata, default=str)


def _invoke(*contents: bytes) -> None:
    """Invoke against answers served in turn (the last one repeats), so continuation hops get the next."""
    answers = iter(contents)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=next(answers, contents[-1]))

    model = _model(handler)
    try:
        _use(model.invoke("hi"))
    except GeminiError:
        pass
    finally:
        model.close()


def _stream(*contents: bytes) -> None:
    headers = {"content-type": "text/event-stream"}
    streams = iter(contents)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=next(streams, contents[-1]), headers=headers)

    model = _model(handler)
    try:
        merged = None
        for chunk in model.stream("hi"):
            merged = chunk if merged is None else merged + chunk
        _use(merged)
    except GeminiError:
        pass
    finally:
        model.close()


def _sse(events: list[Any]) -> bytes:
    return "".join(f"data: {json.dumps(event)}\r\n\r\n" for event in events).encode()


@seed(16)
@FUZZ
@given(mutated(VALID_ANSWER) | mutated(VALID_GEMINI3_ANSWER))
def test_fuzzed_answers_give_a_result_or_a_gemini_error(answer: Any) -> None:
    # A mutated answer that still asks to be continued gets the first template as its second hop.
    _invoke(json.dumps(answer).encode(), json.dumps(VALID_ANSWER).encode())


@seed(16)
@FUZZ
@given(mutated(VALID_GEMINI3_ANSWER))
def test_fuzzed_continuation_hops_give_a_result_or_a_gemini_error(second: Any) -> None:
    # The first hop is valid and asks to go on; the second one is mutated (it is merged with the first).
    _invoke(json.dumps(VALID_GEMINI3_ANSWER).encode(), json.dumps(second).encode(), json.dumps(VALID_ANSWER).encode())


@seed(16)
@FUZZ
@given(json_values)
def test_random_json_answers_give_a_result_or_a_gemini_error(answer: Any) -> None:
    _invoke(json.dumps(answer).encode())


@seed(16)
@FUZZ
@given(st.integers(0, len(json.dumps(VALID_ANSWER)) - 1))  # cut 0: an empty body is no answer either
def test_truncated_answers_raise_a_validation_error(cut: int) -> None:
    model = _model(lambda request: httpx.Response(200, content=json.dumps(VALID_ANSWER).encode()[:cut]))
    with pytest.raises(GeminiResponseValidationError):
        model.invoke("hi")
    model.close()


@seed(16)
@FUZZ
@given(st.lists(st.sampled_from([*VALID_EVENTS, *VALID_GEMINI3_EVENTS]).flatmap(mutated), max_size=4))
def test_fuzzed_stream_events_give_chunks_or_a_gemini_error(events: list[Any]) -> None:
    _stream(_sse([*events, VALID_EVENTS[-1]]))


@seed(16)
@FUZZ
@given(st.lists(st.sampled_from([*VALID_EVENTS, *VALID_GEMINI3_EVENTS]).flatmap(mutated), max_size=3))
def test_fuzzed_continued_streams_give_chunks_or_a_gemini_error(events: list[Any]) -> None:
    # The first stream ends asking to go on; the second is mutated (its usage is summed with the first's).
    _stream(_sse([VALID_GEMINI3_ANSWER]), _sse([*events, VALID_EVENTS[-1]]))


@seed(16)
@FUZZ
@given(st.lists(json_values, max_size=4))
def test_random_json_stream_events_give_chunks_or_a_gemini_error(events: list[Any]) -> None:
    _stream(_sse(events))


@seed(16)
@FUZZ
@given(st.integers(0, len(_sse(VALID_EVENTS))))
def test_truncated_streams_give_chunks_or_a_gemini_error(cut: int) -> None:
    _stream(_sse(VALID_EVENTS)[:cut])


@seed(16)
@FUZZ
@given(mutated({"totalTokens": 3}) | json_values)
def test_fuzzed_count_tokens_answers_give_a_count_or_a_gemini_error(answer: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    model = _model(handler)
    try:
        assert isinstance(model.get_num_tokens("hi"), int)
    except GeminiError:
        pass
    finally:
        model.close()


@seed(16)
@FUZZ
@given(mutated({"embeddings": [{"values": [0.6, 0.8]}, {"values": [1.0, 0.0]}]}) | json_values)
def test_fuzzed_embedding_answers_give_vectors_or_a_gemini_error(answer: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    embeddings = GeminiEmbeddings(
        api_key=FAKE_KEY, max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    try:
        vectors = embeddings.embed_documents(["a", "b"])
        # JSON numbers; a `false` in a vector passes as the number 0 (checking each value would slow every call).
        assert all(isinstance(x, (float, int)) for vector in vectors for x in vector)
    except GeminiError:
        pass
    finally:
        embeddings.close()


@pytest.mark.parametrize(
    ("answer", "path"),
    [
        ({"candidates": "x"}, "candidates: expected a list, got a string"),
        ({"usageMetadata": []}, "usageMetadata: expected an object, got a list"),
        ({"promptFeedback": [6]}, "promptFeedback: expected an object, got a list"),
        ({"candidates": [{"content": {"parts": {"text": "a"}}}]}, "candidates[0].content.parts: expected a list"),
        ({"candidates": [{"content": {"parts": [{"text": 5}]}}]}, "candidates[0].content.parts[0].text: expected a"),
        ({"candidates": [{"content": {"parts": [{"executableCode": "x"}]}}]}, "parts[0].executableCode: expected"),
        ({"candidates": [{"content": {"parts": [{"fileData": {}}]}}]}, "parts[0].fileData.fileUri: expected a str"),
        ({"candidates": [{"finishReason": ["STOP"]}]}, "candidates[0].finishReason: expected a string, got a list"),
        ({"usageMetadata": {"promptTokenCount": "4"}}, "usageMetadata.promptTokenCount: expected an integer"),
        ({"usageMetadata": {"totalTokenCount": True}}, "usageMetadata.totalTokenCount: expected an integer, got a b"),
        ({"responseId": 7}, "responseId: expected a string, got an integer"),
        ({"candidates": [{"content": {"parts": [{"toolCall": "x"}]}}]}, "parts[0].toolCall: expected an object"),
        ({"candidates": [{"content": {"parts": [{"toolCall": {"args": [1]}}]}}]}, "parts[0].toolCall.args: expected"),
        ({"candidates": [{"content": {"parts": [{"toolCall": {"id": 5}}]}}]}, "parts[0].toolCall.id: expected a st"),
        ({"candidates": [{"content": {"parts": [{"toolResponse": 3}]}}]}, "parts[0].toolResponse: expected an obj"),
        ({"candidates": [{"content": {"parts": [{"toolResponse": {"response": "x"}}]}}]}, "toolResponse.response: e"),
        ({"candidates": [{"content": {"parts": [{"executableCode": {"id": 7}}]}}]}, "executableCode.id: expected a"),
        ({"candidates": [{"content": {"parts": [{"executableCode": {"code": 1}}]}}]}, "executableCode.code: expect"),
        ({"candidates": [{"content": {"parts": [{"codeExecutionResult": {"id": []}}]}}]}, "codeExecutionResult.id: e"),
        ({"candidates": [{"logprobsResult": "x"}]}, "candidates[0].logprobsResult: expected an object, got a string"),
        ({"candidates": [{"logprobsResult": {"chosenCandidates": {}}}]}, "logprobsResult.chosenCandidates: expected a"),
        ({"candidates": [{"logprobsResult": {"chosenCandidates": [5]}}]}, "logprobsResult.chosenCandidates[0]: expe"),
        (
            {"candidates": [{"logprobsResult": {"chosenCandidates": [{"token": "a", "logProbability": "-1"}]}}]},
            "candidates[0].logprobsResult.chosenCandidates[0].logProbability: expected a number, got a string",
        ),
        ({"candidates": [{"logprobsResult": {"topCandidates": [7]}}]}, "logprobsResult.topCandidates[0]: expected a"),
        (
            {"candidates": [{"logprobsResult": {"topCandidates": [{"candidates": 3}]}}]},
            "logprobsResult.topCandidates[0].candidates: expected a list, got an integer",
        ),
        (
            {"candidates": [{"logprobsResult": {"topCandidates": [{"candidates": [{"token": 1}]}]}}]},
            "logprobsResult.topCandidates[0].candidates[0].token: expected a string",
        ),
        ({"candidates": [{"avgLogprobs": "x"}]}, "candidates[0].avgLogprobs: expected a number, got a string"),
        (
            {"candidates": [{"finishReason": "CONTINUATION", "continuationToken": 5}]},
            "candidates[0].continuationToken: expected a string, got an integer",
        ),
        ({"usageMetadata": {"cacheTokensDetails": "x"}}, "usageMetadata.cacheTokensDetails: expected a list"),
        (
            {"usageMetadata": {"toolUsePromptTokensDetails": [{"tokenCount": "1"}]}},
            "usageMetadata.toolUsePromptTokensDetails[0].tokenCount: expected an integer",
        ),
    ],
)
async def test_a_malformed_answer_names_the_field(answer: dict[str, Any], path: str) -> None:
    full = {"candidates": [{"content": {"parts": [{"text": "ok"}]}, "finishReason": "STOP"}], **answer}
    for run in (_invoke_raising, _stream_raising, _ainvoke_raising, _astream_raising):
        with pytest.raises(GeminiResponseValidationError) as caught:
            await run([full])
        assert path in str(caught.value)
        assert caught.value.is_retryable is False


GO_ON = {
    "candidates": [{"content": {"parts": [{"text": "a"}]}, "finishReason": "CONTINUATION", "continuationToken": "t"}]
}


@pytest.mark.parametrize(
    ("second", "path"),
    [
        ({"usageMetadata": [1]}, "usageMetadata: expected an object, got a list"),
        ({"usageMetadata": {"promptTokensDetails": [2]}}, "usageMetadata.promptTokensDetails[0]: expected an object"),
        ({"candidates": [{"content": ["x"], "finishReason": "STOP"}]}, "candidates[0].content: expected an object"),
    ],
)
async def test_a_malformed_continuation_hop_names_the_field(second: dict[str, Any], path: str) -> None:
    # The hop is merged with (invoke) or summed into (stream) the first before the whole is converted.
    for run in (_invoke_raising, _stream_raising, _ainvoke_raising, _astream_raising):
        with pytest.raises(GeminiResponseValidationError) as caught:
            await run([GO_ON, {"candidates": [{"finishReason": "STOP"}], **second}])
        assert path in str(caught.value)


def _serving(answers: list[dict[str, Any]], stream: bool) -> Any:
    """A handler giving `answers` in turn (one per continuation hop), as JSON or as a one-event stream."""
    bodies = iter(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(bodies)
        return httpx.Response(200, content=_sse([answer])) if stream else httpx.Response(200, json=answer)

    return handler


async def _invoke_raising(answers: list[dict[str, Any]]) -> None:
    model = _model(_serving(answers, stream=False))
    try:
        model.invoke("hi")
    finally:
        model.close()


async def _stream_raising(answers: list[dict[str, Any]]) -> None:
    model = _model(_serving(answers, stream=True))
    try:
        list(model.stream("hi"))
    finally:
        model.close()


async def _ainvoke_raising(answers: list[dict[str, Any]]) -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(_serving(answers, stream=False))) as client:
        model = ChatGemini(model="gemini-2.5-flash", api_key=FAKE_KEY, max_retries=0, http_async_client=client)
        await model.ainvoke("hi")


async def _astream_raising(answers: list[dict[str, Any]]) -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(_serving(answers, stream=True))) as client:
        model = ChatGemini(model="gemini-2.5-flash", api_key=FAKE_KEY, max_retries=0, http_async_client=client)
        async for _ in model.astream("hi"):
            pass


def test_the_fuzz_templates_are_valid_answers() -> None:
    """The mutations start from answers that convert cleanly, so a failure is the mutation's doing."""
    model = _model(lambda request: httpx.Response(200, json=copy.deepcopy(VALID_ANSWER)))
    message = model.invoke("hi")
    assert message.text == "Hello"
    assert message.tool_calls[0]["name"] == "lookup"
    model.close()
    # Continued once by the first template: both hops' parts, the second's finish reason, summed usage.
    answers = iter([copy.deepcopy(VALID_GEMINI3_ANSWER), copy.deepcopy(VALID_ANSWER)])
    model = _model(lambda request: httpx.Response(200, json=next(answers)))
    message = model.invoke("hi")
    assert [block["type"] for block in message.content_blocks][:5] == [
        "server_tool_call",
        "server_tool_result",
        "server_tool_call",
        "server_tool_result",
        "text",
    ]
    assert message.response_metadata["finish_reason"] == "STOP"
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 11  # (4 prompt + 3 tool-use) + 4 prompt
    model.close()


def test_an_answer_nested_deeper_than_the_decoder_goes_is_a_validation_error() -> None:
    deep = b'{"candidates": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    model = _model(lambda request: httpx.Response(200, content=deep))
    with pytest.raises(GeminiResponseValidationError, match="not a JSON object"):
        model.invoke("hi")
    stream = _model(lambda request: httpx.Response(200, content=b"data: " + deep + b"\r\n\r\n"))
    with pytest.raises(GeminiResponseValidationError, match="not a JSON object"):
        list(stream.stream("hi"))
    model.close()
    stream.close()
