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


def test_google_genai_sdk_drives_a_file_batch(gemini: GeminiEmulator) -> None:
    """The second judge on file-based jobs: Google's SDK uploads JSONL requests (as Google's Batch API docs do),
    creates a chat job and an embedding job from the file, and downloads and reads their result files."""
    import io
    import json
    import warnings

    from google import genai
    from google.genai import types
    from google.genai._common import ExperimentalWarning

    client = genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=gemini.base_url))
    lines = [
        {"key": "request-1", "request": {"contents": [{"parts": [{"text": "Describe photosynthesis."}]}]}},
        {"key": "request-2", "request": {"contents": [{"parts": [{"text": "Name a pizza."}]}]}},
    ]
    data = io.BytesIO("\n".join(json.dumps(line) for line in lines).encode())
    uploaded = client.files.upload(file=data, config=types.UploadFileConfig(display_name="reqs", mime_type="jsonl"))
    assert uploaded.name is not None
    job = client.batches.create(model=FLASH, src=uploaded.name, config={"display_name": "file-job"})
    assert job.name is not None
    for _ in range(3):
        job = client.batches.get(name=job.name)
    assert job.state == "JOB_STATE_SUCCEEDED"
    assert job.dest is not None
    assert job.dest.file_name is not None
    answers = [json.loads(line) for line in client.files.download(file=job.dest.file_name).decode().splitlines()]
    assert [answer["key"] for answer in answers] == ["request-1", "request-2"]
    assert "Name a pizza." in answers[1]["response"]["candidates"][0]["content"]["parts"][0]["text"]

    embed_lines = [
        {"key": "e1", "request": {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "x"}]}}}
    ]
    data = io.BytesIO(json.dumps(embed_lines[0]).encode())
    uploaded = client.files.upload(file=data, config=types.UploadFileConfig(mime_type="jsonl"))
    assert uploaded.name is not None
    src: Any = {"file_name": uploaded.name}
    with warnings.catch_warnings():  # "create_embeddings() is experimental": that is the SDK's to say
        warnings.simplefilter("ignore", ExperimentalWarning)
        job = client.batches.create_embeddings(model="gemini-embedding-001", src=src)
    sent = next(r for r in reversed(gemini.requests) if r.action == "asyncBatchEmbedContent")
    assert sent.json["batch"]["inputConfig"] == {"file_name": uploaded.name}  # the SDK writes it in snake_case
    assert job.name is not None
    for _ in range(3):
        job = client.batches.get(name=job.name)
    assert job.dest is not None
    assert job.dest.file_name is not None
    answer = json.loads(client.files.download(file=job.dest.file_name))
    assert answer["key"] == "e1"
    assert len(answer["response"]["embedding"]["values"]) == 3072
    client.close()
