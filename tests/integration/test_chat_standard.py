"""langchain-tests standard integration suite for ChatGemini: against the emulator, or the real API with a key."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_gemini import ChatGemini
from langchain_gemini.testing import GeminiEmulator
from tests.integration.conftest import connection_params

_CONNECTION: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _point_at_endpoint(gemini_emulator: GeminiEmulator | None) -> None:
    _CONNECTION.clear()
    _CONNECTION.update(connection_params(gemini_emulator))


class TestChatGeminiStandard(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatGemini

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "gemini-2.5-flash", **_CONNECTION}

    @property
    def model_override_value(self) -> str:
        return "gemini-2.5-flash-lite"

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_anthropic_inputs(self) -> bool:
        return True

    @property
    def supported_usage_metadata_details(self) -> dict[str, list[Any]]:
        return {"invoke": ["reasoning_output"], "stream": ["reasoning_output"]}

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> Any:
        model = ChatGemini(model="gemini-2.5-flash", thinking_budget=1024, **_CONNECTION)
        prompt = "What is 3^3? Think it through."
        if not stream:
            return model.invoke(prompt)
        full = None
        for chunk in model.stream(prompt):
            full = chunk if full is None else full + chunk
        return full
