"""google-genai parses the emulator's built-in tool answers and implicit cache hits into its documented types."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from google import genai
from google.genai import types

from langchain_gemini.testing import GeminiEmulator
from tests.conformance.conftest import KEY

GEMINI_3 = "gemini-3-flash-preview"
STORE = "fileSearchStores/handbook-7f3k"
PAGE = "https://docs.example.org/valves.html"
SERVER_SIDE = types.ToolConfig(include_server_side_tool_invocations=True)


@pytest.fixture
def sdk(gemini: GeminiEmulator) -> Iterator[genai.Client]:
    gemini.reset()
    options = types.HttpOptions(base_url=gemini.base_url, api_version="v1beta")
    with genai.Client(api_key=KEY, http_options=options) as client:
        yield client


def parts_of(response: types.GenerateContentResponse) -> list[types.Part]:
    assert response.candidates
    content = response.candidates[0].content
    assert content is not None
    assert content.parts
    return content.parts


def test_url_context_invocation_and_metadata(sdk: genai.Client) -> None:
    config = types.GenerateContentConfig(tools=[types.Tool(url_context=types.UrlContext())], tool_config=SERVER_SIDE)
    response = sdk.models.generate_content(model=GEMINI_3, contents=f"Summarise {PAGE}", config=config)
    call, result = parts_of(response)[:2]
    assert call.tool_call is not None
    assert result.tool_response is not None
    assert call.tool_call.tool_type == result.tool_response.tool_type == types.ToolType.URL_CONTEXT
    assert call.tool_call.args == {"urls": [PAGE]}
    assert result.tool_response.id == call.tool_call.id
    assert call.thought_signature
    assert response.candidates
    metadata = response.candidates[0].url_context_metadata
    assert metadata is not None
    assert metadata.url_metadata
    assert metadata.url_metadata[0].retrieved_url == PAGE
    assert metadata.url_metadata[0].url_retrieval_status == types.UrlRetrievalStatus.URL_RETRIEVAL_STATUS_SUCCESS
    grounding = response.candidates[0].grounding_metadata
    assert grounding is not None
    assert grounding.grounding_chunks
    assert grounding.grounding_chunks[0].web is not None
    assert grounding.grounding_chunks[0].web.uri == PAGE


def test_file_search_invocation_and_grounding(sdk: genai.Client) -> None:
    tool = types.Tool(file_search=types.FileSearch(file_search_store_names=[STORE]))
    config = types.GenerateContentConfig(tools=[tool], tool_config=SERVER_SIDE)
    response = sdk.models.generate_content(model=GEMINI_3, contents="Capital of France?", config=config)
    call, result = parts_of(response)[:2]
    assert call.tool_call is not None
    assert result.tool_response is not None
    assert call.tool_call.tool_type == result.tool_response.tool_type == types.ToolType.FILE_SEARCH
    assert response.candidates
    grounding = response.candidates[0].grounding_metadata
    assert grounding is not None
    assert grounding.grounding_chunks
    context = grounding.grounding_chunks[0].retrieved_context
    assert context is not None
    assert context.file_search_store == STORE


def test_numbered_code_runs(sdk: genai.Client) -> None:
    tool = types.Tool(code_execution=types.ToolCodeExecution())
    config = types.GenerateContentConfig(tools=[tool], tool_config=SERVER_SIDE)

    async def go() -> types.GenerateContentResponse:
        try:
            return await sdk.aio.models.generate_content(model=GEMINI_3, contents="What is 6 * 7?", config=config)
        finally:
            await sdk.aio.aclose()

    parts = parts_of(asyncio.run(go()))
    code = next(part.executable_code for part in parts if part.executable_code)
    result = next(part.code_execution_result for part in parts if part.code_execution_result)
    assert code.id
    assert result.id == code.id
    assert result.output == "42\n"


def test_google_maps_grounding_with_widget(sdk: genai.Client) -> None:
    config = types.GenerateContentConfig(
        tools=[types.Tool(google_maps=types.GoogleMaps(enable_widget=True))],
        tool_config=types.ToolConfig(
            retrieval_config=types.RetrievalConfig(lat_lng=types.LatLng(latitude=34.05, longitude=-118.25))
        ),
    )
    response = sdk.models.generate_content(model="gemini-2.5-flash", contents="Coffee near me?", config=config)
    assert response.candidates
    grounding = response.candidates[0].grounding_metadata
    assert grounding is not None
    assert grounding.google_maps_widget_context_token
    assert grounding.grounding_chunks
    place = grounding.grounding_chunks[0].maps
    assert place is not None
    assert place.place_id
    assert place.place_id.startswith("places/")
    assert place.uri
    assert place.title


def test_implicit_cache_hit(sdk: genai.Client) -> None:
    manual = "Section 7 says the valve must be closed before the pump starts. " * 130
    config = types.GenerateContentConfig(system_instruction=manual)
    sdk.models.generate_content(model="gemini-2.5-flash", contents="Which valve?", config=config)
    response = sdk.models.generate_content(model="gemini-2.5-flash", contents="And the pump?", config=config)
    usage = response.usage_metadata
    assert usage is not None
    assert usage.cached_content_token_count == 2080
    assert usage.cache_tokens_details == [types.ModalityTokenCount(modality=types.MediaModality.TEXT, token_count=2080)]
