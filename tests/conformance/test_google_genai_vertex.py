"""Part (c) of `make conformance`, continued: google-genai in Vertex AI mode against the emulator's Vertex flavour.

The client authenticates as google-genai users do on Vertex: service-account credentials from a key file's
content (`service_account_info`), refreshed by google-auth against the emulator's token endpoint; and in express
mode, with a Vertex API key on the project-less paths.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from google import genai
from google.genai import types
from pydantic import BaseModel

from langchain_gemini.testing import Fault, GeminiEmulator
from tests.google_auth_transport import service_account_credentials

FLASH = "gemini-2.5-flash"
GEMINI_3 = "gemini-3-flash-preview"
PROJECT = "conformance-project"
LOCATION = "europe-west4"


class Weather(BaseModel):
    city: str
    celsius: int


def get_weather(city: str) -> str:
    """Weather in a city."""
    return f"sunny in {city}"


@pytest.fixture
def credentials(gemini: GeminiEmulator) -> Any:
    """Fresh credentials per test: a test that expires every token must not affect the next one."""
    return service_account_credentials(gemini.service_account_info(PROJECT))


@pytest.fixture(params=["v1beta1", "v1"])
def vertex(request: pytest.FixtureRequest, gemini: GeminiEmulator, credentials: Any) -> Iterator[genai.Client]:
    gemini.reset()
    options = types.HttpOptions(base_url=gemini.base_url, api_version=request.param)
    with genai.Client(
        vertexai=True, project=PROJECT, location=LOCATION, credentials=credentials, http_options=options
    ) as sdk:
        yield sdk


@pytest.fixture
def beta1(gemini: GeminiEmulator, credentials: Any) -> Iterator[genai.Client]:
    gemini.reset()
    options = types.HttpOptions(base_url=gemini.base_url)
    with genai.Client(
        vertexai=True, project=PROJECT, location=LOCATION, credentials=credentials, http_options=options
    ) as sdk:
        yield sdk


def run(sdk: genai.Client, coroutine: Any) -> Any:
    """Run on a fresh event loop, closing the SDK's async connections before the loop goes."""

    async def closing() -> Any:
        try:
            return await coroutine
        finally:
            await sdk.aio.aclose()

    return asyncio.run(closing())


def _prefix(gemini: GeminiEmulator, version: str = "v1beta1") -> str:
    return f"/{version}/projects/{PROJECT}/locations/{LOCATION}/publishers/google/models"


def test_generate(vertex: genai.Client, gemini: GeminiEmulator) -> None:
    response = vertex.models.generate_content(model=FLASH, contents="Hello Vertex")
    assert (response.text or "").startswith('Emulated reply to "Hello Vertex"')
    assert response.usage_metadata is not None
    assert response.usage_metadata.prompt_token_count == 3
    assert response.usage_metadata.traffic_type == types.TrafficType.ON_DEMAND
    assert response.create_time is not None
    sent = gemini.requests[-1]
    version = vertex._api_client._http_options.api_version
    assert sent.path == f"{_prefix(gemini, version or '')}/{FLASH}:generateContent"
    assert sent.headers["authorization"].startswith("Bearer ya29.")


def test_generate_async(vertex: genai.Client) -> None:
    async def go() -> types.GenerateContentResponse:
        return await vertex.aio.models.generate_content(model=FLASH, contents="Hello async")

    assert (run(vertex, go()).text or "").startswith('Emulated reply to "Hello async"')


def test_stream(vertex: genai.Client, gemini: GeminiEmulator) -> None:
    chunks = list(vertex.models.generate_content_stream(model=FLASH, contents="Stream please"))
    assert len(chunks) == 4
    assert "".join(c.text or "" for c in chunks).startswith('Emulated reply to "Stream please"')
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP  # type: ignore[index]
    assert gemini.requests[-1].query == {"alt": "sse"}


def test_stream_async(vertex: genai.Client) -> None:
    async def go() -> list[types.GenerateContentResponse]:
        return [c async for c in await vertex.aio.models.generate_content_stream(model=FLASH, contents="Hi")]

    chunks = run(vertex, go())
    assert chunks[-1].usage_metadata is not None


