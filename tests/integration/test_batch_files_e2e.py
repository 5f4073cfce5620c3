"""File-based Batch API jobs end to end against the emulator: JSONL input through the Files API, per-item settings,
result files read back in input order, embeddings, and a job resumed by name from another process."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from langchain_gemini import ChatGemini, GeminiBatches, GeminiBatchItem, GeminiBatchItemError, GeminiEmbeddings
from langchain_gemini.testing import GeminiEmulator
from tests.integration.conftest import EMULATOR_KEY

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def model(emulator: GeminiEmulator) -> Iterator[ChatGemini]:
    with ChatGemini(model="gemini-2.5-flash", base_url=emulator.base_url, api_key=EMULATOR_KEY) as chat:
        yield chat


def get_weather(city: str) -> str:
    """Weather in a city."""
    return city


class Colour(BaseModel):
    """A colour."""

    name: str


ITEMS: list[Any] = [
    "Name a colour.",
    GeminiBatchItem("Name a fruit.", {"temperature": 0.0, "max_output_tokens": 5}),
    GeminiBatchItem(
        [SystemMessage("Be brief."), HumanMessage("Weather in Oslo?")], {"tools": [get_weather], "tool_choice": "any"}
    ),
]
EXPECTED_REQUESTS: list[dict[str, Any]] = [
    {"contents": [{"role": "user", "parts": [{"text": "Name a colour."}]}], "generationConfig": {"temperature": 0.5}},
    {
        "contents": [{"role": "user", "parts": [{"text": "Name a fruit."}]}],
        "generationConfig": {"temperature": 0.0, "maxOutputTokens": 5},
    },
    {
        "contents": [{"role": "user", "parts": [{"text": "Weather in Oslo?"}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "get_weather",
                        "description": "Weather in a city.",
                        "parametersJsonSchema": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                            "required": ["city"],
                        },
                    }
                ]
            }
        ],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY"}},
        "generationConfig": {"temperature": 0.5},
    },
]


def run(sync: bool, model: ChatGemini, inputs: list[Any], **kwargs: Any) -> tuple[Any, list[Any]]:
    batches = GeminiBatches.from_model(model)
    if sync:
        job = batches.wait_until_done(model.batch_submit(inputs, **kwargs), poll_interval=0.001)
        return job, list(batches.results(job))

    async def go() -> tuple[Any, list[Any]]:
        job = await batches.await_until_done(await model.abatch_submit(inputs, **kwargs), poll_interval=0.001)
        return job, [result async for result in batches.aiter_results(job.name)]

    return asyncio.run(go())


def test_a_file_job_carries_each_items_settings_and_answers_in_input_order(
    sync: bool, model: ChatGemini, emulator: GeminiEmulator
) -> None:
    emulator.enqueue({"error": {"code": 400, "message": "bad item"}}, method="batchGenerateContent")
    # The emulator writes this job's result file in reverse: the client must match answers by key, not position.
    name = "fruit [emulator:batch-shuffled]"
    job, results = run(sync, model, ITEMS, display_name=name, temperature=0.5, input_mode="file")
    create = next(r for r in emulator.requests if r.action == "batchGenerateContent")
    source = create.json["batch"]["inputConfig"]["fileName"]
    assert create.json == {"batch": {"displayName": name, "inputConfig": {"fileName": source}}}
    uploaded = emulator.file_content(source)
    assert uploaded is not None
    assert [json.loads(line) for line in uploaded.decode().splitlines()] == [
        {"key": str(index), "request": request} for index, request in enumerate(EXPECTED_REQUESTS)
    ]
    assert next(f for f in emulator.files if f["name"] == source)["mimeType"] == "application/jsonl"
    assert job.responses_file is not None
    written = emulator.file_content(job.responses_file)
    assert written is not None
    assert [json.loads(line)["key"] for line in written.decode().splitlines()] == ["2", "1", "0"]
    download = next(r for r in emulator.requests if r.action == "downloadFile")
    assert (download.path, download.query) == (f"/download/v1beta/{job.responses_file}:download", {"alt": "media"})
    assert (job.request_count, job.successful_count, job.failed_count) == (3, 2, 1)
    assert results[0] == GeminiBatchItemError(0, 400, "bad item")
    assert isinstance(results[1], AIMessage)
    assert results[1].response_metadata["finish_reason"] == "MAX_TOKENS"  # its own max_output_tokens=5
    assert isinstance(results[2], AIMessage)
    assert [call["name"] for call in results[2].tool_calls] == ["get_weather"]


def test_per_item_settings_reach_each_inlined_request(model: ChatGemini, emulator: GeminiEmulator) -> None:
    items = [*ITEMS, GeminiBatchItem("Name a colour.", schema=Colour)]
    _, results = run(True, model, items, temperature=0.5)
    create = next(r for r in emulator.requests if r.action == "batchGenerateContent")
    sent = create.json["batch"]["inputConfig"]["requests"]["requests"]
    assert [item["request"] for item in sent[:3]] == EXPECTED_REQUESTS
    assert sent[3]["request"]["generationConfig"] == {
        "temperature": 0.5,
        "responseMimeType": "application/json",
        "responseJsonSchema": {
            "description": "A colour.",
            "properties": {"name": {"title": "Name", "type": "string"}},
            "required": ["name"],
            "title": "Colour",
            "type": "object",
        },
    }
    assert [item["metadata"] for item in sent] == [{"key": str(i)} for i in range(4)]
    assert Colour.model_validate_json(results[3].text).name
    with pytest.raises(ValueError, match="'model' cannot differ per item"):
        model.batch_submit([GeminiBatchItem("Hi", {"model": "gemini-2.5-pro"})])


def test_an_embedding_file_job_gives_the_vectors_embed_documents_gives(sync: bool, emulator: GeminiEmulator) -> None:
    texts = ["Paris is the capital of France.", "Bread needs yeast.", "Rain falls."]
    common: dict[str, Any] = {"base_url": emulator.base_url, "api_key": EMULATOR_KEY}
    with GeminiEmbeddings(model="gemini-embedding-001", output_dimensionality=256, **common) as embeddings:
        batches = GeminiBatches.from_model(embeddings)
        if sync:
            job = batches.wait_until_done(embeddings.batch_submit(texts, input_mode="file"), poll_interval=0.001)
            vectors = list(embeddings.iter_batch_results(job))
        else:

            async def go() -> list[Any]:
                submitted = await embeddings.abatch_submit(texts, input_mode="file")
                done = await batches.await_until_done(submitted, poll_interval=0.001)
                return await embeddings.abatch_results(done.name)

            vectors = asyncio.run(go())
        create = next(r for r in emulator.requests if r.action == "asyncBatchEmbedContent")
        source = create.json["batch"]["inputConfig"]["fileName"]
        uploaded = emulator.file_content(source)
        assert uploaded is not None
        assert json.loads(uploaded.decode().splitlines()[0]) == {
            "key": "0",
            "request": {
                "model": "models/gemini-embedding-001",
                "taskType": "RETRIEVAL_DOCUMENT",
                "outputDimensionality": 256,
                "content": {"parts": [{"text": texts[0]}]},
            },
        }
        assert vectors == embeddings.embed_documents(texts)


SUBMIT = """
import sys
from langchain_gemini import ChatGemini

