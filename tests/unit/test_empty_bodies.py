"""An empty 200 body is a broken answer (issue 16): a GeminiResponseValidationError saying so, never read as `{}`.

Only a DELETE may answer with nothing (Google sends `{}`, a proxy may drop it): deleting still works.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage

from langchain_gemini import ChatGemini, GeminiEmbeddings, GeminiFiles, GeminiResponseValidationError
from tests.unit.fake_gemini import FAKE_KEY


def _empty(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b"", headers={"content-type": "application/json"})


def _client() -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(_empty))


CALLS: dict[str, Callable[[httpx.Client], Any]] = {
    "generateContent": lambda client: ChatGemini(model="gemini-2.5-flash", api_key=FAKE_KEY, http_client=client).invoke(
        "hi"
    ),
    "countTokens": lambda client: ChatGemini(
        model="gemini-2.5-flash", api_key=FAKE_KEY, http_client=client
    ).get_num_tokens_from_messages([HumanMessage("hi")]),
    "embedContent": lambda client: GeminiEmbeddings(api_key=FAKE_KEY, http_client=client).embed_query("hi"),
    "batchEmbedContents": lambda client: GeminiEmbeddings(api_key=FAKE_KEY, http_client=client).embed_documents(
        ["a", "b"]
    ),
    "files.get": lambda client: GeminiFiles(api_key=FAKE_KEY, http_client=client).get("files/abc"),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_an_empty_200_body_is_a_validation_error_naming_it(call: Callable[[httpx.Client], Any]) -> None:
    with _client() as client, pytest.raises(GeminiResponseValidationError, match="body is empty") as raised:
        call(client)
    assert raised.value.status_code in (200, None)
    assert not raised.value.is_retryable


def test_an_empty_body_to_a_delete_is_fine() -> None:
    with _client() as client:
        assert GeminiFiles(api_key=FAKE_KEY, http_client=client).delete("files/abc") is None
