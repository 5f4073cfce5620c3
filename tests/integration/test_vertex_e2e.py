"""ChatGemini and GeminiEmbeddings on the emulator's Vertex AI flavour: auth, token refresh, what differs."""

from __future__ import annotations

import json
import logging
import pickle
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumps
from langchain_core.messages import HumanMessage

from langchain_gemini import ChatGemini, GeminiEmbeddings
from langchain_gemini.errors import GeminiBadRequestError, GeminiNotFoundError
from langchain_gemini.testing import GeminiEmulator
from tests.integration.conftest import EMULATOR_KEY, VERTEX_LOCATION, VERTEX_PROJECT

FLASH = "gemini-2.5-flash"
VERTEX_MODELS = f"/v1beta1/projects/{VERTEX_PROJECT}/locations/{VERTEX_LOCATION}/publishers/google/models"


def test_service_account_key_file_invoke_stream_count(emulator: GeminiEmulator, vertex_params: dict[str, Any]) -> None:
    model = ChatGemini(model=FLASH, **vertex_params)
    assert model.invoke("Hello Vertex").text
    assert "".join(chunk.text for chunk in model.stream("Hello again"))
    assert model.get_num_tokens("Count me") > 0
    generate, stream, count = emulator.requests
    assert (generate.path, stream.path, count.path) == (
        f"{VERTEX_MODELS}/{FLASH}:generateContent",
        f"{VERTEX_MODELS}/{FLASH}:streamGenerateContent",
        f"{VERTEX_MODELS}/{FLASH}:countTokens",
    )
    assert stream.query == {"alt": "sse"}
    assert generate.headers["authorization"] == stream.headers["authorization"] == count.headers["authorization"]
    assert emulator.stats.token_requests == 1  # one token, reused
    model.close()


async def test_token_refreshes_on_expiry_under_concurrent_abatch(
    emulator: GeminiEmulator, vertex_params: dict[str, Any]
) -> None:
    # Tokens live 1 s and every answer takes 0.6 s: the second wave of 10 finds the first token stale (refreshed
    # once half its life is gone) or expired. A client without single flight fetches a token per request (~20).
    emulator.configure(token_lifetime=1, latency=0.6)
    model = ChatGemini(model=FLASH, **vertex_params)
    prompts = [f"question {i}" for i in range(20)]
    answers = await model.abatch(prompts, config={"max_concurrency": 10})
    assert len(answers) == 20
    assert all(answer.text for answer in answers)
    tokens = {request.headers["authorization"] for request in emulator.requests}
    assert len(tokens) >= 2  # the token did expire mid-run and was replaced
    assert 2 <= emulator.stats.token_requests <= 4
    assert sorted(json.dumps(request.json["contents"]) for request in emulator.requests) == sorted(
        json.dumps([{"role": "user", "parts": [{"text": prompt}]}]) for prompt in prompts
    )
    await model.aclose()


async def test_tokens_revoked_early_are_refreshed_once(emulator: GeminiEmulator, vertex_params: dict[str, Any]) -> None:
    model = ChatGemini(model=FLASH, max_retries=0, **vertex_params)
    await model.ainvoke("warm up")
    emulator.expire_tokens()  # every request now meets a 401 with a token it believed valid
    answers = await model.abatch([f"q{i}" for i in range(20)])
    assert all(answer.text for answer in answers)
    assert emulator.stats.token_requests == 2
    await model.aclose()


def test_express_mode_with_a_vertex_api_key(emulator: GeminiEmulator) -> None:
    model = ChatGemini(model=FLASH, vertexai=True, api_key=EMULATOR_KEY, base_url=emulator.base_url)
    assert model.invoke("Hello express").text
    request = emulator.requests[-1]
    assert request.path == f"/v1beta1/publishers/google/models/{FLASH}:generateContent"
    assert request.headers["x-goog-api-key"] == EMULATOR_KEY
    assert "authorization" not in request.headers
    assert emulator.stats.token_requests == 0
    model.close()


def test_embeddings_on_vertex(emulator: GeminiEmulator, vertex_params: dict[str, Any]) -> None:
    embeddings = GeminiEmbeddings(model="gemini-embedding-001", output_dimensionality=256, **vertex_params)
    documents = embeddings.embed_documents(["alpha", "beta"], titles=["A", None])
    query = embeddings.embed_query("alpha")
    assert [len(vector) for vector in documents] == [256, 256]
    assert len(query) == 256
    batch, single = emulator.requests
    assert batch.path == f"{VERTEX_MODELS}/gemini-embedding-001:batchEmbedContents"
    assert single.path == f"{VERTEX_MODELS}/gemini-embedding-001:embedContent"
    assert single.json == {
        "content": {"parts": [{"text": "alpha"}]},
        "embedContentConfig": {"taskType": "RETRIEVAL_QUERY", "outputDimensionality": 256},
    }
    embeddings.close()


