"""GeminiEmbeddings end to end over loopback against the emulator: a vector store, batching, faults, dimensions."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_gemini import GeminiEmbeddings, GeminiServerError
from langchain_gemini.embeddings import TASK_TYPES
from langchain_gemini.testing import Fault, GeminiEmulator
from tests.integration.conftest import EMULATOR_KEY, connection_params

DOCS = [
    Document("Paris is the capital and largest city of France.", metadata={"topic": "geography"}),
    Document("Bread rises because yeast produces carbon dioxide.", metadata={"topic": "baking"}),
    Document("The mitochondrion is where cells make most of their ATP.", metadata={"topic": "biology"}),
    Document("A binary search halves the interval at every step.", metadata={"topic": "computing"}),
]


def documents(model: GeminiEmbeddings, sync: bool, items: list[str]) -> list[list[float]]:
    return model.embed_documents(items) if sync else asyncio.run(model.aembed_documents(items))


def make(emulator: GeminiEmulator, **kwargs: Any) -> GeminiEmbeddings:
    return GeminiEmbeddings(api_key=EMULATOR_KEY, base_url=emulator.base_url, **kwargs)


def texts(count: int) -> list[str]:
    return [f"passage number {i}" for i in range(count)]


def test_vector_store_indexes_and_finds_documents(gemini_emulator: GeminiEmulator | None) -> None:
    embeddings = GeminiEmbeddings(output_dimensionality=768, **connection_params(gemini_emulator))
    store = InMemoryVectorStore(embeddings)
    ids = store.add_documents(DOCS)
    assert len(ids) == len(DOCS)
    for doc in DOCS:
        (found, score), *_ = store.similarity_search_with_score(doc.page_content, k=2)
        assert found.page_content == doc.page_content
        assert found.metadata == doc.metadata
        assert -1.0 <= score <= 1.0 + 1e-9
    hits = store.similarity_search(DOCS[1].page_content, k=1, filter=lambda d: d.metadata["topic"] == "baking")
    assert [d.page_content for d in hits] == [DOCS[1].page_content]


async def test_vector_store_async(gemini_emulator: GeminiEmulator | None) -> None:
    store = InMemoryVectorStore(GeminiEmbeddings(output_dimensionality=768, **connection_params(gemini_emulator)))
    await store.aadd_documents(DOCS)
    found = await store.asimilarity_search(DOCS[2].page_content, k=1)
    assert found[0].page_content == DOCS[2].page_content


def test_exact_match_scores_one_and_vectors_are_unit_length(emulator: GeminiEmulator) -> None:
    store = InMemoryVectorStore(make(emulator, output_dimensionality=768))
    store.add_documents(DOCS)
    found, score = store.similarity_search_with_score(DOCS[0].page_content, k=1)[0]
    assert found.page_content == DOCS[0].page_content
    # The same text as a query and as a document: close, but task types change vectors (as on the real API).
    assert 0.5 < score < 1.0


def test_batches_of_100_in_order(emulator: GeminiEmulator, sync: bool) -> None:
    model = make(emulator, output_dimensionality=256)
    items = texts(250)
    vectors = documents(model, sync, items)
    sent = sorted(
        (r.json["requests"] for r in emulator.requests if r.action == "batchEmbedContents"),
        key=lambda reqs: int(reqs[0]["content"]["parts"][0]["text"].rsplit(" ", 1)[1]),
    )
    assert [len(batch) for batch in sent] == [100, 100, 50]
    assert [r["content"]["parts"][0]["text"] for batch in sent for r in batch] == items
    assert all(r["taskType"] == "RETRIEVAL_DOCUMENT" and r["outputDimensionality"] == 256 for b in sent for r in b)
    # Each text's vector is the one the emulator gives that text alone, whatever order the batches finished in.
    for index in (0, 99, 100, 173, 249):
        assert vectors[index] == model.embed_documents([items[index]])[0]
    assert all(len(v) == 256 and math.isclose(math.hypot(*v), 1.0) for v in vectors)


def test_answers_are_asked_for_without_pretty_printing(emulator: GeminiEmulator, sync: bool) -> None:
    """Google indents JSON by default; a batch of 768-value vectors is 1.65 MB indented, 0.96 MB compact."""
    model = make(emulator, output_dimensionality=768)
    vectors = documents(model, sync, texts(150))
    query = model.embed_query("a query") if sync else asyncio.run(model.aembed_query("a query"))
    assert [(r.action, r.query) for r in emulator.requests] == [
        ("batchEmbedContents", {"prettyPrint": "false"}),
        ("batchEmbedContents", {"prettyPrint": "false"}),
        ("embedContent", {"prettyPrint": "false"}),
    ]
    assert vectors[0] == model.embed_documents(texts(1))[0]
    assert len(query) == 768


def test_reduced_vectors_are_normalized_unless_turned_off(emulator: GeminiEmulator) -> None:
    normalized = make(emulator, output_dimensionality=128).embed_query("hello")
    raw = make(emulator, output_dimensionality=128, normalize=False).embed_query("hello")
    full = make(emulator).embed_query("hello")
    assert math.hypot(*normalized) == pytest.approx(1.0)
    assert math.hypot(*raw) < 0.5  # the API's prefix of a unit vector is not unit length
    assert math.hypot(*full) == pytest.approx(1.0)
    assert len(full) == 3072
    assert normalized == pytest.approx([x / math.hypot(*raw) for x in raw])
    assert full[:128] == pytest.approx(raw)


def test_every_task_type_and_titles_pass_the_emulators_validation(emulator: GeminiEmulator) -> None:
    model = make(emulator, output_dimensionality=128)
    for task in TASK_TYPES:
        assert len(model.embed_query("a question", task_type=task)) == 128
        assert len(model.embed_documents(["a passage"], task_type=task)) == 1
    model.embed_documents(["first", "second"], titles=["Title one", None])
    entries = emulator.requests[-1].json["requests"]
    assert entries[0]["title"] == "Title one"
    assert "title" not in entries[1]


def test_a_rate_limited_batch_is_resent_alone(emulator: GeminiEmulator, sync: bool) -> None:
    emulator.inject(Fault(status=429, retry_delay="0.01s", method="batchEmbedContents", times=1))
    model = make(emulator, output_dimensionality=128)
    items = texts(300)
    vectors = documents(model, sync, items)
    batches = [r.json["requests"][0]["content"]["parts"][0]["text"] for r in emulator.requests]
    assert len(batches) == 4  # three batches and one resend
    assert sorted(set(batches)) == sorted(items[i] for i in (0, 100, 200))
    assert len(vectors) == 300
    assert vectors[150] == model.embed_documents([items[150]])[0]


def test_a_batch_that_keeps_failing_fails_the_call(emulator: GeminiEmulator, sync: bool) -> None:
    emulator.inject(Fault(status=500, retry_delay="0.01s", method="batchEmbedContents", times=None))
    model = make(emulator, max_retries=1, max_concurrency=1)
    with pytest.raises(GeminiServerError):
        documents(model, sync, texts(300))
    assert len(emulator.requests) == 2  # the first batch and its one retry; the others never went out


def test_connections_are_reused_across_batches(emulator: GeminiEmulator) -> None:
    model = make(emulator, output_dimensionality=128, max_concurrency=4)
    model.embed_documents(texts(800))
    opened = emulator.stats.connections_opened
    model.embed_documents(texts(800))
    assert emulator.stats.connections_opened == opened  # the second call reuses the first call's pool
    assert opened <= 4