def test_count_tokens_with_system_instruction(vertex: genai.Client, gemini: GeminiEmulator) -> None:
    config = types.CountTokensConfig(system_instruction="Be brief.")
    response = vertex.models.count_tokens(model=FLASH, contents="Hello, world!", config=config)
    assert response.total_tokens == 7
    assert gemini.requests[-1].json["systemInstruction"] == {"parts": [{"text": "Be brief."}], "role": "user"}


def test_count_tokens_async(vertex: genai.Client) -> None:
    async def go() -> types.CountTokensResponse:
        return await vertex.aio.models.count_tokens(model=FLASH, contents="Hello, world!")

    assert run(vertex, go()).total_tokens == 4


def test_embed_one_and_many(beta1: genai.Client, gemini: GeminiEmulator) -> None:
    config = types.EmbedContentConfig(task_type="RETRIEVAL_DOCUMENT", title="Pets", output_dimensionality=256)
    one = beta1.models.embed_content(model="gemini-embedding-001", contents="a cat", config=config)
    assert gemini.requests[-1].action == "embedContent"
    assert [len(e.values or ()) for e in one.embeddings or ()] == [256]
    assert one.embeddings[0].statistics is not None  # type: ignore[index]
    assert one.embeddings[0].statistics.token_count == 3  # type: ignore[index, union-attr] # "a cat" and the title
    many = beta1.models.embed_content(model="gemini-embedding-001", contents=["a cat", "a dog"], config=config)
    assert gemini.requests[-1].action == "batchEmbedContents"
    assert [len(e.values or ()) for e in many.embeddings or ()] == [256, 256]
    assert many.embeddings[0].values == one.embeddings[0].values  # type: ignore[index]


def test_embed_async(beta1: genai.Client) -> None:
    async def go() -> types.EmbedContentResponse:
        return await beta1.aio.models.embed_content(model="gemini-embedding-2", contents="a cat")

    embeddings = run(beta1, go()).embeddings
    assert [len(e.values or ()) for e in embeddings or ()] == [3072]


def test_models_get(beta1: genai.Client, gemini: GeminiEmulator) -> None:
    model = beta1.models.get(model=FLASH)
    assert model.name == f"publishers/google/models/{FLASH}"
    assert model.version == "default"
    assert gemini.requests[-1].path == f"/v1beta1/publishers/google/models/{FLASH}"


@pytest.mark.parametrize("model", [FLASH, GEMINI_3])
def test_function_calling_round_trip(beta1: genai.Client, model: str) -> None:
    config = types.GenerateContentConfig(
        tools=[get_weather], automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True)
    )
    first = beta1.models.generate_content(model=model, contents="What is the weather in 'Paris'?", config=config)
    assert first.function_calls
    call = first.function_calls[0]
    assert (call.name, call.args) == ("get_weather", {"city": "Paris"})
    history = [
        types.Content(role="user", parts=[types.Part(text="What is the weather in 'Paris'?")]),
        first.candidates[0].content,  # type: ignore[index]
        types.Content(
            role="user", parts=[types.Part.from_function_response(name="get_weather", response={"result": "sunny"})]
        ),
    ]
    second = beta1.models.generate_content(model=model, contents=history, config=config)
    assert second.text
    assert not second.function_calls


def test_automatic_function_calling_async(beta1: genai.Client) -> None:
    config = types.GenerateContentConfig(tools=[get_weather])

    async def go() -> types.GenerateContentResponse:
        return await beta1.aio.models.generate_content(model=FLASH, contents="Weather in 'Rome'?", config=config)

    response = run(beta1, go())
    assert response.text
    assert response.automatic_function_calling_history


@pytest.mark.parametrize("model", [FLASH, GEMINI_3])
def test_structured_output(beta1: genai.Client, model: str) -> None:
    config = types.GenerateContentConfig(response_mime_type="application/json", response_schema=Weather)
    response = beta1.models.generate_content(model=model, contents="Weather in Oslo", config=config)
    assert isinstance(response.parsed, Weather)


