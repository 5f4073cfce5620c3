"""Vertex AI: backend choice, endpoints and paths, auth headers, token refresh, redaction and refusals (no sockets)."""

from __future__ import annotations

import asyncio
import json
import pickle
import subprocess
import sys
import threading
from typing import Any

import httpx
import pytest
from langchain_core.load import dumpd, dumps
from langchain_core.messages import HumanMessage

from langchain_gemini import ChatGemini, GeminiBatches, GeminiEmbeddings, GeminiFiles
from langchain_gemini.errors import (
    GeminiAuthenticationError,
    GeminiConnectionError,
    GeminiNotFoundError,
    GeminiPermissionDeniedError,
    GeminiResponseValidationError,
)
from tests.unit.fake_vertex import TOKEN_URI, FakeVertex, StubCredentials

MODEL = "gemini-2.5-flash"
REGIONAL = "https://us-central1-aiplatform.googleapis.com/v1beta1/projects/my-project/locations/us-central1"
GLOBAL = "https://aiplatform.googleapis.com/v1beta1/projects/my-project/locations/global"
EXPRESS_KEY = "AQ.express-mode-key-0123456789"
_ENV = (
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "GOOGLE_VERTEX_BASE_URL",
    "GOOGLE_GEMINI_BASE_URL",
    "GOOGLE_APPLICATION_CREDENTIALS",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)


# -- backend choice and endpoints -----------------------------------------------------------------------------------


def test_regional_paths_version_and_bearer_header() -> None:
    fake = FakeVertex()
    model = fake.chat(location="us-central1")
    assert model.invoke("hi").content == "ok"
    list(model.stream("hi"))
    assert model.get_num_tokens_from_messages([HumanMessage("hi")]) == 7
    generate, stream, count = fake.requests
    assert str(generate.url) == f"{REGIONAL}/publishers/google/models/{MODEL}:generateContent"
    assert str(stream.url) == f"{REGIONAL}/publishers/google/models/{MODEL}:streamGenerateContent?alt=sse"
    assert str(count.url) == f"{REGIONAL}/publishers/google/models/{MODEL}:countTokens"
    for request in fake.requests:
        assert request.headers["authorization"] == "Bearer ya29.fake-access-token-0001-abcdefghijklmnop"
        assert "x-goog-api-key" not in request.headers
    # Vertex AI's countTokens takes the request's fields, not a wrapped generateContentRequest.
    assert json.loads(count.content) == {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    assert fake.token_requests == 1


@pytest.mark.parametrize(
    ("location", "host"),
    [
        (None, "https://aiplatform.googleapis.com"),
        ("global", "https://aiplatform.googleapis.com"),
        ("europe-west4", "https://europe-west4-aiplatform.googleapis.com"),
        ("eu", "https://aiplatform.eu.rep.googleapis.com"),
        ("us", "https://aiplatform.us.rep.googleapis.com"),
    ],
)
def test_location_picks_the_host_as_google_genai_does(location: str | None, host: str) -> None:
    fake = FakeVertex()
    model = fake.chat(location=location)
    model.invoke("hi")
    where = location or "global"
    assert model.location == where
    assert str(fake.requests[0].url) == (
        f"{host}/v1beta1/projects/my-project/locations/{where}/publishers/google/models/{MODEL}:generateContent"
    )


def test_express_mode_sends_the_key_on_publisher_paths() -> None:
    fake = FakeVertex()
    model = fake.chat(api_key=EXPRESS_KEY, project=None)
    model.invoke("hi")
    request = fake.requests[0]
    assert (
        str(request.url)
        == f"https://aiplatform.googleapis.com/v1beta1/publishers/google/models/{MODEL}:generateContent"
    )
    assert request.headers["x-goog-api-key"] == EXPRESS_KEY
    assert "authorization" not in request.headers
    assert fake.token_requests == 0
    assert (model.project, model.location) == (None, None)


def test_a_project_wins_over_an_api_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    # langchain-google-genai's "Vertex AI with API key" example (api_key, project, vertexai=True) ends up on the
    # project with credentials there too; Vertex AI refuses API keys on project paths.
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(_service_account_info("sa-project")))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    fake = FakeVertex()
    model = ChatGemini(model=MODEL, vertexai=True, api_key=EXPRESS_KEY, project="my-project", **fake.clients())
    assert model.google_api_key is None
    model.invoke("hi")
    assert str(fake.requests[0].url).startswith(f"{GLOBAL}/publishers/google/models/")
    assert "x-goog-api-key" not in fake.requests[0].headers
    assert fake.requests[0].headers["authorization"].startswith("Bearer ya29.")
    assert EXPRESS_KEY not in repr(model)
    located = ChatGemini(model=MODEL, vertexai=True, api_key=EXPRESS_KEY, location="us-central1")
    assert (located.google_api_key, located.location) == (None, "us-central1")


