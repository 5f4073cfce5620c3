"""Part (c) of `make conformance`, continued: the emulator's caches and batches driven by google-genai."""

from __future__ import annotations

from typing import Any

from langchain_gemini.testing import GeminiEmulator

FLASH = "gemini-2.5-flash"

DOC = "The quick brown fox jumps over the lazy dog. " * 1000  # 11,250 emulator tokens


def test_google_genai_sdk_drives_the_caches(gemini: GeminiEmulator) -> None:
    """The emulator's second judge: Google's own SDK creates, reads, lists, updates, uses and deletes a cache."""
    from google import genai
    from google.genai import types

    client = genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=gemini.base_url))
    config = types.CreateCachedContentConfig(system_instruction="Be brief.", contents=[DOC], ttl="300s")
    cache = client.caches.create(model=FLASH, config=config)
    assert cache.name is not None
    assert cache.model == f"models/{FLASH}"
    assert cache.usage_metadata is not None
    assert cache.usage_metadata.total_token_count == 11250 + 3
    assert client.caches.get(name=cache.name).expire_time == cache.expire_time
    assert [c.name for c in client.caches.list(config={"page_size": 1})] == [cache.name]
    updated = client.caches.update(name=cache.name, config=types.UpdateCachedContentConfig(ttl="600s"))
    assert updated.expire_time is not None
    assert cache.expire_time is not None
    assert updated.expire_time > cache.expire_time
    answer = client.models.generate_content(
        model=FLASH, contents="Hi", config=types.GenerateContentConfig(cached_content=cache.name)
    )
    assert answer.usage_metadata is not None
    assert answer.usage_metadata.cached_content_token_count == 11253
    client.caches.delete(name=cache.name)
    assert gemini.requests[-1].method == "DELETE"
    assert list(client.caches.list()) == []
    client.close()


def test_google_genai_sdk_drives_a_batch(gemini: GeminiEmulator) -> None:
    """The second judge: Google's SDK creates a job, polls it to the end and reads the inline results."""
    from google import genai
    from google.genai import types

    client = genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=gemini.base_url))
    requests: Any = [{"contents": [{"parts": [{"text": "Tell me a joke."}], "role": "user"}]}]
    job = client.batches.create(model=FLASH, src=requests, config={"display_name": "jokes"})
    assert job.state == "JOB_STATE_PENDING"
    name = job.name
    assert name is not None
    for _ in range(3):
        job = client.batches.get(name=name)
    assert job.state == "JOB_STATE_SUCCEEDED"
    assert job.dest is not None
    assert job.dest.inlined_responses is not None
    response = job.dest.inlined_responses[0].response
    assert response is not None
    assert response.text is not None
    assert "Tell me a joke." in response.text
    client.batches.delete(name=name)
    client.close()