def test_vertex_only_settings(beta1: genai.Client, gemini: GeminiEmulator) -> None:
    config = types.GenerateContentConfig(labels={"team": "research"}, audio_timestamp=True)
    assert beta1.models.generate_content(model=FLASH, contents="hi", config=config).text
    sent = gemini.requests[-1].json
    assert sent["labels"] == {"team": "research"}
    assert sent["generationConfig"]["audioTimestamp"] is True


def test_gs_uri_media(beta1: genai.Client) -> None:
    part = types.Part.from_uri(file_uri="gs://bucket/cat.png", mime_type="image/png")
    assert beta1.models.generate_content(model=FLASH, contents=[part, "What is this?"]).text


def test_errors_parse(beta1: genai.Client) -> None:
    with pytest.raises(genai.errors.ClientError) as error:
        beta1.models.generate_content(model="gemini-9", contents="hi")
    assert (error.value.code, error.value.status) == (404, "NOT_FOUND")
    assert "Publisher Model `projects/conformance-project/locations/europe-west4/" in (error.value.message or "")
    with pytest.raises(genai.errors.ClientError) as error:
        beta1.models.generate_content(model=FLASH, contents="hi", config={"labels": {"Team": "x"}})
    assert (error.value.code, error.value.status) == (400, "INVALID_ARGUMENT")


def test_quota_errors_parse(beta1: genai.Client, gemini: GeminiEmulator) -> None:
    gemini.inject(Fault(status=429, retry_delay="3s"))
    with pytest.raises(genai.errors.ClientError) as error:
        beta1.models.generate_content(model=FLASH, contents="hi")
    assert (error.value.code, error.value.status) == (429, "RESOURCE_EXHAUSTED")
    assert (error.value.message or "").startswith("Resource exhausted. Please try again later.")


def test_an_expired_token_is_a_401_then_fresh_credentials_work(gemini: GeminiEmulator) -> None:
    gemini.reset()
    credentials = service_account_credentials(gemini.service_account_info(PROJECT))
    options = types.HttpOptions(base_url=gemini.base_url)
    with genai.Client(
        vertexai=True, project=PROJECT, location=LOCATION, credentials=credentials, http_options=options
    ) as sdk:
        assert sdk.models.generate_content(model=FLASH, contents="hi").text
        gemini.expire_tokens()  # google-auth still holds a token it believes valid for an hour
        with pytest.raises(genai.errors.ClientError) as error:
            sdk.models.generate_content(model=FLASH, contents="hi")
        assert (error.value.code, error.value.status) == (401, "UNAUTHENTICATED")
        credentials.expiry = None  # what a server-side revocation leaves a client to do: refresh
        credentials.token = None
        assert sdk.models.generate_content(model=FLASH, contents="hi").text
    assert gemini.stats.token_requests == 2


def test_express_mode(gemini: GeminiEmulator) -> None:
    gemini.reset()
    options = types.HttpOptions(base_url=gemini.base_url)
    with genai.Client(vertexai=True, api_key="express-key", http_options=options) as sdk:
        assert sdk.models.generate_content(model=FLASH, contents="hi").text
        assert sdk.models.count_tokens(model=FLASH, contents="hi").total_tokens == 1

        async def go() -> list[types.GenerateContentResponse]:
            return [c async for c in await sdk.aio.models.generate_content_stream(model=FLASH, contents="hi")]

        assert run(sdk, go())[-1].candidates[0].finish_reason == types.FinishReason.STOP  # type: ignore[index]
    sent = gemini.requests[0]
    assert sent.path == f"/v1beta1/publishers/google/models/{FLASH}:generateContent"
    assert sent.headers["x-goog-api-key"] == "express-key"
    assert "authorization" not in sent.headers
    assert gemini.stats.token_requests == 0


def test_files_are_not_offered_on_vertex(beta1: genai.Client) -> None:
    with pytest.raises(ValueError, match="only supported in Gemini Developer API mode"):
        beta1.files.list()


