"""Migration friction from langchain-google-genai (issue 15): GOOGLE_GEMINI_BASE_URL and local paths as media."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gemini import ChatGemini, GeminiEmbeddings, GeminiFiles
from langchain_gemini._base import DEFAULT_BASE_URL
from tests.unit.fake_gemini import FakeGemini

CLASSES: list[tuple[type[Any], dict[str, Any]]] = [
    (ChatGemini, {"model": "gemini-2.5-flash"}),
    (GeminiEmbeddings, {}),
    (GeminiFiles, {}),
]


@pytest.mark.parametrize(("cls", "kwargs"), CLASSES, ids=lambda value: getattr(value, "__name__", ""))
def test_base_url_comes_from_the_environment_and_an_explicit_one_wins(
    cls: type[Any], kwargs: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", " http://127.0.0.1:8080/ ")
    assert cls(api_key="test-key", **kwargs).base_url == "http://127.0.0.1:8080"
    assert cls(api_key="test-key", base_url="http://localhost:9", **kwargs).base_url == "http://localhost:9"
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "")
    assert cls(api_key="test-key", **kwargs).base_url == DEFAULT_BASE_URL


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("127.0.0.1:8080", "must be an absolute http:// or https:// URL"),
        ("https://user:s3cret-pass@proxy.example", "must not contain credentials"),
        ("https://proxy.example/?key=s3cret-pass", "must not carry a key= query parameter"),
    ],
)
def test_a_bad_base_url_in_the_environment_is_named_and_not_echoed(
    value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", value)
    with pytest.raises(ValueError, match=f"GOOGLE_GEMINI_BASE_URL: base_url {message}") as caught:
        ChatGemini(model="gemini-2.5-flash", api_key="test-key")
    assert "s3cret" not in str(caught.value)
    # An explicit base_url wins, so the bad variable is not even read.
    assert ChatGemini(model="gemini-2.5-flash", api_key="test-key", base_url="http://localhost:9").base_url


@pytest.mark.parametrize(
    "block",
    [
        {"type": "image_url", "image_url": "photo.png"},
        {"type": "image_url", "image_url": {"url": "/home/me/photo.png"}},
        {"type": "image_url", "image_url": "file:///home/me/photo.png"},
        {"type": "image_url", "image_url": "C:\\Users\\me\\photo.png"},
        {"type": "image", "url": "./photo.png"},
        {"type": "media", "file_uri": "photo.png", "mime_type": "image/png"},
    ],
)
def test_a_local_path_as_media_url_says_what_to_do_before_any_request(block: dict[str, Any]) -> None:
    fake = FakeGemini()
    # The http image before it would be downloaded first (and fail: unit tests have no network) if the path were
    # only checked when the request is built.
    web = {"type": "image_url", "image_url": "https://example.com/cat.png"}
    model = fake.model(media_fetch="fetch")
    content = [{"type": "text", "text": "Describe"}, web, block]
    with pytest.raises(ValueError, match=r"messages\[0\]\.content\[2\]: a local file path is not a URL") as caught:
        model.invoke([("human", content)])
    assert "pass its bytes" in str(caught.value)
    assert "GeminiFiles" in str(caught.value)
    assert fake.requests == []


def test_files_api_names_are_not_taken_for_paths() -> None:
    fake = FakeGemini()
    fake.model().invoke([("human", [{"type": "image", "file_id": "files/abc123", "mime_type": "image/png"}])])
    block = {"type": "media", "file_uri": "files/abc123", "mime_type": "image/png"}
    fake.model().invoke([("human", [block])])
    uris = [body["contents"][0]["parts"][0]["fileData"]["fileUri"] for body in fake.bodies()]
    assert uris == [f"{DEFAULT_BASE_URL}/v1beta/files/abc123"] * 2
