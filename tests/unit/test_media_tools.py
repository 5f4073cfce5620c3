"""Media in tool results (sent as media, never stringified) and the media pre-pass of token counting."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from langchain_gemini import _media_fetch as fetch_module
from langchain_gemini._media_fetch import MediaFetchError
from langchain_gemini._to_gemini import nests_tool_media
from tests.fixtures import media
from tests.fixtures.fake_files import BASE, FakeFilesAPI
from tests.unit.fake_gemini import FakeGemini

PNG, JPEG, PDF, WAV = media.png(), media.jpeg(), media.pdf(), media.wav()
OLD, NEW = "gemini-2.5-flash", "gemini-3-pro-preview"


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def inline(data: bytes, mime: str) -> dict[str, Any]:
    return {"inlineData": {"mimeType": mime, "data": media.b64(data)}}


def history(*results: ToolMessage, calls: tuple[str, ...] = ("call-1",)) -> list[BaseMessage]:
    tool_calls = [{"name": f"tool_{i}", "args": {}, "id": call_id} for i, call_id in enumerate(calls)]
    return [HumanMessage("look"), AIMessage("", tool_calls=tool_calls), *results]


def tool_turn(messages: list[BaseMessage], model: str = OLD, how: str = "invoke") -> list[dict[str, Any]]:
    """Send `messages` and return the parts of the tool-result turn as they went over the wire."""
    fake = FakeGemini()
    chat = fake.model(model=model)
    if how == "invoke":
        chat.invoke(messages)
    elif how == "ainvoke":
        asyncio.run(chat.ainvoke(messages))
    else:
        fake.streams.append([{"candidates": [{"content": {"parts": [{"text": "ok"}]}, "finishReason": "STOP"}]}])
        list(chat.stream(messages))
    (body,) = fake.bodies()
    return body["contents"][2]["parts"]


# -- every media form, older models: sibling parts after the response ----------------------------------------

TOOL_FORMS = [
    pytest.param(
        {"type": "image", "base64": media.b64(PNG), "mime_type": "image/png"}, inline(PNG, "image/png"), id="v1"
    ),
    pytest.param(
        {"type": "image_url", "image_url": {"url": media.data_url(JPEG, "image/jpeg")}},
        inline(JPEG, "image/jpeg"),
        id="openai-image-url",
    ),
    pytest.param(
        {"type": "image_url", "image_url": media.data_url(PNG, "image/png")},
        inline(PNG, "image/png"),
        id="image-url-str",
    ),
    pytest.param(
        {"type": "file", "base64": media.b64(PDF), "mime_type": "application/pdf"},
        inline(PDF, "application/pdf"),
        id="v1-pdf",
    ),
    pytest.param(
        {"type": "file", "file": {"file_data": media.data_url(PDF, "application/pdf"), "filename": "a.pdf"}},
        inline(PDF, "application/pdf"),
        id="openai-file",
    ),
    pytest.param(
        {"type": "audio", "base64": media.b64(WAV), "mime_type": "audio/wav"}, inline(WAV, "audio/wav"), id="audio"
    ),
    pytest.param(
        {"type": "input_audio", "input_audio": {"data": media.b64(WAV), "format": "wav"}},
        inline(WAV, "audio/wav"),
        id="input-audio",
    ),
    pytest.param(
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": media.b64(PNG)}},
        inline(PNG, "image/png"),
        id="anthropic",
    ),
    pytest.param(
        {"type": "media", "data": media.b64(PNG), "mime_type": "image/png"}, inline(PNG, "image/png"), id="media"
    ),
    pytest.param(
        {"type": "file", "file_id": f"{BASE}/v1beta/files/abc", "mime_type": "application/pdf"},
        {"fileData": {"fileUri": f"{BASE}/v1beta/files/abc", "mimeType": "application/pdf"}},
        id="file-id",
    ),
]


@pytest.mark.parametrize(("block", "part"), TOOL_FORMS)
@pytest.mark.parametrize("how", ["invoke", "ainvoke", "stream"])
def test_media_in_a_tool_result_is_sent_as_a_sibling_part_on_older_models(
    block: dict[str, Any], part: dict[str, Any], how: str
) -> None:
    parts = tool_turn(history(ToolMessage([block], tool_call_id="call-1")), how=how)
    assert parts == [{"functionResponse": {"name": "tool_0", "id": "call-1", "response": {}}}, part]


@pytest.mark.parametrize(("block", "part"), TOOL_FORMS)
def test_images_and_documents_nest_in_function_response_parts_on_gemini_3(
    block: dict[str, Any], part: dict[str, Any]
) -> None:
    parts = tool_turn(history(ToolMessage([block], tool_call_id="call-1")), model=NEW)
    mime = part.get("inlineData", {}).get("mimeType")
    if mime in {"image/png", "image/jpeg", "application/pdf"}:
        assert parts == [{"functionResponse": {"name": "tool_0", "id": "call-1", "response": {}, "parts": [part]}}]
    else:  # audio and file references are not function-response media: beside the response, not dropped
        assert parts == [{"functionResponse": {"name": "tool_0", "id": "call-1", "response": {}}}, part]


def test_parts_with_part_level_fields_are_not_nested() -> None:
    signed = {"type": "image", "base64": media.b64(PNG), "mime_type": "image/png", "extras": {"signature": "sig"}}
    low = {"type": "image", "base64": media.b64(JPEG), "mime_type": "image/jpeg", "media_resolution": "low"}
    parts = tool_turn(history(ToolMessage([signed, low], tool_call_id="call-1")), model=NEW)
    assert "parts" not in parts[0]["functionResponse"]
    assert parts[1] == {**inline(PNG, "image/png"), "thoughtSignature": "sig"}
    assert parts[2] == {**inline(JPEG, "image/jpeg"), "mediaResolution": {"level": "MEDIA_RESOLUTION_LOW"}}


# -- text next to media goes into the JSON response ----------------------------------------------------------

IMAGE = {"type": "image", "base64": media.b64(PNG), "mime_type": "image/png"}


@pytest.mark.parametrize(
    ("content", "status", "response"),
    [
        ([{"type": "text", "text": "a chart"}, IMAGE], "success", {"result": "a chart"}),
        (["plain string", IMAGE], "success", {"result": "plain string"}),
        ([IMAGE, {"type": "text", "text": '{"rows": 3}'}], "success", {"rows": 3}),
        ([{"type": "text", "text": "a"}, IMAGE, {"type": "text", "text": "b"}], "success", {"result": ["a", "b"]}),
        ([{"type": "text", "text": "render failed"}, IMAGE], "error", {"error": "render failed"}),
        ([IMAGE], "error", {"error": {}}),
        ([IMAGE, {"type": "json", "json": {"k": 1}}], "success", {"result": [{"type": "json", "json": {"k": 1}}]}),
    ],
)
def test_text_blocks_become_the_json_response(content: list[Any], status: str, response: dict[str, Any]) -> None:
    for model in (OLD, NEW):
        parts = tool_turn(history(ToolMessage(content, tool_call_id="call-1", status=status)), model=model)
        assert parts[0]["functionResponse"]["response"] == response
        assert json.dumps(parts).count(media.b64(PNG)) == 1  # the image itself is never stringified


def test_text_only_list_content_sends_the_text_not_the_blocks() -> None:
    parts = tool_turn(history(ToolMessage([{"type": "text", "text": "42"}], tool_call_id="call-1")))
    assert parts == [{"functionResponse": {"name": "tool_0", "id": "call-1", "response": {"result": 42}}}]


def test_string_content_is_unchanged() -> None:
    parts = tool_turn(history(ToolMessage("sunny", tool_call_id="call-1")))
    assert parts == [{"functionResponse": {"name": "tool_0", "id": "call-1", "response": {"result": "sunny"}}}]


# -- parallel results, ordering, errors -----------------------------------------------------------------------


@pytest.mark.parametrize("model", [OLD, NEW])
def test_parallel_results_keep_call_order_for_responses_and_media(model: str) -> None:
    first = ToolMessage([{"type": "text", "text": "one"}, IMAGE], tool_call_id="c1")
    second = ToolMessage(
        [{"type": "audio", "base64": media.b64(WAV), "mime_type": "audio/wav"}, {"type": "text", "text": "two"}],
        tool_call_id="c2",
    )
    parts = tool_turn(history(second, first, calls=("c1", "c2")), model=model)  # answered out of order
    responses = [part["functionResponse"] for part in parts if "functionResponse" in part]
    assert [(r["id"], r["response"]) for r in responses] == [("c1", {"result": "one"}), ("c2", {"result": "two"})]
    siblings = [part for part in parts if "functionResponse" not in part]
    if model == NEW:
        assert responses[0]["parts"] == [inline(PNG, "image/png")]
        assert siblings == [inline(WAV, "audio/wav")]
    else:
        assert siblings == [inline(PNG, "image/png"), inline(WAV, "audio/wav")]


def test_bad_media_in_a_tool_result_fails_before_any_request() -> None:
    fake = FakeGemini()
    bad = ToolMessage(
        [{"type": "image", "base64": media.b64(b"GIF89a..."), "mime_type": "image/gif"}], tool_call_id="x"
    )
    with pytest.raises(ValueError, match=r"messages\[2\]\.content\[0\].*image/gif.*not supported"):
        fake.model().invoke(history(bad, calls=("x",)))
    assert fake.requests == []


def test_tool_media_urls_follow_the_fetch_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://img.example.com/cat.png"
    message = ToolMessage([{"type": "image", "url": url}], tool_call_id="call-1")
    fake = FakeGemini()
    with pytest.raises(MediaFetchError, match="refused"):
        fake.model(media_fetch="refuse").invoke(history(message))
    assert fake.requests == []
    monkeypatch.setattr(fetch_module, "fetch", lambda u, s: fetch_module.Fetched(PNG, "image/png"))
    fake = FakeGemini()
    fake.model().invoke(history(message))
    parts = fake.bodies()[0]["contents"][2]["parts"]
    assert parts[1] == inline(PNG, "image/png")
    assert message.content[0]["url"] == url  # the caller's message is untouched


def test_oversized_tool_media_is_uploaded_and_referenced_beside_the_response() -> None:
    api = FakeFilesAPI()
    big = media.big_jpeg(16 * 1024 * 1024)
    result = ToolMessage([{"type": "image", "base64": media.b64(big), "mime_type": "image/jpeg"}], tool_call_id="c1")
    api.model(model=NEW).invoke(history(result, calls=("c1",)))
    assert api.contents["files/f1"] == big
    (body,) = api.generate_bodies()
    parts = body["contents"][2]["parts"]
    assert parts == [
        {"functionResponse": {"name": "tool_0", "id": "c1", "response": {}}},
        {"fileData": {"fileUri": f"{BASE}/v1beta/files/f1", "mimeType": "image/jpeg"}},
    ]


@pytest.mark.parametrize(
    ("model", "nests"),
    [
        ("gemini-3-pro-preview", True),
        ("models/gemini-3-flash-preview", True),
        ("gemini-3.1-pro-preview", True),
        ("gemini-10-ultra", True),
        ("gemini-2.5-flash", False),
        ("gemini-2.0-flash", False),
        ("gemini-flash-latest", True),  # the alias follows the newest Flash (the model table)
        ("", False),
    ],
)
def test_which_models_nest_tool_media(model: str, nests: bool) -> None:
    assert nests_tool_media(model) is nests


# -- token counting runs the same media pre-pass ----------------------------------------------------------------


def counted_contents(fake: FakeGemini) -> list[dict[str, Any]]:
    (request,) = [r for r in fake.requests if r.url.path.endswith(":countTokens")]
    return json.loads(request.content)["generateContentRequest"]["contents"]


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_token_counting_fetches_media_urls(monkeypatch: pytest.MonkeyPatch, sync: bool) -> None:
    async def afetch(url: str, settings: Any) -> fetch_module.Fetched:
        return fetch_module.Fetched(PNG, "image/png")

    monkeypatch.setattr(fetch_module, "fetch", lambda url, settings: fetch_module.Fetched(PNG, "image/png"))
    monkeypatch.setattr(fetch_module, "afetch", afetch)
    fake = FakeGemini()
    model = fake.model()
    messages: list[BaseMessage] = [HumanMessage([{"type": "image", "url": "https://img.example.com/cat.png"}, "what?"])]
    total = (
        model.get_num_tokens_from_messages(messages)
        if sync
        else asyncio.run(model.aget_num_tokens_from_messages(messages))
    )
    assert total == 42
    assert counted_contents(fake)[0]["parts"][0] == inline(PNG, "image/png")


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_token_counting_honours_the_refuse_policy_and_upload_switch(sync: bool) -> None:
    fake = FakeGemini()

    def count(model: Any, messages: list[BaseMessage]) -> int:
        if sync:
            return int(model.get_num_tokens_from_messages(messages))
        return int(asyncio.run(model.aget_num_tokens_from_messages(messages)))

    remote = [HumanMessage([{"type": "image", "url": "https://img.example.com/cat.png"}])]
    with pytest.raises(MediaFetchError, match="refused"):
        count(fake.model(media_fetch="refuse"), remote)
    big = [
        HumanMessage(
            [{"type": "image", "base64": media.b64(media.big_jpeg(16 * 1024 * 1024)), "mime_type": "image/jpeg"}]
        )
    ]
    with pytest.raises(ValueError, match="upload_large_media is off"):
        count(fake.model(upload_large_media=False), big)
    assert fake.requests == []


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_token_counting_uploads_oversized_media(sync: bool) -> None:
    api = FakeFilesAPI()
    api.on_request = lambda r: (
        httpx.Response(200, json={"totalTokens": 7}) if r.url.path.endswith(":countTokens") else None
    )
    model = api.model()
    big = media.big_jpeg(16 * 1024 * 1024)
    messages: list[BaseMessage] = [
        HumanMessage([{"type": "image", "base64": media.b64(big), "mime_type": "image/jpeg"}])
    ]
    total = (
        model.get_num_tokens_from_messages(messages)
        if sync
        else asyncio.run(model.aget_num_tokens_from_messages(messages))
    )
    assert total == 7
    assert api.contents["files/f1"] == big
    (request,) = [r for r in api.requests if r.url.path.endswith(":countTokens")]
    parts = json.loads(request.content)["generateContentRequest"]["contents"][0]["parts"]
    assert parts == [{"fileData": {"fileUri": f"{BASE}/v1beta/files/f1", "mimeType": "image/jpeg"}}]


def test_token_counting_completes_bare_file_names_and_nests_tool_media_by_model() -> None:
    fake = FakeGemini()
    named = [HumanMessage([{"type": "file", "file_id": "files/abc", "mime_type": "application/pdf"}])]
    fake.model().get_num_tokens_from_messages(named)
    assert counted_contents(fake)[0]["parts"][0]["fileData"]["fileUri"] == f"{BASE}/v1beta/files/abc"
    fake = FakeGemini()
    fake.model(model=NEW).get_num_tokens_from_messages(history(ToolMessage([IMAGE], tool_call_id="call-1")))
    assert counted_contents(fake)[2]["parts"][0]["functionResponse"]["parts"] == [inline(PNG, "image/png")]
