"""Implicit caching (`langchain_gemini.testing._implicit_cache`): a repeated prompt start is reported as cached."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from langchain_gemini import ChatGemini
from langchain_gemini.testing import GeminiEmulator
from langchain_gemini.testing._implicit_cache import PrefixStore
from langchain_gemini.testing._models import DEFAULT_MODELS
from tests.integration.conftest import EMULATOR_KEY
from tests.integration.emulator_helpers import FLASH, generate

MANUAL = "Section 7 says the valve must be closed before the pump starts. " * 130  # 8,320 chars: 2,080 tokens
MANUAL_TOKENS = 2080
FLASH_3 = "gemini-3-flash-preview"


def with_manual(question: str, manual: str = MANUAL) -> dict[str, Any]:
    return {
        "systemInstruction": {"parts": [{"text": manual}]},
        "contents": [{"role": "user", "parts": [{"text": question}]}],
    }


def cached_of(answer: dict[str, Any]) -> tuple[int | None, Any]:
    usage = answer["usageMetadata"]
    return usage.get("cachedContentTokenCount"), usage.get("cacheTokensDetails")


def test_repeated_system_prompt_is_cached_from_the_second_request(emu_client: httpx.Client) -> None:
    first = generate(emu_client, with_manual("Which valve?"))
    second = generate(emu_client, with_manual("And the pump?"))
    assert cached_of(first) == (None, None)
    assert cached_of(second) == (MANUAL_TOKENS, [{"modality": "TEXT", "tokenCount": MANUAL_TOKENS}])
    usage = second["usageMetadata"]
    assert usage["promptTokenCount"] == MANUAL_TOKENS + 4  # the cached tokens stay counted in the prompt
    assert list(usage)[:2] == ["promptTokenCount", "cachedContentTokenCount"]  # where Google puts it


def test_the_same_request_twice_leaves_its_last_part_uncached(emu_client: httpx.Client) -> None:
    generate(emu_client, with_manual("Which valve?"))
    again = generate(emu_client, with_manual("Which valve?"))
    assert cached_of(again)[0] == MANUAL_TOKENS
    assert again["usageMetadata"]["promptTokenCount"] == MANUAL_TOKENS + 3


def test_multi_turn_history_counts_every_repeated_part(emu_client: httpx.Client) -> None:
    body = with_manual("Which valve?")
    first = generate(emu_client, body)
    body["contents"] += [first["candidates"][0]["content"], {"role": "user", "parts": [{"text": "Thanks."}]}]
    second = generate(emu_client, body)
    assert cached_of(second)[0] == MANUAL_TOKENS + 3  # the instruction and the first question, not the answer


def test_below_the_model_minimum_nothing_is_cached(emu_client: httpx.Client) -> None:
    short = MANUAL[:8000]  # 2,000 tokens: under Gemini 2.5's 2,048
    generate(emu_client, with_manual("Which valve?", short))
    assert cached_of(generate(emu_client, with_manual("And the pump?", short))) == (None, None)
    # 2,080 tokens are enough for 2.5 but not for Gemini 3 (4,096), ...
    generate(emu_client, with_manual("Which valve?"), FLASH_3)
    assert cached_of(generate(emu_client, with_manual("And the pump?"), FLASH_3)) == (None, None)
    # ... which caches twice as much
    generate(emu_client, with_manual("Which valve?", MANUAL * 2), FLASH_3)
    assert cached_of(generate(emu_client, with_manual("And the pump?", MANUAL * 2), FLASH_3))[0] == 2 * MANUAL_TOKENS


def test_prefixes_are_per_model_and_need_the_same_start(emu_client: httpx.Client) -> None:
    generate(emu_client, with_manual("Which valve?"))
    assert cached_of(generate(emu_client, with_manual("Which valve?"), "gemini-2.5-pro")) == (None, None)
    changed = "Preface. " + MANUAL
    assert cached_of(generate(emu_client, with_manual("Which valve?", changed))) == (None, None)


def test_models_without_implicit_caching_never_report_it(emu_client: httpx.Client) -> None:
    for _ in range(2):
        answer = generate(emu_client, with_manual("Which valve?"), "gemini-2.0-flash")
    assert cached_of(answer) == (None, None)


def test_images_are_cached_by_modality(emu_client: httpx.Client) -> None:
    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="
    images = [{"inlineData": {"mimeType": "image/png", "data": pixel}} for _ in range(8)]  # 8 x 258 tokens

    def body(question: str) -> dict[str, Any]:
        return {"contents": [{"role": "user", "parts": [*images, {"text": question}]}]}

    generate(emu_client, body("Which one is red?"))
    assert cached_of(generate(emu_client, body("Which one is blue?"))) == (
        8 * 258,
        [{"modality": "IMAGE", "tokenCount": 8 * 258}],
    )


def test_reset_forgets_every_prefix(emu: GeminiEmulator, emu_client: httpx.Client) -> None:
    generate(emu_client, with_manual("Which valve?"))
    emu.reset()
    assert cached_of(generate(emu_client, with_manual("And the pump?"))) == (None, None)


def test_a_scripted_answer_still_leaves_its_prefix(emu: GeminiEmulator, emu_client: httpx.Client) -> None:
    emu.enqueue({"candidates": [{"content": {"role": "model", "parts": [{"text": "scripted"}]}}]})
    scripted = generate(emu_client, with_manual("Which valve?"))
    assert "usageMetadata" not in scripted  # a scripted answer is sent as scripted
    assert cached_of(generate(emu_client, with_manual("And the pump?")))[0] == MANUAL_TOKENS


def test_explicit_cache_wins_over_the_implicit_one(emu_client: httpx.Client) -> None:
    held = {"model": f"models/{FLASH}", "contents": [{"role": "user", "parts": [{"text": MANUAL * 2}]}]}
    name = emu_client.post("/v1beta/cachedContents", json=held).json()["name"]
    ask = {"cachedContent": name, "contents": [{"role": "user", "parts": [{"text": "Which valve?"}]}]}
    generate(emu_client, ask)
    assert cached_of(generate(emu_client, ask))[0] == 2 * MANUAL_TOKENS  # the explicit cache, counted once


def test_every_stream_event_reports_the_hit(emu_client: httpx.Client) -> None:
    generate(emu_client, with_manual("Which valve?"))
    path = f"/v1beta/models/{FLASH}:streamGenerateContent?alt=sse"
    with emu_client.stream("POST", path, json=with_manual("And the pump?")) as response:
        lines = [line for line in response.iter_lines() if line.startswith("data:")]
    assert len(lines) > 1
    for line in lines:
        assert f'"cachedContentTokenCount": {MANUAL_TOKENS}' in line


def test_the_store_forgets_the_oldest_prefixes_first() -> None:
    flash = next(m for m in DEFAULT_MODELS if m.id == FLASH)
    store = PrefixStore(limit=3)  # each request below leaves two prefixes: the instruction, then the question
    store.serve(with_manual("Which valve?"), flash)
    assert store.serve(with_manual("And the pump?"), flash) is not None
    store.serve(with_manual("Which valve?", "Another manual. " + MANUAL), flash)  # two more prefixes
    assert store.serve(with_manual("Once more?"), flash) is None  # the first instruction's prefix was dropped


def test_prompts_below_the_minimum_leave_nothing_to_hit() -> None:
    flash = next(m for m in DEFAULT_MODELS if m.id == FLASH)
    store = PrefixStore(limit=2)
    store.serve(with_manual("Which valve?"), flash)
    for letter in "abcdef":  # short prompts are not stored, so they evict nothing
        store.serve({"contents": [{"role": "user", "parts": [{"text": letter}, {"text": letter}]}]}, flash)
    assert store.serve(with_manual("And the pump?"), flash) is not None


@pytest.mark.parametrize("streaming", [False, True])
def test_chat_gemini_reports_cache_reads(emulator: GeminiEmulator, streaming: bool) -> None:
    with ChatGemini(model=FLASH, api_key=EMULATOR_KEY, base_url=emulator.base_url) as model:

        def ask(question: str) -> Any:
            messages = [("system", MANUAL), ("human", question)]
            if not streaming:
                return model.invoke(messages)
            merged = None
            for chunk in model.stream(messages):
                merged = chunk if merged is None else merged + chunk
            return merged

        first, second = ask("Which valve?"), ask("And the pump?")
    assert first.usage_metadata["input_token_details"] == {"cache_read": 0}
    assert second.usage_metadata["input_token_details"] == {"cache_read": MANUAL_TOKENS}
    assert second.usage_metadata["input_tokens"] == MANUAL_TOKENS + 4
