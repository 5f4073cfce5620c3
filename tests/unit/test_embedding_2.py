"""gemini-embedding-2: its input limit and task prefixes come from the model table; no `taskType` is sent."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_embeddings import FakeEmbed

MODEL = "gemini-embedding-2"


def sent_texts(fake: FakeEmbed) -> list[str]:
    body = fake.bodies()[-1]
    return [entry["content"]["parts"][0]["text"] for entry in body.get("requests") or [body]]


@pytest.mark.parametrize(
    ("call", "kwargs", "expected"),
    [
        # The forms Google's API was sent in recorded traffic (pydantic-ai's test_google_task_prefix cassettes).
        ("query", {}, ["task: search result | query: Hello, world!"]),
        ("query", {"task_type": "QUESTION_ANSWERING"}, ["task: question answering | query: Hello, world!"]),
        ("query", {"task_type": "fact_verification"}, ["task: fact checking | query: Hello, world!"]),
        ("query", {"task_type": "CODE_RETRIEVAL_QUERY"}, ["task: code retrieval | query: Hello, world!"]),
        ("documents", {}, ["title: none | text: Hello, world!"]),
        ("documents", {"titles": ["Greeting"]}, ["title: Greeting | text: Hello, world!"]),
        ("documents", {"titles": [""]}, ["title: none | text: Hello, world!"]),
        ("documents", {"task_type": "CLUSTERING"}, ["task: clustering | query: Hello, world!"]),
        ("documents", {"task_type": "SEMANTIC_SIMILARITY"}, ["task: sentence similarity | query: Hello, world!"]),
        ("documents", {"task_type": "CLASSIFICATION"}, ["task: classification | query: Hello, world!"]),
    ],
)
def test_task_is_a_prefix_not_a_task_type(call: str, kwargs: dict[str, Any], expected: list[str]) -> None:
    fake = FakeEmbed()
    embeddings = fake.model(model=MODEL)
    if call == "query":
        embeddings.embed_query("Hello, world!", **kwargs)
    else:
        embeddings.embed_documents(["Hello, world!"], **kwargs)
    assert sent_texts(fake) == expected
    body = fake.bodies()[-1]
    for entry in body.get("requests") or [body]:
        assert "taskType" not in entry
        assert "title" not in entry
        assert entry["model"] == "models/gemini-embedding-2"


def test_text_with_its_own_prefix_is_sent_as_is() -> None:
    fake = FakeEmbed()
    fake.model(model=MODEL).embed_documents(["title: custom | text: hello"])
    assert sent_texts(fake) == ["title: custom | text: hello"]


def test_other_models_keep_task_type() -> None:
    fake = FakeEmbed()
    fake.model(model="gemini-embedding-2-preview").embed_query("hello")
    assert fake.bodies()[0]["taskType"] == "RETRIEVAL_QUERY"
    assert sent_texts(fake) == ["hello"]


def test_input_limit_is_the_models() -> None:
    fake = FakeEmbed()
    text = "word " * 4_000  # about 6,700 tokens by the estimate: over 2,048, under 8,192
    fake.model(model=MODEL).embed_documents([text])
    assert len(fake.requests) == 1
    with pytest.raises(ValueError, match="2048-token input limit"):
        fake.model(model="gemini-embedding-001").embed_documents([text])
    with pytest.raises(ValueError, match="8192-token input limit"):
        fake.model(model=MODEL).embed_query("word " * 20_000)


def test_usage_is_reported() -> None:
    fake = FakeEmbed()

    def answer(body: dict[str, Any]) -> Any:
        import httpx

        entries = body.get("requests") or [body]
        usage = {"promptTokenCount": 4 * len(entries), "promptTokenDetails": [{"modality": "TEXT", "tokenCount": 4}]}
        if "requests" in body:
            return httpx.Response(200, json={"embeddings": [{"values": [1, 0]}] * len(entries), "usageMetadata": usage})
        return httpx.Response(200, json={"embedding": {"values": [1, 0]}, "usageMetadata": usage})

    fake.hook = answer
    embeddings = fake.model(model=MODEL, batch_size=2)
    assert embeddings.last_usage is None
    embeddings.embed_documents(["a", "b", "c"])
    assert embeddings.last_usage == {"input_tokens": 12, "output_tokens": 0, "total_tokens": 12}
    embeddings.embed_query("q")
    assert embeddings.last_usage == {"input_tokens": 4, "output_tokens": 0, "total_tokens": 4}
    fake.hook = None
    embeddings.embed_query("q")  # the default fake reports no usage
    assert embeddings.last_usage is None
