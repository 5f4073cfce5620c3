"""Long answers: CONTINUATION + continuationToken are followed, the answer and usage are whole, a cap raises."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_gemini._continuation import sum_usage
from langchain_gemini.errors import GeminiContinuationLimitError, GeminiStreamError
from tests.unit.fake_gemini import FakeGemini


def hop(text: str, token: str | None, *, prompt: int = 10, out: int = 5) -> dict[str, Any]:
    candidate: dict[str, Any] = {
        "content": {"role": "model", "parts": [{"text": text}]},
        "finishReason": "CONTINUATION" if token else "STOP",
    }
    if token:
        candidate["continuationToken"] = token
    return {
        "candidates": [candidate],
        "usageMetadata": {
            "promptTokenCount": prompt,
            "candidatesTokenCount": out,
            "totalTokenCount": prompt + out,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
        },
        "modelVersion": "gemini-4-flash",
        "responseId": f"r-{text}",
    }


def test_invoke_follows_tokens_and_sums_usage() -> None:
    fake = FakeGemini(responses=[hop("Part one. ", "tok-1"), hop("Part two. ", "tok-2"), hop("End.", None)])
    message = fake.model(model="gemini-4-flash", temperature=0.1).invoke("write a long story")
    assert message.text == "Part one. Part two. End."
    assert message.usage_metadata is not None
    assert (message.usage_metadata["input_tokens"], message.usage_metadata["output_tokens"]) == (30, 15)
    assert message.response_metadata["finish_reason"] == "STOP"
    assert message.response_metadata["continuation_token"] == "tok-2"
    first, second, third = fake.bodies()
    assert "continuationToken" not in first
    # The same request again, with the token at the top level (as google-genai sends it).
    assert second == {**first, "continuationToken": "tok-1"}
    assert third == {**first, "continuationToken": "tok-2"}


def test_async_invoke_follows_tokens() -> None:
    fake = FakeGemini(responses=[hop("a", "t1"), hop("b", None)])
    message = asyncio.run(fake.model().ainvoke("hi"))
    assert message.text == "ab"
    assert [body.get("continuationToken") for body in fake.bodies()] == [None, "t1"]


def test_the_cap_raises_clearly() -> None:
    fake = FakeGemini(responses=[hop("a", "t1"), hop("b", "t2"), hop("c", "t3")])
    with pytest.raises(GeminiContinuationLimitError, match="still incomplete after 2 continuation requests"):
        fake.model(max_continuations=2).invoke("hi")
    assert len(fake.requests) == 3


def test_continuing_can_be_turned_off_and_the_token_is_kept() -> None:
    fake = FakeGemini(responses=[hop("partial", "t1")])
    message = fake.model(max_continuations=0).invoke("hi")
    assert message.text == "partial"
    assert message.response_metadata["finish_reason"] == "CONTINUATION"
    assert message.response_metadata["continuation_token"] == "t1"
    assert len(fake.requests) == 1
    # ...and the user can continue by hand.
    fake.responses.append(hop(" rest", None))
    fake.model(max_continuations=0).invoke("hi", continuation_token="t1")
    assert fake.bodies()[1]["continuationToken"] == "t1"


def _stream_hop(texts: list[str], token: str | None, prompt: int) -> list[dict[str, Any]]:
    events = [{"candidates": [{"content": {"role": "model", "parts": [{"text": t}]}}]} for t in texts]
    last = hop("", token, prompt=prompt, out=len(texts))
    last["candidates"][0]["content"]["parts"] = []
    return [*events, last]


def test_stream_goes_on_seamlessly() -> None:
    fake = FakeGemini(streams=[_stream_hop(["Once ", "upon "], "s1", 7), _stream_hop(["a ", "time."], None, 8)])
    chunks = list(fake.model().stream("story"))
    assert [chunk.text for chunk in chunks if chunk.text] == ["Once ", "upon ", "a ", "time."]
    assert [chunk.chunk_position for chunk in chunks].count("last") == 1
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole += chunk
    assert isinstance(whole, AIMessageChunk)
    assert whole.text == "Once upon a time."
    assert whole.usage_metadata is not None
    assert (whole.usage_metadata["input_tokens"], whole.usage_metadata["output_tokens"]) == (15, 4)
    assert whole.response_metadata["finish_reason"] == "STOP"
    assert [body.get("continuationToken") for body in fake.bodies()] == [None, "s1"]


def test_async_stream_goes_on_and_the_cap_applies() -> None:
    async def collect(fake: FakeGemini, **kwargs: Any) -> str:
        text = ""
        async for chunk in fake.model(**kwargs).astream("story"):
            text += chunk.text
        return text

    fake = FakeGemini(streams=[_stream_hop(["x"], "s1", 1), _stream_hop(["y"], None, 1)])
    assert asyncio.run(collect(fake)) == "xy"
    capped = FakeGemini(streams=[_stream_hop(["x"], "s1", 1), _stream_hop(["y"], "s2", 1)])
    with pytest.raises(GeminiContinuationLimitError):
        asyncio.run(collect(capped, max_continuations=1))


def test_usage_sums_counts_and_modality_details() -> None:
    total = sum_usage(
        {"promptTokenCount": 3, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 3}], "serviceTier": "flex"},
        {"promptTokenCount": 4, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 4}], "serviceTier": "flex"},
    )
    assert total == {
        "promptTokenCount": 7,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 7}],
        "serviceTier": "flex",
    }


def _with_logprobs(body: dict[str, Any], tokens: list[tuple[str, float]]) -> dict[str, Any]:
    chosen = [{"token": token, "logProbability": logprob} for token, logprob in tokens]
    candidate = body["candidates"][0]
    candidate["logprobsResult"] = {"chosenCandidates": chosen, "topCandidates": [{"candidates": [c]} for c in chosen]}
    return body


def test_invoke_reports_the_logprobs_of_every_hop() -> None:
    responses = [
        _with_logprobs(hop("Once ", "t1"), [("Once", -0.5), (" ", -0.1)]),
        _with_logprobs(hop("upon.", None), [("upon", -0.25), (".", -0.0)]),
    ]
    message = FakeGemini(responses=responses).model(response_logprobs=True, logprobs=1).invoke("story")
    content = message.response_metadata["logprobs"]["content"]
    assert [(item["token"], item["logprob"]) for item in content] == [
        ("Once", -0.5),
        (" ", -0.1),
        ("upon", -0.25),
        (".", -0.0),
    ]
    assert [[top["token"] for top in item["top_logprobs"]] for item in content] == [["Once"], [" "], ["upon"], ["."]]


def _run(entry: str, model: Any) -> Any:
    """The whole message, through one of the four entry points."""
    if entry == "invoke":
        return model.invoke("story")
    if entry == "ainvoke":
        return asyncio.run(model.ainvoke("story"))

    async def collect() -> list[AIMessageChunk]:
        return [chunk async for chunk in model.astream("story")]

    chunks = list(model.stream("story")) if entry == "stream" else asyncio.run(collect())
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole += chunk
    return whole


@pytest.mark.parametrize("entry", ["invoke", "ainvoke", "stream", "astream"])
@pytest.mark.parametrize(
    ("limit", "text", "sent_tokens", "finish"),
    [(0, "a", [None], "CONTINUATION"), (2, "abc", [None, "t1", "t2"], "STOP"), (5, "abc", [None, "t1", "t2"], "STOP")],
)
def test_every_entry_point_takes_the_same_hops(
    entry: str, limit: int, text: str, sent_tokens: list[str | None], finish: str
) -> None:
    answers = [("a", "t1"), ("b", "t2"), ("c", None)]
    fake = FakeGemini(
        responses=[hop(t, token, prompt=3, out=1) for t, token in answers],
        streams=[_stream_hop([t], token, 3) for t, token in answers],
    )
    message = _run(entry, fake.model(max_continuations=limit))
    assert message.text == text
    assert [body.get("continuationToken") for body in fake.bodies()] == sent_tokens
    assert message.response_metadata["finish_reason"] == finish
    hops = len(sent_tokens)
    assert (message.usage_metadata["input_tokens"], message.usage_metadata["output_tokens"]) == (3 * hops, hops)
    assert message.response_metadata.get("continuation_token") == ("t1" if limit == 0 else "t2")


@pytest.mark.parametrize("entry", ["invoke", "ainvoke", "stream", "astream"])
def test_every_entry_point_stops_at_the_cap(entry: str) -> None:
    answers = [("a", "t1"), ("b", "t2"), ("c", None)]
    fake = FakeGemini(
        responses=[hop(t, token) for t, token in answers], streams=[_stream_hop([t], token, 3) for t, token in answers]
    )
    with pytest.raises(GeminiContinuationLimitError, match="still incomplete after 1 continuation requests"):
        _run(entry, fake.model(max_continuations=1))
    assert [body.get("continuationToken") for body in fake.bodies()] == [None, "t1"]


# A long-decode stream broken part way resumes from its latest checkpoint (`ContinuedStream.broken`).


def _event(text: str | None, token: str | None = None, *, out: int = 0) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}] if text is not None else []}}
    if token:
        candidate["continuationToken"] = token  # a checkpoint: a token without a finish reason
    usage = {"promptTokenCount": 10, "candidatesTokenCount": out, "totalTokenCount": 10 + out}
    return {"candidates": [candidate], "usageMetadata": usage, "modelVersion": "gemini-4-flash"}


def _stream(fake: FakeGemini, sync: bool) -> list[Any]:
    if sync:
        return list(fake.model(max_retries=0).stream("story"))

    async def go() -> list[Any]:
        return [chunk async for chunk in fake.model(max_retries=0).astream("story")]

    return asyncio.run(go())


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_a_broken_stream_resumes_from_its_checkpoint_without_repeating_text(sync: bool) -> None:
    broken = [_event("One ", out=1), _event("two ", "c1", out=2), _event("thr", out=3)]  # ends without a reason
    rest = [_event("three "), _event("four.", out=3)]
    rest[-1]["candidates"][0]["finishReason"] = "STOP"
    fake = FakeGemini(streams=[broken, rest])
    chunks = _stream(fake, sync)
    # "thr" came after the checkpoint: the resumed hop sends it again, and only "ee " is new
    assert [chunk.text for chunk in chunks if chunk.text] == ["One ", "two ", "thr", "ee ", "four."]
    assert [body.get("continuationToken") for body in fake.bodies()] == [None, "c1"]
    assert fake.bodies()[1] == {**fake.bodies()[0], "continuationToken": "c1"}
    last = chunks[-1]
    assert last.response_metadata["finish_reason"] == "STOP"
    assert last.usage_metadata is not None
    assert (last.usage_metadata["input_tokens"], last.usage_metadata["output_tokens"]) == (20, 6)  # hops summed


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_three_reconnects_without_progress_then_the_error(sync: bool) -> None:
    first = [_event("One ", "c1", out=1)]  # a checkpoint, then the stream ends without a finish reason
    empty = [_event(None)]  # accepted, but no content and no new checkpoint
    fake = FakeGemini(streams=[first, empty, empty, empty, empty, [_event("never")]])
    with pytest.raises(GeminiStreamError):
        _stream(fake, sync)
    # the checkpoint, then three retries of the same token; the fourth hop without progress gives up
    assert [body.get("continuationToken") for body in fake.bodies()] == [None, "c1", "c1", "c1", "c1"]


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_content_without_a_checkpoint_is_not_resumed(sync: bool) -> None:
    fake = FakeGemini(streams=[[_event("One ", out=1)], [_event("never")]])
    with pytest.raises(GeminiStreamError):
        _stream(fake, sync)
    assert len(fake.requests) == 1


def test_no_resumption_when_continuation_is_off() -> None:
    fake = FakeGemini(streams=[[_event("One ", "c1", out=1)], [_event("never")]])
    with pytest.raises(GeminiStreamError):
        list(fake.model(max_retries=0, max_continuations=0).stream("story"))
    assert len(fake.requests) == 1
