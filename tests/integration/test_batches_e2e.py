"""ChatGemini.batch_submit and GeminiBatches end to end against the emulator, sync and async."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.prompt_values import ChatPromptValue
from pydantic import BaseModel

from langchain_gemini import (
    ChatGemini,
    GeminiBatches,
    GeminiBatchItemError,
    GeminiBatchJob,
    GeminiBatchTimeoutError,
    GeminiEmbeddings,
)
from langchain_gemini.testing import GeminiEmulator
from tests.integration.conftest import EMULATOR_KEY

INPUTS: list[Any] = [
    "Name a colour.",
    [SystemMessage("Be brief."), HumanMessage("Name a fruit.")],
    ChatPromptValue(messages=[HumanMessage("Name a tree.")]),
]


@pytest.fixture
def model(emulator: GeminiEmulator) -> Iterator[ChatGemini]:
    with ChatGemini(model="gemini-2.5-flash", base_url=emulator.base_url, api_key=EMULATOR_KEY) as chat:
        yield chat


def run_job(sync: bool, model: ChatGemini, inputs: list[Any], **kwargs: Any) -> tuple[GeminiBatchJob, list[Any]]:
    batches = GeminiBatches.from_model(model)
    if sync:
        job = model.batch_submit(inputs, **kwargs)
        done = batches.wait_until_done(job, poll_interval=0.001)
        return done, list(batches.results(done))

    async def go() -> tuple[GeminiBatchJob, list[Any]]:
        job = await model.abatch_submit(inputs, **kwargs)
        done = await batches.await_until_done(job.name, poll_interval=0.001)
        return done, await batches.aresults(done)

    return asyncio.run(go())


def test_results_come_back_in_input_order(sync: bool, model: ChatGemini, emulator: GeminiEmulator) -> None:
    emulator.enqueue({"error": {"code": 400, "message": "bad item"}}, method="batchGenerateContent")
    job, results = run_job(sync, model, INPUTS, display_name="names", temperature=0.5)
    submitted = next(r for r in emulator.requests if r.action == "batchGenerateContent").json
    assert submitted == {
        "batch": {
            "displayName": "names",
            "inputConfig": {
                "requests": {
                    "requests": [
                        {
                            "request": {
                                "contents": [{"role": "user", "parts": [{"text": "Name a colour."}]}],
                                "generationConfig": {"temperature": 0.5},
                            },
                            "metadata": {"key": "0"},
                        },
                        {
                            "request": {
                                "contents": [{"role": "user", "parts": [{"text": "Name a fruit."}]}],
                                "systemInstruction": {"parts": [{"text": "Be brief."}]},
                                "generationConfig": {"temperature": 0.5},
                            },
                            "metadata": {"key": "1"},
                        },
                        {
                            "request": {
                                "contents": [{"role": "user", "parts": [{"text": "Name a tree."}]}],
                                "generationConfig": {"temperature": 0.5},
                            },
                            "metadata": {"key": "2"},
                        },
                    ]
                }
            },
        }
    }
    assert job.state == "BATCH_STATE_SUCCEEDED"
    assert (job.request_count, job.successful_count, job.failed_count) == (3, 2, 1)
    assert results[0] == GeminiBatchItemError(0, 400, "bad item")
    assert isinstance(results[1], AIMessage)
    assert isinstance(results[2], AIMessage)
    assert "Name a fruit." in results[1].text
    assert "Name a tree." in results[2].text
    assert results[2].usage_metadata is not None


def test_bound_tools_travel_with_each_request(model: ChatGemini, emulator: GeminiEmulator) -> None:
    def get_weather(city: str) -> str:
        """Weather in a city."""
        return city

    _, results = run_job(True, model, ["Weather in Oslo?"], tools=[get_weather], tool_choice="any")
    request = next(r for r in emulator.requests if r.action == "batchGenerateContent").json
    sent = request["batch"]["inputConfig"]["requests"]["requests"][0]["request"]
    assert sent["tools"][0]["functionDeclarations"][0]["name"] == "get_weather"
    assert sent["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    assert isinstance(results[0], AIMessage)
    assert [call["name"] for call in results[0].tool_calls] == ["get_weather"]


def test_a_job_resumes_by_name_from_a_new_client(model: ChatGemini, emulator: GeminiEmulator) -> None:
    name = model.batch_submit(["Name a colour."]).name
    model.close()  # as if the process had crashed: only the name survives
    with GeminiBatches(base_url=emulator.base_url, api_key=EMULATOR_KEY) as batches:
        assert batches.get(name).state == "BATCH_STATE_PENDING"
        done = batches.wait_until_done(name, poll_interval=0.001)
        answers = list(batches.results(name))
        assert len(answers) == 1
        assert isinstance(answers[0], AIMessage)
        assert '"Name a colour."' in answers[0].text
        assert [job.name for job in batches.list()] == [done.name]
        batches.delete(name)
        assert list(batches.list()) == []


def test_cancel_and_a_wait_that_times_out(sync: bool, model: ChatGemini) -> None:
    batches = GeminiBatches.from_model(model)
    job = model.batch_submit(["Name a colour."])
    with pytest.raises(GeminiBatchTimeoutError, match="still BATCH_STATE_PENDING after 0 s"):
        batches.wait_until_done(job, timeout=0)
    if sync:
        batches.cancel(job)
    else:
        asyncio.run(batches.acancel(job))
    cancelled = batches.get(job)
    assert cancelled.state == "BATCH_STATE_CANCELLED"
    assert cancelled.done
    with pytest.raises(ValueError, match="has no results: it is BATCH_STATE_CANCELLED"):
        list(batches.results(cancelled))
    if sync:
        batches.delete(job)
    else:
        asyncio.run(batches.adelete(job))


def test_failed_job(model: ChatGemini) -> None:
    batches = GeminiBatches.from_model(model)
    job = batches.wait_until_done(
        model.batch_submit(["Hi"], display_name="[emulator:batch-failed]"), poll_interval=0.001
    )
    assert job.state == "BATCH_STATE_FAILED"
    assert job.error == {"code": 13, "message": "The batch failed (failed by the emulator)."}
    with pytest.raises(ValueError, match=r"has no results: it is BATCH_STATE_FAILED \(The batch failed"):
        list(batches.results(job))


def test_only_the_failed_items_are_resubmitted(sync: bool, model: ChatGemini, emulator: GeminiEmulator) -> None:
    emulator.enqueue({"error": {"code": 500, "message": "flaky"}}, method="batchGenerateContent")
    _, results = run_job(True, model, INPUTS, temperature=0.5)
    assert [type(r).__name__ for r in results] == ["GeminiBatchItemError", "AIMessage", "AIMessage"]
    batches = GeminiBatches.from_model(model)
    if sync:
        again = batches.resubmit_failed(model, INPUTS, results, temperature=0.5)
    else:
        again = asyncio.run(batches.aresubmit_failed(model, INPUTS, results, temperature=0.5))
    assert again is not None
    job, indices = again
    assert indices == [0]
    assert job.request_count == 1
    retried = list(batches.results(batches.wait_until_done(job, poll_interval=0.001)))
    assert isinstance(retried[0], AIMessage)
    assert '"Name a colour."' in retried[0].text
    assert batches.resubmit_failed(model, INPUTS[1:], results[1:]) is None
    with pytest.raises(ValueError, match="2 results for 3 inputs"):
        batches.resubmit_failed(model, INPUTS, results[1:])


def test_embedding_job_gives_the_vectors_embed_documents_gives(sync: bool, emulator: GeminiEmulator) -> None:
    texts = ["Paris is the capital of France.", "Bread needs yeast.", "Rain falls."]
    common: dict[str, Any] = {"base_url": emulator.base_url, "api_key": EMULATOR_KEY}
    with GeminiEmbeddings(model="gemini-embedding-001", output_dimensionality=256, **common) as embeddings:
        batches = GeminiBatches.from_model(embeddings)
        if sync:
            job = batches.wait_until_done(embeddings.batch_submit(texts), poll_interval=0.001)
        else:

            async def go() -> GeminiBatchJob:
                submitted = await embeddings.abatch_submit(texts, display_name="vectors")
                return await batches.await_until_done(submitted, poll_interval=0.001)

            job = asyncio.run(go())
        created = next(r for r in emulator.requests if r.action == "asyncBatchEmbedContent")
        assert created.path == "/v1beta/models/gemini-embedding-001:asyncBatchEmbedContent"
        first = created.json["batch"]["inputConfig"]["requests"]["requests"][0]
        assert first == {
            "request": {
                "model": "models/gemini-embedding-001",
                "taskType": "RETRIEVAL_DOCUMENT",
                "outputDimensionality": 256,
                "content": {"parts": [{"text": texts[0]}]},
            },
            "metadata": {"key": "0"},
        }
        assert job.state == "BATCH_STATE_SUCCEEDED"
        vectors = embeddings.batch_results(job)
        assert vectors == embeddings.embed_documents(texts)  # same order, same normalisation
        assert all(len(v) == 256 for v in vectors if isinstance(v, list))


class Colour(BaseModel):
    """A colour."""

    name: str


def test_structured_output_is_requested_and_parsed(sync: bool, model: ChatGemini, emulator: GeminiEmulator) -> None:
    emulator.enqueue({"candidates": [{"content": {"role": "model", "parts": [{"text": "not json"}]}}]}, method=None)
    job, _ = run_job(sync, model, ["Name a colour.", "Name another colour."], schema=Colour)
    request = next(r for r in emulator.requests if r.action == "batchGenerateContent").json
    config = request["batch"]["inputConfig"]["requests"]["requests"][0]["request"]["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"]["properties"] == {"name": {"title": "Name", "type": "string"}}
    batches = GeminiBatches.from_model(model)
    parsed = list(batches.results(job, schema=Colour)) if sync else asyncio.run(batches.aresults(job, schema=Colour))
    assert isinstance(parsed[0], GeminiBatchItemError)
    assert parsed[0].index == 0
    assert "does not parse" in parsed[0].message
    assert isinstance(parsed[1], Colour)


def test_batch_requests_may_use_a_cache(model: ChatGemini, emulator: GeminiEmulator) -> None:
    cached = model.with_cache([SystemMessage("Be brief."), HumanMessage("The fox jumps. " * 1000)])
    assert cached.cached_content is not None
    _, results = run_job(True, cached, [[SystemMessage("Be brief."), HumanMessage("Who jumps?")]])
    request = next(r for r in emulator.requests if r.action == "batchGenerateContent").json
    assert request["batch"]["inputConfig"]["requests"]["requests"][0]["request"] == {
        "contents": [{"role": "user", "parts": [{"text": "Who jumps?"}]}],
        "cachedContent": cached.cached_content,
    }
    assert isinstance(results[0], AIMessage)
    assert results[0].usage_metadata is not None
    assert results[0].usage_metadata["input_token_details"]["cache_read"] == 3750 + 3