def test_environment_selects_vertex_like_google_genai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "env-project")
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "asia-northeast1")
    monkeypatch.setenv("GOOGLE_API_KEY", "AIza-env-key-should-not-be-sent-000000")
    fake = FakeVertex()
    model = ChatGemini(model=MODEL, credentials=StubCredentials(), **fake.clients())
    model.invoke("hi")
    assert model.vertexai is True
    assert (model.project, model.location, model.google_api_key) == ("env-project", "asia-northeast1", None)
    request = fake.requests[0]
    assert str(request.url).startswith(
        "https://asia-northeast1-aiplatform.googleapis.com/v1beta1/projects/env-project/locations/asia-northeast1/"
    )
    assert "x-goog-api-key" not in request.headers


def test_environment_project_wins_over_an_environment_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "1")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "env-project")
    monkeypatch.setenv("GOOGLE_API_KEY", "AIza-env-key-should-not-be-sent-000000")
    model = ChatGemini(model=MODEL)
    assert (model.project, model.location, model.google_api_key) == ("env-project", "global", None)


def test_explicit_key_wins_over_the_environment_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "env-project")
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "us-central1")
    model = ChatGemini(model=MODEL, vertexai=True, api_key=EXPRESS_KEY)
    assert (model.project, model.location) == (None, None)
    assert model.base_url == "https://aiplatform.googleapis.com"


def test_environment_key_alone_is_express_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
    monkeypatch.setenv("GOOGLE_API_KEY", EXPRESS_KEY)
    model = ChatGemini(model=MODEL)
    assert model.google_api_key is not None
    assert (model.project, model.location) == (None, None)


def test_vertex_base_url_variable_and_explicit_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_VERTEX_BASE_URL", "https://vertex-proxy.example.com/")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "https://gemini-proxy.example.com")
    assert ChatGemini(model=MODEL, project="my-project").base_url == "https://vertex-proxy.example.com"
    assert ChatGemini(model=MODEL, project="my-project", base_url="http://127.0.0.1:9").base_url == "http://127.0.0.1:9"
    assert ChatGemini(model=MODEL, api_key="k" * 20).base_url == "https://gemini-proxy.example.com"


def test_explicit_api_version_wins() -> None:
    assert ChatGemini(model=MODEL, project="my-project", api_version="v1").api_version == "v1"
    assert ChatGemini(model=MODEL, project="my-project").api_version == "v1beta1"


def test_credentials_or_project_select_vertex_and_their_project_is_used() -> None:
    model = ChatGemini(model=MODEL, credentials=StubCredentials(project_id="from-credentials"))
    assert (model.vertexai, model.project) == (True, "from-credentials")
    assert ChatGemini(model=MODEL, project="my-project").vertexai is True
    assert ChatGemini(model=MODEL, api_key="k" * 20).vertexai is False


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"vertexai": False, "project": "my-project"}, "project: Vertex AI only"),
        ({"vertexai": True, "project": "My Project!"}, "project must be a Google Cloud project id"),
        ({"vertexai": True, "project": "my-project", "location": "us-central1.evil.com/x"}, "location must be"),
        ({"vertexai": True, "api_key": EXPRESS_KEY, "credentials": StubCredentials()}, "pass only one"),
    ],
)
def test_bad_backend_arguments_are_refused(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ChatGemini(model=MODEL, **kwargs)


def test_variable_false_keeps_the_developer_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "false")
    assert ChatGemini(model=MODEL, api_key="k" * 20).vertexai is False
    with pytest.raises(ValueError, match="credentials: Vertex AI only"):
        ChatGemini(model=MODEL, api_key="k" * 20, credentials=StubCredentials())