def test_embed_with_a_text_embedding_model_uses_predict(beta1: genai.Client, gemini: GeminiEmulator) -> None:
    config = types.EmbedContentConfig(task_type="RETRIEVAL_DOCUMENT", title="Pets", output_dimensionality=256)
    response = beta1.models.embed_content(model="text-embedding-005", contents=["a cat", "a dog"], config=config)
    assert gemini.requests[-1].action == "predict"
    assert gemini.requests[-1].json["instances"][0] == {
        "content": "a cat",
        "task_type": "RETRIEVAL_DOCUMENT",
        "title": "Pets",
    }
    assert [len(e.values or ()) for e in response.embeddings or ()] == [256, 256]
    assert [e.statistics.token_count for e in response.embeddings or ()] == [2, 2]  # type: ignore[union-attr]
    assert response.metadata is not None
    assert response.metadata.billable_character_count == 10


# -- context caches: google-genai's `client.caches.*` on Vertex AI ----------------------------------------------------

CACHE_DOC = "The quick brown fox jumps over the lazy dog. " * 1000  # 11,250 emulator tokens
CACHED = 11250 + 7  # and the system instruction (25 characters)


def test_caches_lifecycle_and_generate_with_a_cache(vertex: genai.Client, gemini: GeminiEmulator) -> None:
    from langchain_gemini.testing._vertex_caches import project_number

    config = types.CreateCachedContentConfig(
        contents=[CACHE_DOC], system_instruction="Answer from the document.", ttl="300s", display_name="doc"
    )
    cache = vertex.caches.create(model=FLASH, config=config)
    version = vertex._api_client._http_options.api_version
    create = gemini.requests[-1]
    assert (create.method, create.path) == (
        "POST",
        f"/{version}/projects/{PROJECT}/locations/{LOCATION}/cachedContents",
    )
    assert create.json["model"] == f"projects/{PROJECT}/locations/{LOCATION}/publishers/google/models/{FLASH}"
    parent = f"projects/{project_number(PROJECT)}/locations/{LOCATION}"
    assert (cache.name or "").startswith(f"{parent}/cachedContents/")
    assert cache.model == f"{parent}/publishers/google/models/{FLASH}"
    assert cache.usage_metadata is not None
    assert cache.usage_metadata.total_token_count == CACHED
    assert vertex.caches.get(name=cache.name or "").expire_time == cache.expire_time
    assert [c.name for c in vertex.caches.list(config={"page_size": 1})] == [cache.name]
    updated = vertex.caches.update(name=cache.name or "", config=types.UpdateCachedContentConfig(ttl="600s"))
    assert updated.expire_time is not None
    assert cache.expire_time is not None
    assert updated.expire_time > cache.expire_time

    answer = vertex.models.generate_content(
        model=FLASH, contents="What does the fox do?", config=types.GenerateContentConfig(cached_content=cache.name)
    )
    assert answer.usage_metadata is not None
    assert answer.usage_metadata.cached_content_token_count == CACHED
    assert gemini.requests[-1].json["cachedContent"] == cache.name
    # google-genai completes a short name with the project *id*: the same cache.
    short = (cache.name or "").rsplit("/", 1)[-1]
    again = vertex.models.generate_content(
        model=FLASH, contents="And the dog?", config=types.GenerateContentConfig(cached_content=short)
    )
    assert again.usage_metadata is not None
    assert again.usage_metadata.cached_content_token_count == CACHED

    vertex.caches.delete(name=cache.name or "")
    assert list(vertex.caches.list()) == []


def test_caches_async(beta1: genai.Client, gemini: GeminiEmulator) -> None:
    async def go() -> list[str | None]:
        config = types.CreateCachedContentConfig(contents=[CACHE_DOC], ttl="120s")
        cache = await beta1.aio.caches.create(model=FLASH, config=config)
        names = [c.name async for c in await beta1.aio.caches.list()]
        await beta1.aio.caches.delete(name=cache.name or "")
        return [cache.name, *names]

    created, *listed = run(beta1, go())
    assert listed == [created]
    assert [r.action for r in gemini.requests] == ["createCachedContent", "listCachedContents", "deleteCachedContent"]
