"""The clients under test, built the same way in every benchmark.

Heavy imports happen inside the factories so that a worker loads only the
client it measures.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

MODEL = "gemini-2.5-flash"
API_KEY = "bench-key"
PROMPT = "Say hello in one short sentence."


def http_module(client: str) -> ModuleType:
    """The HTTP library a floor client runs on: httpx, or httpx2 for ``floor_httpx2``."""
    if client == "floor_httpx2":
        import httpx2

        return httpx2
    if client == "floor":
        import httpx

        return httpx
    raise ValueError(f"not a floor client: {client}")


def method_url(url: str, method: str) -> str:
    return f"{url}/v1beta/models/{MODEL}:{method}"


def floor_body(prompt: str) -> bytes:
    """The smallest valid generateContent request, serialised with stdlib json."""
    return json.dumps({"contents": [{"role": "user", "parts": [{"text": prompt}]}]}).encode()


FLOOR_HEADERS = {"x-goog-api-key": API_KEY, "content-type": "application/json"}


def floor_text(response: dict[str, Any]) -> str:
    parts = response["candidates"][0]["content"]["parts"]
    return "".join(part.get("text", "") for part in parts)


def chat_model(client: str, url: str) -> Any:
    """A LangChain chat model for ``anchor`` or ``ours`` pointed at the emulator."""
    if client == "anchor":
        from langchain_google_genai import ChatGoogleGenerativeAI

        # Library defaults otherwise (max_retries, temperature, pool), as in the baseline.
        return ChatGoogleGenerativeAI(model=MODEL, api_key=API_KEY, base_url=url)
    if client == "ours":
        from langchain_gemini import ChatGemini

        return ChatGemini(model=MODEL, api_key=API_KEY, base_url=url)
    raise ValueError(f"not a chat model client: {client}")