def test_langchain_google_genai_users_switch_by_renaming_the_class() -> None:
    """The constructor arguments of a ChatGoogleGenerativeAI user on Vertex reach the same endpoint with ChatGemini."""
    genai = pytest.importorskip("langchain_google_genai")
    credentials = StubCredentials(project_id="cred-project")
    arguments: dict[str, Any] = {
        "model": MODEL,
        "credentials": credentials,
        "project": "my-project",
        "location": "europe-west4",
        "temperature": 0.2,
        "max_output_tokens": 64,
        "max_retries": 1,
        "timeout": 30.0,
    }
    theirs = genai.ChatGoogleGenerativeAI(**arguments)
    api = theirs.client._api_client
    fake = FakeVertex()
    ours = ChatGemini(**arguments, **fake.clients())
    ours.invoke("hi")
    url = str(fake.requests[0].url)
    assert url.startswith(api._http_options.base_url.rstrip("/") + "/" + api._http_options.api_version + "/")
    assert url == (
        "https://europe-west4-aiplatform.googleapis.com/v1beta1/projects/my-project/locations/europe-west4"
        f"/publishers/google/models/{MODEL}:generateContent"
    )
    assert (api.project, api.location) == (ours.project, ours.location)
    assert json.loads(fake.requests[0].content)["generationConfig"] == {"temperature": 0.2, "maxOutputTokens": 64}
    embeddings = genai.GoogleGenerativeAIEmbeddings(
        model="gemini-embedding-001", credentials=credentials, project="p-123456"
    )
    ours_embeddings = GeminiEmbeddings(model="gemini-embedding-001", credentials=credentials, project="p-123456")
    assert embeddings.client._api_client.vertexai
    assert ours_embeddings.vertexai


def test_a_key_with_a_project_ends_where_langchain_google_genai_ends() -> None:
    genai = pytest.importorskip("langchain_google_genai")
    arguments = {"model": MODEL, "api_key": EXPRESS_KEY, "project": "my-project", "vertexai": True}
    api = genai.ChatGoogleGenerativeAI(**arguments).client._api_client
    ours = ChatGemini(**arguments)
    assert (api.api_key, api.project, api.location) == (None, "my-project", "global")
    assert (ours.google_api_key, ours.project, ours.location) == (None, "my-project", "global")


# -- auth: tokens, refresh, single flight ---------------------------------------------------------------------------


def test_quota_project_header_as_google_genai_sends_it() -> None:
    fake = FakeVertex()
    fake.chat(credentials=StubCredentials(quota_project_id="billing-project")).invoke("hi")
    assert fake.requests[0].headers["x-goog-user-project"] == "billing-project"


def test_token_is_reused_then_refreshed_before_it_expires() -> None:
    fake = FakeVertex()
    model = fake.chat()
    model.invoke("a")
    model.invoke("b")
    assert fake.token_requests == 1
    fake.token_lifetime = 2.0  # the next token lives 2 s: refreshed once half its life is gone
    model._client._tokens._credentials.expiry = None  # type: ignore[union-attr]
    model._client._tokens._credentials.token = None  # type: ignore[union-attr]
    model.invoke("c")
    assert fake.token_requests == 2


def test_a_401_refreshes_once_and_resends() -> None:
    fake = FakeVertex(refuse_next=1)
    model = fake.chat(max_retries=0)
    assert model.invoke("hi").content == "ok"
    first, second = fake.requests
    assert first.headers["authorization"] != second.headers["authorization"]
    assert fake.token_requests == 2


def test_a_second_401_is_an_authentication_error_without_the_token() -> None:
    fake = FakeVertex(refuse_next=5)
    model = fake.chat(max_retries=3)
    with pytest.raises(GeminiAuthenticationError) as caught:
        model.invoke("hi")
    assert len(fake.requests) == 2  # one resend with a new token, no retries of a 401
    assert caught.value.status == "UNAUTHENTICATED"


async def test_async_refresh_runs_in_a_worker_thread_once_for_many_requests() -> None:
    fake = FakeVertex()
    credentials = StubCredentials()
    model = fake.chat(credentials=credentials)
    answers = await model.abatch([f"q{i}" for i in range(20)])
    assert [answer.content for answer in answers] == ["ok"] * 20
    assert fake.token_requests == 1
    assert len(credentials.refresh_threads) == 1
    assert credentials.refresh_threads[0] is not threading.main_thread()
    # Every token stops being valid now: the 20 requests that meet a 401 share one refresh.
    fake.valid.clear()
    answers = await model.abatch([f"r{i}" for i in range(20)])
    assert [answer.content for answer in answers] == ["ok"] * 20
    assert fake.token_requests == 2
    await model.aclose()