@pytest.mark.parametrize(
    "name",
    [
        f"publishers/google/models/{FLASH}",
        f"projects/{VERTEX_PROJECT}/locations/{VERTEX_LOCATION}/publishers/google/models/{FLASH}",
    ],
)
def test_vertex_resource_names_reach_the_model_once(
    emulator: GeminiEmulator, vertex_params: dict[str, Any], name: str
) -> None:
    # google-genai takes Vertex resource names as model ids (_transformers.t_model); the path must not repeat them.
    model = ChatGemini(model=name, thinking_budget=0, **vertex_params)
    assert model.invoke("hi").text
    assert emulator.requests[-1].path == f"{VERTEX_MODELS}/{FLASH}:generateContent"
    assert emulator.requests[-1].json["generationConfig"] == {"thinkingConfig": {"thinkingBudget": 0}}
    assert model.profile is not None
    assert model.profile["max_input_tokens"] == 1_048_576
    model.close()


def test_labels_and_audio_timestamp_reach_vertex(emulator: GeminiEmulator, vertex_params: dict[str, Any]) -> None:
    model = ChatGemini(model=FLASH, labels={"team": "search"}, audio_timestamp=True, **vertex_params)
    assert model.invoke("hi").text
    body = emulator.requests[-1].json
    assert body["labels"] == {"team": "search"}
    assert body["generationConfig"] == {"audioTimestamp": True}
    model.close()


def test_gs_uris_go_to_vertex_as_file_data(emulator: GeminiEmulator, vertex_params: dict[str, Any]) -> None:
    model = ChatGemini(model=FLASH, **vertex_params)
    block = {"type": "file", "url": "gs://my-bucket/report.pdf", "mime_type": "application/pdf"}
    assert model.invoke([HumanMessage(content=[block, {"type": "text", "text": "Summarize"}])]).text
    assert emulator.requests[-1].json["contents"][0]["parts"][0] == {
        "fileData": {"fileUri": "gs://my-bucket/report.pdf", "mimeType": "application/pdf"}
    }
    model.close()


def test_vertex_errors_are_the_package_errors(emulator: GeminiEmulator, vertex_params: dict[str, Any]) -> None:
    with pytest.raises(GeminiNotFoundError) as caught:
        ChatGemini(model="gemini-0-unknown", max_retries=0, **vertex_params).invoke("hi")
    assert caught.value.status == "NOT_FOUND"
    with pytest.raises(GeminiBadRequestError):
        ChatGemini(model=FLASH, max_retries=0, **vertex_params).invoke("hi", model_kwargs={"topK": "many"})


class _Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.seen.append(repr((serialized, messages, kwargs)))

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.seen.append(repr((response, kwargs)))

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.seen.append(repr((error, error.args, kwargs)))


def test_the_token_leaks_nowhere(
    emulator: GeminiEmulator, vertex_params: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    recorder = _Recorder()
    model = ChatGemini(model=FLASH, max_retries=1, callbacks=[recorder], **vertex_params)
    with caplog.at_level(logging.DEBUG):
        model.invoke("hi")
        model.invoke("again")
        with pytest.raises(GeminiNotFoundError) as caught:
            model.invoke("hi", model="gemini-0-unknown")
    secrets = model._client._tokens.secrets()  # type: ignore[union-attr]
    assert secrets
    for token in secrets:
        sent = [request.headers["authorization"] for request in emulator.requests]
        assert f"Bearer {token}" in sent
        for text in (
            caplog.text,
            *recorder.seen,
            repr(model),
            dumps(model),
            repr(caught.value),
            str(caught.value.body),
            repr(pickle.loads(pickle.dumps(caught.value)).__dict__),
        ):
            assert token not in text
    model.close()


async def test_text_embedding_models_use_predict(emulator: GeminiEmulator, vertex_params: dict[str, Any]) -> None:
    embeddings = GeminiEmbeddings(model="text-embedding-005", output_dimensionality=128, **vertex_params)
    documents = embeddings.embed_documents(["a cat sat", "b"], titles=["Cats", None])
    query = await embeddings.aembed_query("cats")
    assert [len(vector) for vector in [*documents, query]] == [128, 128, 128]
    assert embeddings.last_usage == {"input_tokens": 1, "output_tokens": 0, "total_tokens": 1}
    first, second = emulator.requests
    assert first.path == second.path == f"{VERTEX_MODELS}/text-embedding-005:predict"
    assert first.json == {
        "instances": [
            {"content": "a cat sat", "task_type": "RETRIEVAL_DOCUMENT", "title": "Cats"},
            {"content": "b", "task_type": "RETRIEVAL_DOCUMENT"},
        ],
        "parameters": {"outputDimensionality": 128},
    }
    await embeddings.aclose()
    embeddings.close()
