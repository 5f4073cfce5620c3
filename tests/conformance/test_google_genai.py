"""google-genai (Google's SDK, the emulator's second judge) pointed at the emulator, sync and async.

Every request it sends must be accepted and every answer must parse into the objects it documents.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from typing import Any

import pytest
from google import genai
from google.genai import types
from pydantic import BaseModel

from langchain_gemini.testing import GeminiEmulator
from tests.conformance.conftest import KEY

FLASH = "gemini-2.5-flash"
GEMINI_3 = "gemini-3-flash-preview"


class Weather(BaseModel):
    city: str
    celsius: int


def get_weather(city: str) -> str:
    """Weather in a city."""
    return f"sunny in {city}"


@pytest.fixture(params=["v1beta", "v1"])
def client(request: pytest.FixtureRequest, gemini: GeminiEmulator) -> Iterator[genai.Client]:
    gemini.reset()
    options = types.HttpOptions(base_url=gemini.base_url, api_version=request.param)
    with genai.Client(api_key=KEY, http_options=options) as sdk:
        yield sdk


@pytest.fixture
def beta(gemini: GeminiEmulator) -> Iterator[genai.Client]:
    gemini.reset()
    options = types.HttpOptions(base_url=gemini.base_url, api_version="v1beta")
    with genai.Client(api_key=KEY, http_options=options) as sdk:
        yield sdk


def run(sdk: genai.Client, coroutine: Any) -> Any:
    """Run on a fresh event loop, closing the SDK's async connections before the loop goes."""

    async def closing() -> Any:
        try:
            return await coroutine
        finally:
            await sdk.aio.aclose()

    return asyncio.run(closing())


def test_generate(client: genai.Client) -> None:
    response = client.models.generate_content(model=FLASH, contents="Say hello")
    assert response.text
    assert response.usage_metadata is not None
    assert response.usage_metadata.prompt_token_count
    assert response.candidates
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    assert response.model_version == FLASH


def test_generate_async(client: genai.Client) -> None:
    async def go() -> types.GenerateContentResponse:
        return await client.aio.models.generate_content(model=FLASH, contents="Say hello")

    assert run(client, go()).text


def test_stream(client: genai.Client) -> None:
    chunks = list(client.models.generate_content_stream(model=FLASH, contents="Tell a story"))
    assert len(chunks) > 1
    assert "".join(c.text or "" for c in chunks)
    assert chunks[-1].candidates
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP


def test_stream_async(client: genai.Client) -> None:
    async def go() -> list[types.GenerateContentResponse]:
        stream = await client.aio.models.generate_content_stream(model=FLASH, contents="Tell a story")
        return [chunk async for chunk in stream]

    chunks = run(client, go())
    assert len(chunks) > 1
    assert chunks[-1].usage_metadata is not None


def test_count_tokens(client: genai.Client) -> None:
    assert client.models.count_tokens(model=FLASH, contents="Hello, world!").total_tokens


def test_count_tokens_async(client: genai.Client) -> None:
    async def go() -> types.CountTokensResponse:
        return await client.aio.models.count_tokens(model=FLASH, contents="Hello, world!")

    assert run(client, go()).total_tokens


@pytest.mark.parametrize("model", ["gemini-embedding-001", "gemini-embedding-2"])
def test_embed(beta: genai.Client, model: str) -> None:
    config = types.EmbedContentConfig(task_type="RETRIEVAL_QUERY", output_dimensionality=768)
    # For multimodal embedders the SDK merges a list of strings into one content; Content objects stay separate.
    contents = [types.Content(parts=[types.Part(text=text)]) for text in ("a cat", "a dog")]
    response = beta.models.embed_content(model=model, contents=contents, config=config)
    assert response.embeddings
    assert [len(e.values or ()) for e in response.embeddings] == [768, 768]


def test_embed_async(beta: genai.Client) -> None:
    async def go() -> types.EmbedContentResponse:
        return await beta.aio.models.embed_content(model="gemini-embedding-001", contents="a cat")

    embeddings = run(beta, go()).embeddings
    assert embeddings
    assert len(embeddings[0].values or ()) == 3072


def test_models_get_and_list(client: genai.Client) -> None:
    model = client.models.get(model=GEMINI_3)
    assert model.input_token_limit == 1_048_576
    assert model.output_token_limit == 65_536
    names = [m.name for m in client.models.list()]
    assert f"models/{GEMINI_3}" in names
    assert "models/gemini-embedding-2" in names


def test_models_async(client: genai.Client) -> None:
    async def go() -> list[str]:
        pager = await client.aio.models.list()
        return [m.name or "" async for m in pager]

    assert "models/gemini-2.5-pro" in run(client, go())


def test_files_lifecycle(beta: genai.Client) -> None:
    uploaded = beta.files.upload(file=io.BytesIO(b"hello file"), config={"mime_type": "text/plain"})
    assert uploaded.name
    assert uploaded.state == types.FileState.ACTIVE
    assert beta.files.get(name=uploaded.name).size_bytes == 10
    assert uploaded.name in [f.name for f in beta.files.list()]
    answer = beta.models.generate_content(model=FLASH, contents=[uploaded, "Summarise"])
    assert answer.text
    beta.files.delete(name=uploaded.name)
    with pytest.raises(genai.errors.ClientError) as error:
        beta.files.get(name=uploaded.name)
    assert error.value.code == 403