def test_threads_share_one_refresh() -> None:
    fake = FakeVertex()
    model = fake.chat()
    answers = model.batch([f"q{i}" for i in range(12)], config={"max_concurrency": 12})
    assert [answer.content for answer in answers] == ["ok"] * 12
    assert fake.token_requests == 1


def test_token_endpoint_failure_is_a_package_error() -> None:
    fake = FakeVertex()

    def refuse(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URI:
            return httpx.Response(400, json={"error": "invalid_grant", "error_description": "Invalid JWT"})
        return fake.handler(request)

    model = ChatGemini(
        model=MODEL,
        project="my-project",
        credentials=StubCredentials(),
        http_client=httpx.Client(transport=httpx.MockTransport(refuse)),
    )
    with pytest.raises(GeminiAuthenticationError, match="could not get a Vertex AI access token"):
        model.invoke("hi")
    assert fake.requests == []


def test_service_account_key_file_through_adc(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """A real google-auth service account (RS256 JWT) found through GOOGLE_APPLICATION_CREDENTIALS."""
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(_service_account_info("sa-project")))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    seen: list[dict[str, list[str]]] = []
    fake = FakeVertex()

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URI:
            from urllib.parse import parse_qs

            seen.append(parse_qs(request.content.decode()))
        return fake.handler(request)

    model = ChatGemini(model=MODEL, vertexai=True, http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    assert model.invoke("hi").content == "ok"
    assert str(fake.requests[0].url).startswith(
        "https://aiplatform.googleapis.com/v1beta1/projects/sa-project/locations/global/"
    )
    assert seen[0]["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    header, claims, _ = seen[0]["assertion"][0].split(".")
    assert json.loads(_b64(header))["alg"] == "RS256"
    decoded = json.loads(_b64(claims))
    # google-auth signs for Google's token endpoint whatever the key file's token_uri (service_account.py).
    assert decoded["aud"] == "https://oauth2.googleapis.com/token"
    assert decoded["iss"] == "runner@sa-project.iam.gserviceaccount.com"
    assert decoded["scope"] == "https://www.googleapis.com/auth/cloud-platform"


def test_no_credentials_anywhere_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    model = ChatGemini(model=MODEL, project="my-project")
    with pytest.raises(ValueError, match="No Google credentials for Vertex AI"):
        model.invoke("hi")


# -- secrets: the token leaks nowhere -------------------------------------------------------------------------------


def test_current_and_previous_tokens_are_redacted_from_errors() -> None:
    fake = FakeVertex()
    model = fake.chat(max_retries=0)
    model.invoke("warm up")
    old = fake.requests[0].headers["authorization"].removeprefix("Bearer ")
    fake.refuse_next = 1  # the next call refreshes: `old` becomes the previous token
    model.invoke("refresh")
    new = fake.requests[-1].headers["authorization"].removeprefix("Bearer ")
    assert old != new
    echo = {"error": {"code": 404, "message": f"no model for {old} or {new}", "status": "NOT_FOUND"}}
    fake.answers.append(httpx.Response(404, json=echo))
    with pytest.raises(GeminiNotFoundError) as caught:
        model.invoke("hi")
    shown = repr(caught.value) + str(caught.value) + json.dumps(caught.value.body) + str(caught.value.args)
    assert old not in shown
    assert new not in shown
    assert "no model for *** or ***" in caught.value.message


def test_credentials_and_tokens_are_never_serialized_or_shown() -> None:
    fake = FakeVertex()
    credentials = StubCredentials()
    model = fake.chat(credentials=credentials)
    model.invoke("hi")
    token = credentials.token
    assert isinstance(token, str)
    for text in (repr(model), str(model), dumps(model), json.dumps(dumpd(model)), repr(model._client)):
        assert token not in text
        assert "StubCredentials" not in text
    assert "credentials" not in model.model_dump()
    pickled = pickle.dumps(ChatGemini(model=MODEL, project="my-project", credentials=credentials))
    assert b"StubCredentials" not in pickled
    copy = pickle.loads(pickled)
    assert copy.credentials is None
    with pytest.raises(ValueError, match="credentials are never pickled"):
        copy.invoke("hi")


def test_a_deep_copy_shares_the_credentials() -> None:
    import copy

    fake = FakeVertex()
    credentials = StubCredentials()
    model = fake.chat(credentials=credentials)
    clone = copy.deepcopy(model)
    assert clone.credentials is credentials
    clone.invoke("hi")
    model.invoke("hi")
    assert fake.token_requests == 1  # one identity, one token


def test_vertex_error_bodies_map_to_the_package_errors() -> None:
    fake = FakeVertex()
    body = {
        "error": {
            "code": 403,
            "message": "Permission 'aiplatform.endpoints.predict' denied on resource",
            "status": "PERMISSION_DENIED",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "IAM_PERMISSION_DENIED"}],
        }
    }
    fake.answers.append(httpx.Response(403, json=[body]))  # Vertex AI may wrap the status in a list
    with pytest.raises(GeminiPermissionDeniedError) as caught:
        fake.chat().invoke("hi")
    assert caught.value.status == "PERMISSION_DENIED"
    assert caught.value.status_code == 403


# -- what differs on Vertex AI --------------------------------------------------------------------------------------


def test_audio_timestamp_is_sent_on_vertex_and_refused_on_the_developer_api() -> None:
    fake = FakeVertex()
    fake.chat(audio_timestamp=True).invoke("hi")
    assert fake.bodies()[0]["generationConfig"] == {"audioTimestamp": True}
    developer = ChatGemini(model=MODEL, api_key="k" * 20, **fake.clients())
    with pytest.raises(ValueError, match="audio_timestamp: Vertex AI only; this model talks to the Gemini Developer"):
        developer.invoke("hi", audio_timestamp=True)
    assert len(fake.requests) == 1  # nothing sent


@pytest.mark.parametrize(("name", "value"), [("store", False), ("enable_enhanced_civic_answers", True)])
def test_developer_api_only_settings_are_refused_on_vertex(name: str, value: Any) -> None:
    fake = FakeVertex()
    with pytest.raises(ValueError, match=f"{name}: the Gemini Developer API only; this model talks to Vertex AI"):
        fake.chat(**{name: value}).invoke("hi")
    assert fake.requests == []


def test_no_server_side_tool_invocations_field_on_vertex() -> None:
    fake = FakeVertex()

    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    tools = [add, {"google_search": {}}]
    fake.chat(model="gemini-3-flash-preview").bind_tools(tools).invoke("hi")
    body = fake.bodies()[0]
    assert sorted(key for tool in body["tools"] for key in tool) == ["functionDeclarations", "googleSearch"]
    assert "toolConfig" not in body


@pytest.mark.parametrize(
    "labels",
    [{"Team": "search"}, {"team": "Search"}, {"1team": "a"}, {"": "a"}, {"t" * 64: "a"}, {"team": "v" * 64}],
)
def test_labels_are_checked_as_vertex_documents(labels: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="labels"):
        ChatGemini(model=MODEL, project="my-project", labels=labels)


def test_labels_reach_the_request() -> None:
    fake = FakeVertex()
    fake.chat(labels={"team": "search", "env": "prod-1", "café": "ü"}).invoke("hi")
    assert fake.bodies()[0]["labels"] == {"team": "search", "env": "prod-1", "café": "ü"}
    with pytest.raises(ValueError, match="at most 64"):
        ChatGemini(model=MODEL, project="my-project", labels={f"k{i}": "v" for i in range(65)})


def test_gs_uris_go_as_file_data() -> None:
    fake = FakeVertex()
    block = {"type": "file", "url": "gs://my-bucket/report.pdf", "mime_type": "application/pdf"}
    fake.chat().invoke([HumanMessage(content=[block, {"type": "text", "text": "sum up"}])])
    part = fake.bodies()[0]["contents"][0]["parts"][0]
    assert part == {"fileData": {"fileUri": "gs://my-bucket/report.pdf", "mimeType": "application/pdf"}}


def test_large_media_is_not_uploaded_on_vertex() -> None:
    fake = FakeVertex()
    block = {"type": "image", "base64": "A" * 28_000_000, "mime_type": "image/png"}
    with pytest.raises(ValueError, match="Vertex AI has no Files API"):
        fake.chat().invoke([HumanMessage(content=[block])])
    assert fake.requests == []


@pytest.mark.parametrize(
    "uri",
    ["files/abc123", "https://generativelanguage.googleapis.com/v1beta/files/abc123"],
)
async def test_files_api_references_are_refused_on_vertex(uri: str) -> None:
    fake = FakeVertex()
    block = {"type": "file", "url": uri, "mime_type": "application/pdf"}
    message = HumanMessage(content=[block, {"type": "text", "text": "sum up"}])
    with pytest.raises(ValueError, match=r"content\[0\]: a Files API file cannot be read by Vertex AI"):
        fake.chat().invoke([message])
    with pytest.raises(ValueError, match="gs:// URI"):
        await fake.chat().ainvoke([message])
    assert fake.requests == []


@pytest.mark.parametrize("cls", [GeminiFiles, GeminiBatches])
def test_developer_api_only_classes_refuse_vertex(cls: type[Any]) -> None:
    with pytest.raises(ValueError, match=f"{cls.__name__} does not support Vertex AI"):
        cls(vertexai=True, project="my-project", credentials=StubCredentials())


def test_embeddings_on_vertex() -> None:
    fake = FakeVertex()
    embeddings = fake.embeddings(location="us-central1", output_dimensionality=128, normalize=False)
    assert embeddings.embed_query("q") == [0.6, 0.8]
    assert embeddings.embed_documents(["a", "b"], titles=["T", None]) == [[0.6, 0.8], [0.6, 0.8]]
    query, documents = fake.requests
    base = f"{REGIONAL}/publishers/google/models/gemini-embedding-001"
    assert str(query.url) == f"{base}:embedContent?prettyPrint=false"
    assert str(documents.url) == f"{base}:batchEmbedContents?prettyPrint=false"
    assert json.loads(query.content) == {
        "content": {"parts": [{"text": "q"}]},
        "embedContentConfig": {"taskType": "RETRIEVAL_QUERY", "outputDimensionality": 128},
    }
    assert json.loads(documents.content) == {
        "requests": [
            {
                "content": {"parts": [{"text": "a"}]},
                "embedContentConfig": {"taskType": "RETRIEVAL_DOCUMENT", "title": "T", "outputDimensionality": 128},
            },
            {
                "content": {"parts": [{"text": "b"}]},
                "embedContentConfig": {"taskType": "RETRIEVAL_DOCUMENT", "outputDimensionality": 128},
            },
        ]
    }
    assert documents.headers["authorization"].startswith("Bearer ya29.")


async def test_embeddings_on_vertex_async() -> None:
    fake = FakeVertex()
    embeddings = fake.embeddings()
    assert await embeddings.aembed_documents(["a"]) == [[0.6, 0.8]]
    assert await embeddings.aembed_query("q") == [0.6, 0.8]
    assert fake.token_requests == 1
    await embeddings.aclose()


def test_text_embedding_models_use_predict_on_vertex() -> None:
    fake = FakeVertex()
    embeddings = fake.embeddings(model="text-embedding-005", output_dimensionality=256, normalize=False)
    assert embeddings.embed_documents(["a", "b"], titles=["T", None]) == [[0.6, 0.8], [0.8, 0.6]]
    assert embeddings.last_usage == {"input_tokens": 2, "output_tokens": 0, "total_tokens": 2}
    assert embeddings.embed_query("q") == [0.6, 0.8]
    documents, query = fake.requests
    base = f"{GLOBAL}/publishers/google/models/text-embedding-005"
    assert str(documents.url) == str(query.url) == f"{base}:predict?prettyPrint=false"
    assert json.loads(documents.content) == {
        "instances": [
            {"content": "a", "task_type": "RETRIEVAL_DOCUMENT", "title": "T"},
            {"content": "b", "task_type": "RETRIEVAL_DOCUMENT"},
        ],
        "parameters": {"outputDimensionality": 256},
    }
    assert json.loads(query.content) == {
        "instances": [{"content": "q", "task_type": "RETRIEVAL_QUERY"}],
        "parameters": {"outputDimensionality": 256},
    }


def test_a_short_predict_answer_is_a_validation_error() -> None:
    fake = FakeVertex()
    fake.answers.append(httpx.Response(200, json={"predictions": [{"embeddings": {"values": [1.0]}}]}))
    with pytest.raises(GeminiResponseValidationError, match="predict answered 1 predictions for 2 texts"):
        fake.embeddings(model="text-embedding-005").embed_documents(["a", "b"])


# -- import cost: google-auth only when Vertex credentials are used -------------------------------------------------


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)


