"""Unknown constructor arguments of the clients without request fields are a TypeError naming them (issue 16).

`GeminiFiles`, `GeminiCaches` and `GeminiBatches` used to drop them silently; `GeminiEmbeddings` refused them with
pydantic's "Extra inputs are not permitted" and no suggestion. `ChatGemini` has its own rule (test_chat_models).
"""

from __future__ import annotations

import pytest

from langchain_gemini import GeminiEmbeddings, GeminiFiles
from langchain_gemini._base import GeminiClientSettings
from langchain_gemini.batches import GeminiBatches
from langchain_gemini.caches import GeminiCaches
from tests.unit.fake_gemini import FAKE_KEY

CLIENTS: list[type[GeminiClientSettings]] = [GeminiFiles, GeminiCaches, GeminiBatches, GeminiEmbeddings]


@pytest.mark.parametrize("cls", CLIENTS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"foo": 1}, "got unknown argument: 'foo': not a {name} argument"),
        ({"api_kye": "x"}, "got unknown argument: 'api_kye': did you mean 'api_key'?"),
        ({"max_retry": 1}, "got unknown argument: 'max_retry': did you mean 'max_retries'?"),
        ({"request_timeout": 5}, "got unknown argument: 'request_timeout': use timeout (seconds)"),
        (
            {"foo": 1, "timout": 5},
            "got unknown arguments: 'foo': not a {name} argument; 'timout': did you mean 'timeout'?",
        ),
    ],
)
def test_unknown_arguments_are_a_type_error_with_the_closest_field(
    cls: type[GeminiClientSettings], kwargs: dict[str, object], expected: str
) -> None:
    with pytest.raises(TypeError) as raised:
        cls(api_key=FAKE_KEY, **kwargs)
    assert str(raised.value) == f"{cls.__name__} " + expected.format(name=cls.__name__)
    assert FAKE_KEY not in str(raised.value)


@pytest.mark.parametrize("cls", CLIENTS, ids=lambda cls: cls.__name__)
def test_fields_and_their_aliases_are_still_accepted(cls: type[GeminiClientSettings]) -> None:
    client = cls(google_api_key=FAKE_KEY, timeout=5, max_retries=1, base_url="https://example.test")
    assert client.google_api_key is not None
    assert client.google_api_key.get_secret_value() == FAKE_KEY
    assert (client.timeout, client.max_retries) == (5, 1)