def test_files_async(beta: genai.Client) -> None:
    async def go() -> types.File:
        uploaded = await beta.aio.files.upload(file=io.BytesIO(b"%PDF-1.4 x"), config={"mime_type": "application/pdf"})
        assert uploaded.name
        got = await beta.aio.files.get(name=uploaded.name)
        await beta.aio.files.delete(name=uploaded.name)
        return got

    assert run(beta, go()).mime_type == "application/pdf"


@pytest.mark.parametrize("model", [FLASH, GEMINI_3])
def test_function_calling_round_trip(beta: genai.Client, model: str) -> None:
    config = types.GenerateContentConfig(
        tools=[get_weather], automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True)
    )
    first = beta.models.generate_content(model=model, contents="What is the weather in 'Paris'?", config=config)
    assert first.function_calls
    assert first.function_calls[0].name == "get_weather"
    call = first.function_calls[0]
    history = [
        types.Content(role="user", parts=[types.Part(text="What is the weather in 'Paris'?")]),
        first.candidates[0].content,  # type: ignore[index]
        types.Content(
            role="user",
            parts=[types.Part.from_function_response(name=call.name or "", response={"result": "sunny"})],
        ),
    ]
    second = beta.models.generate_content(model=model, contents=history, config=config)
    assert second.text
    assert not second.function_calls


def test_automatic_function_calling(beta: genai.Client) -> None:
    response = beta.models.generate_content(
        model=FLASH, contents="What is the weather in 'Rome'?", config=types.GenerateContentConfig(tools=[get_weather])
    )
    assert response.text
    assert response.automatic_function_calling_history


def test_forced_function_call_async(beta: genai.Client) -> None:
    config = types.GenerateContentConfig(
        tools=[get_weather],
        tool_config=types.ToolConfig(function_calling_config=types.FunctionCallingConfig(mode="ANY")),
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )

    async def go() -> types.GenerateContentResponse:
        return await beta.aio.models.generate_content(model=FLASH, contents="hi", config=config)

    assert run(beta, go()).function_calls


@pytest.mark.parametrize("model", [FLASH, GEMINI_3])
def test_structured_output(beta: genai.Client, model: str) -> None:
    config = types.GenerateContentConfig(response_mime_type="application/json", response_schema=Weather)
    response = beta.models.generate_content(model=model, contents="Weather in Oslo", config=config)
    assert isinstance(response.parsed, Weather)


def test_structured_output_json_schema(beta: genai.Client) -> None:
    config = types.GenerateContentConfig(
        response_mime_type="application/json", response_json_schema=Weather.model_json_schema()
    )
    response = beta.models.generate_content(model=GEMINI_3, contents="Weather in Oslo", config=config)
    assert Weather.model_validate_json(response.text or "")


@pytest.mark.parametrize(
    ("model", "thinking"),
    [
        (FLASH, types.ThinkingConfig(thinking_budget=1024, include_thoughts=True)),
        (GEMINI_3, types.ThinkingConfig(thinking_level=types.ThinkingLevel.LOW, include_thoughts=True)),
    ],
)
def test_thinking(beta: genai.Client, model: str, thinking: types.ThinkingConfig) -> None:
    config = types.GenerateContentConfig(thinking_config=thinking)
    response = beta.models.generate_content(model=model, contents="Why is the sky blue?", config=config)
    parts = response.candidates[0].content.parts  # type: ignore[index, union-attr]
    assert parts
    assert any(p.thought for p in parts)
    assert response.text
    assert response.usage_metadata is not None
    assert response.usage_metadata.thoughts_token_count


def test_chat_multi_turn(beta: genai.Client) -> None:
    chat = beta.chats.create(model=GEMINI_3)
    assert chat.send_message("hi").text
    assert chat.send_message("and again").text
    assert len(chat.get_history()) == 4


def test_built_in_tools(beta: genai.Client) -> None:
    config = types.GenerateContentConfig(
        tools=[types.Tool(google_search=types.GoogleSearch()), types.Tool(code_execution=types.ToolCodeExecution())]
    )
    response = beta.models.generate_content(model=GEMINI_3, contents="Search and compute", config=config)
    assert response.candidates
    assert response.candidates[0].grounding_metadata is not None


def test_sdk_top_level_fields(beta: genai.Client) -> None:
    config = types.GenerateContentConfig(service_tier="flex", labels={"team": "a"})
    assert beta.models.generate_content(model=GEMINI_3, contents="hi", config=config).text


def test_errors_parse(beta: genai.Client) -> None:
    with pytest.raises(genai.errors.ClientError) as error:
        beta.models.generate_content(model="gemini-9", contents="hi")
    assert error.value.code == 404
    assert error.value.status == "NOT_FOUND"
