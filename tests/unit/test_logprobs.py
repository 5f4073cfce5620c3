"""Log probabilities in `response_metadata["logprobs"]`, in the shape langchain-openai uses."""

from __future__ import annotations

from typing import Any

from tests.unit.fake_gemini import FakeGemini

RESULT = {
    "chosenCandidates": [
        {"token": "Hi", "tokenId": 1, "logProbability": -0.25},
        {"token": "é", "tokenId": 2, "logProbability": -1.5},
    ],
    "topCandidates": [
        {"candidates": [{"token": "Hi", "logProbability": -0.25}, {"token": "Hey", "logProbability": -2.0}]},
        {"candidates": [{"token": "é", "logProbability": -1.5}]},
    ],
}
EXPECTED = [
    {
        "token": "Hi",
        "bytes": [72, 105],
        "logprob": -0.25,
        "top_logprobs": [
            {"token": "Hi", "bytes": [72, 105], "logprob": -0.25},
            {"token": "Hey", "bytes": [72, 101, 121], "logprob": -2.0},
        ],
    },
    {
        "token": "é",
        "bytes": [195, 169],
        "logprob": -1.5,
        "top_logprobs": [{"token": "é", "bytes": [195, 169], "logprob": -1.5}],
    },
]


def _answer(text: str, result: dict[str, Any] | None, finish: str | None = "STOP") -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}}
    if finish:
        candidate["finishReason"] = finish
    if result is not None:
        candidate["logprobsResult"] = result
    return {"candidates": [candidate], "modelVersion": "gemini-2.5-flash"}


def test_invoke_puts_logprobs_in_openai_shape() -> None:
    fake = FakeGemini(responses=[_answer("Hié", RESULT)])
    message = fake.model(response_logprobs=True, logprobs=2).invoke("hi")
    assert message.response_metadata["logprobs"] == {"content": EXPECTED}
    assert fake.bodies()[0]["generationConfig"] == {"responseLogprobs": True, "logprobs": 2}


def test_stream_gathers_every_events_logprobs() -> None:
    first = {"chosenCandidates": RESULT["chosenCandidates"][:1], "topCandidates": RESULT["topCandidates"][:1]}
    second = {"chosenCandidates": RESULT["chosenCandidates"][1:], "topCandidates": RESULT["topCandidates"][1:]}
    fake = FakeGemini(streams=[[_answer("Hi", first, None), _answer("é", second)]])
    chunks = list(fake.model(response_logprobs=True).stream("hi"))
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole += chunk
    assert whole.response_metadata["logprobs"] == {"content": EXPECTED}


def test_no_logprobs_key_without_a_result() -> None:
    fake = FakeGemini(responses=[_answer("x", None)])
    assert "logprobs" not in fake.model().invoke("hi").response_metadata