url, key = sys.argv[1:3]
model = ChatGemini(model="gemini-2.5-flash", base_url=url, api_key=key)
job = model.batch_submit([f"Question {i}" for i in range(5)], input_mode="file")
print(job.name)
"""

RESUME = """
import asyncio, sys
from langchain_gemini import GeminiBatches

url, key, name, mode = sys.argv[1:5]

def texts(results):
    return [answer.text.split(" (request")[0] for answer in results]

with GeminiBatches(base_url=url, api_key=key) as batches:
    if mode == "sync":
        job = batches.wait_until_done(name, poll_interval=0.001)
        print(job.state, texts(batches.results(name)))
    else:
        async def go():
            job = await batches.await_until_done(name, poll_interval=0.001)
            return job.state, texts(await batches.aresults(name))
        print(*asyncio.run(go()))
"""


def python(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_file_job_submitted_by_one_process_is_finished_by_another(sync: bool, emulator: GeminiEmulator) -> None:
    name = python(SUBMIT, emulator.base_url, EMULATOR_KEY)
    assert name.startswith("batches/")
    out = python(RESUME, emulator.base_url, EMULATOR_KEY, name, "sync" if sync else "async")
    expected = [f'Emulated reply to "Question {i}"' for i in range(5)]
    assert out == f"BATCH_STATE_SUCCEEDED {expected}"


def test_a_download_answered_503_is_retried(model: ChatGemini, emulator: GeminiEmulator) -> None:
    from langchain_gemini.testing import Fault

    batches = GeminiBatches.from_model(model)
    job = batches.wait_until_done(model.batch_submit(["Hi", "Bye"], input_mode="file"), poll_interval=0.001)
    emulator.inject(Fault(status=503, times=1, method="downloadFile"))
    answers = list(batches.results(job))  # the download is retried after Google's backoff (about 0.5 s)
    assert [a.text.split(" (request")[0] for a in answers] == ['Emulated reply to "Hi"', 'Emulated reply to "Bye"']
    assert [r.action for r in emulator.requests].count("downloadFile") == 2