def test_importing_the_package_and_express_mode_do_not_import_google() -> None:
    code = (
        "import sys\n"
        "import langchain_gemini\n"
        "from langchain_gemini import ChatGemini, GeminiEmbeddings\n"
        "print(sorted(name for name in sys.modules if 'vertex' in name and name.startswith('langchain_gemini')))\n"
        "m = ChatGemini(model='gemini-2.5-flash', vertexai=True, api_key='AQ.key-0123456789')\n"
        "m._client\n"
        "print(sorted(name for name in sys.modules if name == 'google' or name.startswith('google.')))\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr
    # Vertex AI's rules load with the first model built, google-auth only when credentials need a token.
    assert result.stdout.split("\n")[:2] == ["[]", "[]"]


def test_missing_google_auth_names_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['google.auth'] = None\n"
        "from langchain_gemini import ChatGemini\n"
        "m = ChatGemini(model='gemini-2.5-flash', project='my-project')\n"
        "try:\n"
        "    m.invoke('hi')\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert 'pip install "langchain-gemini-api[vertex]"' in result.stdout


# -- helpers --------------------------------------------------------------------------------------------------------


def _b64(segment: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _private_key_pem() -> str:
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:  # the lowest end of the matrix signs with `rsa`
        import rsa as pure_rsa  # type: ignore[import-not-found]

        _, private = pure_rsa.newkeys(1024)
        return str(private.save_pkcs1().decode())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


def _service_account_info(project: str) -> dict[str, str]:
    return {
        "type": "service_account",
        "project_id": project,
        "private_key_id": "key-1",
        "private_key": _private_key_pem(),
        "client_email": f"runner@{project}.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": TOKEN_URI,
    }


def test_event_loop_is_free_while_a_token_is_fetched() -> None:
    """The refresh blocks a worker thread, not the loop: a ticker keeps running while the token endpoint waits."""
    fake = FakeVertex()
    gate = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URI:
            assert gate.wait(10)
        return fake.handler(request)

    model = ChatGemini(
        model=MODEL,
        project="my-project",
        credentials=StubCredentials(),
        http_client=httpx.Client(transport=httpx.MockTransport(slow)),
        http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(fake.ahandler)),
    )

    async def main() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while not gate.is_set():
                ticks += 1
                if ticks == 5:
                    gate.set()  # only a running loop gets here: then the token endpoint answers
                await asyncio.sleep(0)

        answer, _ = await asyncio.gather(model.ainvoke("hi"), ticker())
        assert answer.content == "ok"
        await model.aclose()
        return ticks

    assert asyncio.run(main()) >= 5


def test_the_rest_client_takes_one_kind_of_auth() -> None:
    from pydantic import SecretStr

    from langchain_gemini._client import GeminiClient

    with pytest.raises(ValueError, match="exactly one of api_key and token_source"):
        GeminiClient(api_key=None)
    with pytest.raises(ValueError, match="api_key is empty"):
        GeminiClient(api_key=SecretStr("  "))


def test_a_token_endpoint_that_cannot_be_reached_is_retried(sleeps: list[float]) -> None:
    fake = FakeVertex()
    failures = [httpx.ConnectError("connection refused")]

    def flaky(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URI and failures:
            raise failures.pop()
        return fake.handler(request)

    model = ChatGemini(
        model=MODEL,
        project="my-project",
        credentials=StubCredentials(),
        max_retries=1,
        http_client=httpx.Client(transport=httpx.MockTransport(flaky)),
    )
    assert model.invoke("hi").content == "ok"
    assert len(sleeps) == 1  # one retry, after the token request failed
    assert fake.token_requests == 1
    failures.extend([httpx.ConnectError("down")] * 2)  # both attempts fail: the error is raised, mapped
    model._client._tokens._credentials.token = None  # type: ignore[union-attr]
    with pytest.raises(GeminiConnectionError, match="could not reach the token endpoint"):
        model.invoke("hi")


def test_a_redirect_from_the_token_endpoint_is_not_followed() -> None:
    fake = FakeVertex()
    elsewhere: list[httpx.Request] = []

    def redirecting(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URI:
            return httpx.Response(307, headers={"location": "https://attacker.test/token"})
        elsewhere.append(request)
        return fake.handler(request)

    model = ChatGemini(
        model=MODEL,
        project="my-project",
        credentials=StubCredentials(),
        http_client=httpx.Client(transport=httpx.MockTransport(redirecting)),
    )
    with pytest.raises(GeminiAuthenticationError, match="token endpoint answered 307"):
        model.invoke("hi")
    assert elsewhere == []  # neither the redirect target nor Vertex AI was asked
