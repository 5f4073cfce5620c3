"""langchain-tests standard unit suite for ChatGemini."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_gemini import ChatGemini


class TestChatGeminiUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatGemini

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "gemini-2.5-flash"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return ({"GOOGLE_API_KEY": "env-key"}, {"model": "gemini-2.5-flash"}, {"google_api_key": "env-key"})

    @pytest.mark.xfail(
        reason="langchain-core's load() only admits classes listed in langchain_core.load.mapping, which has no "
        "third-party namespaces; our own round trip is tested in test_serialization.py"
    )
    def test_serdes(self, *args: Any) -> None:
        super().test_serdes(*args)
