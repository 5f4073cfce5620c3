"""Context caches on Vertex AI without a server: paths, full resource names, what ChatGemini sends, refusals."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from langchain_gemini import ChatGemini, GeminiCache, GeminiCaches
from langchain_gemini._base import resource_name
from langchain_gemini._caching import forget
from langchain_gemini.caches import cache_name
from tests.unit.fake_gemini import text_response
from tests.unit.fake_vertex import FakeVertex, StubCredentials

MODEL = "gemini-2.5-flash"
PARENT = "projects/my-project/locations/us-central1"
REGIONAL = f"https://us-central1-aiplatform.googleapis.com/v1beta1/{PARENT}"
# Vertex AI names a cache with the project *number* (cloud.google.com/vertex-ai/generative-ai/docs/context-cache/
# context-cache-use: `projects/PROJECT_NUMBER/locations/LOCATION/cachedContents/CACHE_ID`).
NAME = "projects/123456789012/locations/us-central1/cachedContents/4242424242"
RESOURCE = {
    "name": NAME,
    "model": f"projects/123456789012/locations/us-central1/publishers/google/models/{MODEL}",
    "createTime": "2026-01-01T00:00:00.000001Z",
    "updateTime": "2026-01-01T00:00:00.000001Z",
    "expireTime": "2026-01-01T01:00:00.000001Z",
    "usageMetadata": {"totalTokenCount": 4096},
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    forget(NAME)


def vertex_caches(fake: FakeVertex, **kwargs: Any) -> GeminiCaches:
    return GeminiCaches(
        **fake.clients(),
        vertexai=True,
        project="my-project",
        location="us-central1",
        credentials=StubCredentials(),
        model=MODEL,
        max_retries=0,
        **kwargs,
    )


def answer(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body)


def test_create_posts_to_the_project_collection_with_the_full_model_name() -> None:
    fake = FakeVertex(answers=[answer(RESOURCE)])
    cache = vertex_caches(fake).create([SystemMessage("Be brief."), HumanMessage("handbook")], ttl=600)
    (request,) = fake.requests
    assert (request.method, str(request.url)) == ("POST", f"{REGIONAL}/cachedContents")
    assert request.headers["authorization"].startswith("Bearer ya29.")
    assert json.loads(request.content) == {
        # google-genai's `t_caches_model`: Vertex AI caches take the model's full name
        "model": f"{PARENT}/publishers/google/models/{MODEL}",
        "contents": [{"role": "user", "parts": [{"text": "handbook"}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "ttl": "600s",
    }
    assert (cache.name, cache.model, cache.token_count) == (NAME, RESOURCE["model"], 4096)
    assert cache.system_instruction == {"parts": [{"text": "Be brief."}]}


@pytest.mark.parametrize(
    ("given", "path"),
    [
        ("4242424242", f"{PARENT}/cachedContents/4242424242"),
        ("cachedContents/4242424242", f"{PARENT}/cachedContents/4242424242"),
        (NAME, NAME),  # a full name is kept, project number and all
    ],
)
async def test_get_update_delete_address_the_full_name(given: str, path: str) -> None:
    fake = FakeVertex(answers=[answer(RESOURCE), answer(RESOURCE), answer({}), answer(RESOURCE), answer({})])
    caches = vertex_caches(fake)
    root = "https://us-central1-aiplatform.googleapis.com/v1beta1/"
    assert caches.get(given).name == NAME
    assert caches.update(given, ttl=120).name == NAME
    caches.delete(given)
    assert (await caches.aget(given)).name == NAME
    await caches.adelete(given)
    get, patch, delete, aget, adelete = fake.requests
    assert [(r.method, str(r.url)) for r in (get, delete, aget, adelete)] == [
        ("GET", root + path),
        ("DELETE", root + path),
        ("GET", root + path),
        ("DELETE", root + path),
    ]
    assert (patch.method, str(patch.url)) == ("PATCH", f"{root}{path}?updateMask=ttl")
    assert json.loads(patch.content) == {"ttl": "120s"}


async def test_list_pages_through_the_project_collection() -> None:
    second = {**RESOURCE, "name": NAME.replace("4242424242", "77")}
    fake = FakeVertex(
        answers=[
            answer({"cachedContents": [RESOURCE], "nextPageToken": "t1"}),
            answer({"cachedContents": [second]}),
            answer({"cachedContents": [RESOURCE]}),
        ]
    )
    caches = vertex_caches(fake)
    assert [c.name for c in caches.list(page_size=1)] == [NAME, second["name"]]
    assert [c.name async for c in caches.alist()] == [NAME]
    assert [str(r.url) for r in fake.requests] == [
        f"{REGIONAL}/cachedContents?pageSize=1",
        f"{REGIONAL}/cachedContents?pageSize=1&pageToken=t1",
        f"{REGIONAL}/cachedContents",
    ]


def test_from_model_on_vertex_shares_the_models_connection_and_project() -> None:
    fake = FakeVertex(answers=[answer(RESOURCE), answer(text_response("ok"))])
    model = fake.chat(location="us-central1")
    bound = model.with_cache([SystemMessage("Be brief."), HumanMessage("handbook")])
    assert bound.cached_content == NAME
    assert bound.invoke("question").text == "ok"
    create, generate = fake.requests
    assert str(create.url) == f"{REGIONAL}/cachedContents"
    assert str(generate.url) == f"{REGIONAL}/publishers/google/models/{MODEL}:generateContent"
    # Only what the cache does not hold, and the cache's full name.
    assert json.loads(generate.content) == {
        "contents": [{"role": "user", "parts": [{"text": "question"}]}],
        "cachedContent": NAME,
    }
    assert fake.token_requests == 1  # one token for both: the same client


def test_chat_sends_a_short_cache_name_in_full_on_vertex() -> None:
    fake = FakeVertex()
    model = fake.chat(location="us-central1", cached_content="cachedContents/abc")
    model.invoke("hi")
    assert json.loads(fake.requests[0].content)["cachedContent"] == f"{PARENT}/cachedContents/abc"
    model.invoke("hi", cached_content="xyz")
    assert json.loads(fake.requests[1].content)["cachedContent"] == f"{PARENT}/cachedContents/xyz"


def test_a_differing_system_message_is_refused_before_sending_on_vertex() -> None:
    fake = FakeVertex(answers=[answer(RESOURCE)])
    model = fake.chat(location="us-central1")
    bound = model.with_cache([SystemMessage("Be brief."), HumanMessage("handbook")])
    with pytest.raises(ValueError, match="system message differs from the cache's"):
        bound.invoke([SystemMessage("Be verbose."), HumanMessage("q")])
    with pytest.raises(ValueError, match=f"was created for {RESOURCE['model']}; this call uses models/gemini-2.5-pro"):
        bound.invoke("q", model="gemini-2.5-pro")
    assert len(fake.requests) == 1  # the create only


def test_express_mode_has_no_caches() -> None:
    with pytest.raises(ValueError, match=r"GeminiCaches: Vertex AI express mode .* has no context caches"):
        GeminiCaches(vertexai=True, api_key="AQ.express-key-0123456789")
    fake = FakeVertex()
    model = fake.chat(api_key="AQ.express-key-0123456789", project=None, cached_content="cachedContents/abc")
    with pytest.raises(ValueError, match=r"express mode .* has no context caches"):
        model.invoke("hi")
    with pytest.raises(ValueError, match=r"express mode .* has no context caches"):
        model.with_cache([HumanMessage("handbook")])
    assert fake.requests == []


def test_a_vertex_name_is_refused_on_the_developer_api_before_sending() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    transport = httpx.MockTransport(handler)
    caches = GeminiCaches(api_key="k", http_client=httpx.Client(transport=transport))
    with pytest.raises(ValueError, match="is a Vertex AI resource name, and this client talks to the Developer API"):
        caches.get(NAME)
    model = ChatGemini(model=MODEL, api_key="k", http_client=httpx.Client(transport=transport), cached_content=NAME)
    with pytest.raises(ValueError, match="is a Vertex AI resource name"):
        model.invoke("hi")
    assert seen == []


def test_cache_names_take_full_vertex_names() -> None:
    assert cache_name(NAME) == NAME
    assert cache_name("abc") == "cachedContents/abc"
    assert cache_name(GeminiCache.from_json(RESOURCE)) == NAME
    for bad in (
        "projects/p1/locations/us-central1/batches/abc",
        "projects/p1/cachedContents/abc",
        "projects/p1/locations/us-central1/cachedContents/a/b",
        "projects/P!/locations/us-central1/cachedContents/abc",
    ):
        with pytest.raises(ValueError, match="not a cache name"):
            cache_name(bad)
    # Other collections keep the short form only.
    with pytest.raises(ValueError, match="not a batch name"):
        resource_name("projects/p1/locations/l/batches/abc", "batches", "a batch name")


def test_a_malformed_vertex_name_in_an_answer_is_a_validation_error() -> None:
    from langchain_gemini import GeminiResponseValidationError

    with pytest.raises(GeminiResponseValidationError, match=r"CachedContent\.name"):
        GeminiCache.from_json({**RESOURCE, "name": "projects/1/locations/l/models/x"})
