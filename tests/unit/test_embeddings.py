"""GeminiEmbeddings through its public API, sync and async, against a scripted Gemini behind httpx.MockTransport."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import math
import pickle
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for_futures
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from langchain_gemini import (
    GeminiBadRequestError,
    GeminiConnectionError,
    GeminiEmbeddings,
    GeminiResponseValidationError,
    _batching,
)
from langchain_gemini.embeddings import DEFAULT_CONCURRENCY, INPUT_TOKEN_LIMIT, TASK_TYPES, estimate_tokens

FAKE_KEY = "AIzaFAKE-embeddings-0123456789"
BATCH_PATH = "/v1beta/models/gemini-embedding-001:batchEmbedContents"
QUERY_PATH = "/v1beta/models/gemini-embedding-001:embedContent"

Hook = Callable[[dict[str, Any]], "httpx.Response | None"]
AsyncHook = Callable[[dict[str, Any]], Awaitable["httpx.Response | None"]]


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def number(text: str) -> int:
    """`"t17"` -> 17."""
    return int(text[1:])


def default_vector(text: str) -> list[Any]:
    # JSON ints on purpose: the class must still hand back Python floats.
    return [number(text), 1, 0] if text[1:].isdigit() else [len(text), 1, 0]


def texts(count: int) -> list[str]:
    return [f"t{i}" for i in range(count)]


def first_text(body: dict[str, Any]) -> str:
    entries = body.get("requests") or [body]
    return str(entries[0]["content"]["parts"][0]["text"])


class FakeEmbed:
    """Answers embedContent and batchEmbedContents with `vector(text)`; hooks may answer first or hold a request."""

    def __init__(self, vector: Callable[[str], list[Any]] = default_vector) -> None:
        self.vector = vector
        self.requests: list[httpx.Request] = []
        self.hook: Hook | None = None
        self.ahook: AsyncHook | None = None
        self._lock = threading.Lock()

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]

    def batch_sizes(self) -> list[int]:
        """Sizes of the batch requests, in input order (arrival order varies under concurrency)."""
        bodies = sorted(self.bodies(), key=lambda b: number(first_text(b)))
        return [len(b["requests"]) for b in bodies]

    def answer(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        if request.url.path.endswith(":batchEmbedContents"):
            embeddings = [{"values": self.vector(r["content"]["parts"][0]["text"])} for r in body["requests"]]
            return httpx.Response(200, json={"embeddings": embeddings})
        return httpx.Response(200, json={"embedding": {"values": self.vector(body["content"]["parts"][0]["text"])}})

    def handler(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
        body = json.loads(request.content)
        held = self.hook(body) if self.hook else None
        return held or self.answer(request, body)

    async def ahandler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = json.loads(request.content)
        held = await self.ahook(body) if self.ahook else (self.hook(body) if self.hook else None)
        return held or self.answer(request, body)

    def model(self, **kwargs: Any) -> GeminiEmbeddings:
        kwargs.setdefault("api_key", FAKE_KEY)
        return GeminiEmbeddings(
            http_client=httpx.Client(transport=httpx.MockTransport(self.handler)),
            http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(self.ahandler)),
            **kwargs,
        )


@pytest.fixture
def fake() -> FakeEmbed:
    return FakeEmbed()


@pytest.fixture
def gave_up(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set once `map_in_threads` has given up on a call: queued jobs are cancelled, running ones still to finish.

    A worker that waits for it answers only after the call has failed, whatever the OS scheduler does.
    """
    event = threading.Event()

    class ReleasingPool(ThreadPoolExecutor):
        def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
            super().shutdown(wait=False, cancel_futures=cancel_futures)
            event.set()
            super().shutdown(wait=wait)

    monkeypatch.setattr(_batching, "ThreadPoolExecutor", ReleasingPool)
    return event


def documents(model: GeminiEmbeddings, sync: bool, items: Any, **kwargs: Any) -> list[list[float]]:
    if sync:
        return model.embed_documents(items, **kwargs)
    return asyncio.run(model.aembed_documents(items, **kwargs))


def query(model: GeminiEmbeddings, sync: bool, text: Any, **kwargs: Any) -> list[float]:
    if sync:
        return model.embed_query(text, **kwargs)
    return asyncio.run(model.aembed_query(text, **kwargs))


def google_error(status: int, name: str, message: str, details: list[dict[str, Any]] | None = None) -> httpx.Response:
    error = {"code": status, "message": message, "status": name, "details": details or []}
    return httpx.Response(status, json={"error": error})


# -- batching and order -------------------------------------------------------------------------------------------


def test_250_texts_go_out_as_batches_of_100_100_50(fake: FakeEmbed, sync: bool) -> None:
    vectors = documents(fake.model(), sync, texts(250))
    assert fake.batch_sizes() == [100, 100, 50]
    assert vectors == [[float(i), 1.0, 0.0] for i in range(250)]
    assert all(type(x) is float for v in vectors for x in v)
    assert {request.url.path for request in fake.requests} == {BATCH_PATH}
    entry = sorted(fake.bodies(), key=lambda b: number(first_text(b)))[2]["requests"][49]
    assert entry == {
        "model": "models/gemini-embedding-001",
        "taskType": "RETRIEVAL_DOCUMENT",
        "content": {"parts": [{"text": "t249"}]},
    }


def test_batch_size_is_configurable_up_to_100(fake: FakeEmbed, sync: bool) -> None:
    documents(fake.model(batch_size=30), sync, texts(70))
    assert fake.batch_sizes() == [30, 30, 10]
    for size in (0, 101):
        with pytest.raises(ValidationError, match="batch_size"):
            GeminiEmbeddings(api_key=FAKE_KEY, batch_size=size)


def test_order_matches_input_when_answers_arrive_out_of_order(fake: FakeEmbed, sync: bool) -> None:
    """Batch 0 is answered only after batch 2, batch 1 after batch 0: the result is still in input order."""
    answered: list[int] = []
    waits = {0: 2, 1: 0}  # batch -> the batch it waits for
    if sync:
        events = {b: threading.Event() for b in range(3)}

        def hold(body: dict[str, Any]) -> None:
            batch = number(first_text(body)) // 100
            if batch in waits:
                assert events[waits[batch]].wait(5)
            answered.append(batch)
            events[batch].set()

        fake.hook = hold  # type: ignore[assignment]
    else:
        aevents: dict[int, asyncio.Event] = {}

        async def ahold(body: dict[str, Any]) -> None:
            for b in range(3):
                aevents.setdefault(b, asyncio.Event())
            batch = number(first_text(body)) // 100
            if batch in waits:
                await asyncio.wait_for(aevents[waits[batch]].wait(), 5)
            answered.append(batch)
            aevents[batch].set()

        fake.ahook = ahold  # type: ignore[assignment]
    vectors = documents(fake.model(max_concurrency=3), sync, texts(300))
    assert answered == [2, 0, 1]
    assert vectors == [[float(i), 1.0, 0.0] for i in range(300)]


@pytest.mark.parametrize("limit", [1, 2, 3, None])
def test_max_concurrency_bounds_batches_in_flight(fake: FakeEmbed, sync: bool, limit: int | None) -> None:
    """Requests wait until `limit` have been in flight at once, then a moment more for any extra one to show up.

    None is the default: 8 worker threads for the sync path, 8 tasks for the async one.
    """
    chosen = limit
    if limit is None:
        limit = DEFAULT_CONCURRENCY
    state = {"active": 0, "peak": 0}
    if sync:
        cond = threading.Condition()

        def hold(body: dict[str, Any]) -> None:
            with cond:
                state["active"] += 1
                state["peak"] = max(state["peak"], state["active"])
                cond.notify_all()
                cond.wait_for(lambda: state["peak"] >= limit, timeout=2)
                cond.wait_for(lambda: state["peak"] > limit, timeout=0.05)
                state["active"] -= 1

        fake.hook = hold  # type: ignore[assignment]
    else:
        reached: list[asyncio.Event] = []  # made inside the loop that uses it

        async def ahold(body: dict[str, Any]) -> None:
            if not reached:
                reached.append(asyncio.Event())
            state["active"] += 1
            state["peak"] = max(state["peak"], state["active"])
            if state["active"] >= limit:
                reached[0].set()
            with contextlib.suppress(asyncio.TimeoutError):  # fewer than `limit` in flight: the peak tells
                await asyncio.wait_for(reached[0].wait(), 2)
            await asyncio.sleep(0.05)
            state["active"] -= 1

        fake.ahook = ahold  # type: ignore[assignment]
    documents(fake.model(max_concurrency=chosen, batch_size=10), sync, texts(10 * (limit + 1)))
    assert state["peak"] == limit
    assert len(fake.requests) == limit + 1


def test_rate_limited_batch_is_retried_alone(fake: FakeEmbed, sync: bool, sleeps: list[float]) -> None:
    retry_info = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}
    refused: list[str] = []

    def limit_second_batch(body: dict[str, Any]) -> httpx.Response | None:
        if first_text(body) == "t100" and not refused:
            refused.append("t100")
            return google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", [retry_info])
        return None

    fake.hook = limit_second_batch
    vectors = documents(fake.model(), sync, texts(250))
    firsts = sorted(first_text(body) for body in fake.bodies())
    assert firsts == ["t0", "t100", "t100", "t200"]
    assert sleeps == [1.0]
    assert vectors == [[float(i), 1.0, 0.0] for i in range(250)]


def test_a_batch_that_fails_for_good_fails_the_call_and_stops_the_rest(fake: FakeEmbed, sync: bool) -> None:
    fake.hook = lambda body: google_error(400, "INVALID_ARGUMENT", "bad batch") if first_text(body) == "t100" else None
    with pytest.raises(GeminiBadRequestError, match="bad batch"):
        documents(fake.model(max_concurrency=1), sync, texts(500))
    assert sorted(first_text(body) for body in fake.bodies()) == ["t0", "t100"]  # nothing sent after it


def test_a_failure_under_concurrency_cancels_the_batches_not_started(
    fake: FakeEmbed, sync: bool, gave_up: threading.Event
) -> None:
    """Batch 0 fails at once while batch 1 is held: the 8 batches still queued are never sent."""
    failure = google_error(400, "INVALID_ARGUMENT", "bad")
    if sync:

        def hold(body: dict[str, Any]) -> httpx.Response | None:
            if first_text(body) == "t0":
                return failure
            assert gave_up.wait(5)  # batch 1 finishes only once the call has given up
            return None

        fake.hook = hold
    else:

        async def ahold(body: dict[str, Any]) -> httpx.Response | None:
            if first_text(body) == "t0":
                return failure
            await asyncio.sleep(5)  # cancelled with the call; if not, the request count below tells
            return None

        fake.ahook = ahold
    with pytest.raises(GeminiBadRequestError):
        documents(fake.model(max_concurrency=2), sync, texts(1000))
    firsts = {first_text(body) for body in fake.bodies()}
    # Batch 1 may or may not have gone out before the call gave up (sync: the worker freed by batch 0 can take it
    # from the queue first); nothing after the first window of two is ever sent.
    assert {"t0"} <= firsts <= {"t0", "t100"}


def test_empty_list_returns_empty_without_a_request_or_a_key(sync: bool) -> None:
    model = GeminiEmbeddings()  # no key anywhere: nothing may be sent, so nothing needs one
    assert documents(model, sync, []) == []


def test_any_iterable_of_texts_is_taken_whole(fake: FakeEmbed, sync: bool) -> None:
    vectors = documents(fake.model(), sync, (f"t{i}" for i in range(150)))  # a generator: read once, all of it
    assert vectors == [[float(i), 1.0, 0.0] for i in range(150)]


def test_async_works_from_a_second_event_loop(fake: FakeEmbed) -> None:
    model = fake.model()
    first = asyncio.run(model.aembed_documents(texts(150)))
    second = asyncio.run(model.aembed_documents(texts(150)))
    assert first == second
    assert len(fake.requests) == 4


def test_context_variables_reach_the_worker_threads(fake: FakeEmbed) -> None:
    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")
    seen: set[str] = set()
    fake.hook = lambda body: seen.add(marker.get())  # type: ignore[func-returns-value]
    marker.set("caller")
    fake.model(max_concurrency=3).embed_documents(texts(300))
    assert seen == {"caller"}


# -- task types and titles ----------------------------------------------------------------------------------------


def test_default_task_types_and_query_endpoint(fake: FakeEmbed, sync: bool) -> None:
    model = fake.model()
    assert query(model, sync, "t7") == [7.0, 1.0, 0.0]
    documents(model, sync, ["t1"])
    query_request, batch_request = fake.requests
    assert query_request.url.path == QUERY_PATH
    assert json.loads(query_request.content) == {
        "model": "models/gemini-embedding-001",
        "taskType": "RETRIEVAL_QUERY",
        "content": {"parts": [{"text": "t7"}]},
    }
    assert batch_request.url.path == BATCH_PATH
    assert json.loads(batch_request.content)["requests"][0]["taskType"] == "RETRIEVAL_DOCUMENT"
    assert query_request.headers["x-goog-api-key"] == FAKE_KEY
    assert FAKE_KEY not in str(query_request.url)


def test_task_type_precedence(fake: FakeEmbed, sync: bool) -> None:
    shared = fake.model(task_type="semantic_similarity")  # any case; stored upper-case
    assert shared.task_type == "SEMANTIC_SIMILARITY"
    query(shared, sync, "t1")
    documents(shared, sync, ["t1"])
    qa = fake.model(query_task_type="QUESTION_ANSWERING")
    query(qa, sync, "t1")
    documents(qa, sync, ["t1"])
    query(qa, sync, "t1", task_type="FACT_VERIFICATION")
    documents(qa, sync, ["t1"], task_type="CLUSTERING")
    sent = [(b.get("requests") or [b])[0]["taskType"] for b in fake.bodies()]
    assert sent == [
        "SEMANTIC_SIMILARITY",
        "SEMANTIC_SIMILARITY",
        "QUESTION_ANSWERING",
        "RETRIEVAL_DOCUMENT",
        "FACT_VERIFICATION",
        "CLUSTERING",
    ]


def test_every_documented_task_type_is_accepted(fake: FakeEmbed) -> None:
    model = fake.model()
    for task in TASK_TYPES:
        model.embed_query("t1", task_type=task)
    assert [b["taskType"] for b in fake.bodies()] == list(TASK_TYPES)


def test_titles_are_sent_per_text_and_blank_ones_left_out(fake: FakeEmbed, sync: bool) -> None:
    documents(fake.model(), sync, ["t0", "t1", "t2"], titles=["Intro", None, ""])
    entries = fake.bodies()[0]["requests"]
    assert [e.get("title") for e in entries] == ["Intro", None, None]
    assert "title" not in entries[1]


# -- input validation: before any request --------------------------------------------------------------------------

MANY = texts(150)  # the bad entry sits in the second batch: nothing at all may have been sent
BAD_DOCUMENT_CALLS: list[tuple[Any, dict[str, Any], type[Exception], str]] = [
    ([*MANY, "t0", ""], {}, ValueError, r"texts\[151\] is empty"),
    ([*MANY, 7], {}, TypeError, r"texts\[150\] must be a str"),
    ("t0", {}, TypeError, "list of strings"),
    ([*MANY, "a" * 20_000], {}, ValueError, r"texts\[150\] is too long"),
    ([*MANY, "\ud800" * 10], {}, ValueError, r"texts\[150\] is not valid Unicode"),
    (MANY, {"task_type": "SEARCH"}, ValueError, "task_type must be one of"),
    (MANY, {"output_dimensionality": 127}, ValueError, "output_dimensionality .* 128 to 3072"),
    (MANY, {"output_dimensionality": 3073}, ValueError, "output_dimensionality"),
    (MANY, {"output_dimensionality": "768"}, TypeError, "output_dimensionality must be an int"),
    (MANY, {"output_dimensionality": True}, TypeError, "output_dimensionality must be an int"),
    (MANY, {"titles": ["only one"]}, ValueError, "titles has 1 entries for 150 texts"),
    (["t0"], {"titles": "a title"}, TypeError, "titles must be a list"),
    ([*MANY, "t0"], {"titles": [None] * 150 + [3]}, TypeError, r"titles\[150\] must be a str"),
    (MANY, {"titles": [None] * 150, "task_type": "CLUSTERING"}, ValueError, "titles need task_type RETRIEVAL_DOCUMENT"),
]


@pytest.mark.parametrize(("items", "kwargs", "error", "message"), BAD_DOCUMENT_CALLS)
def test_bad_document_input_is_refused_before_any_request(
    fake: FakeEmbed, sync: bool, items: Any, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        documents(fake.model(), sync, items, **kwargs)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("text", "kwargs", "error", "message"),
    [
        ("", {}, ValueError, "text is empty"),
        (None, {}, TypeError, "text must be a str"),
        ("9" * 2100, {}, ValueError, "text is too long"),
        ("t1", {"task_type": "RETRIEVAL"}, ValueError, "task_type must be one of"),
        ("t1", {"output_dimensionality": 0}, ValueError, "output_dimensionality"),
    ],
)
def test_bad_query_input_is_refused_before_any_request(
    fake: FakeEmbed, sync: bool, text: Any, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        query(fake.model(), sync, text, **kwargs)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"task_type": "bogus"}, "task_type"),
        ({"query_task_type": "TASK_TYPE_UNSPECIFIED"}, "query_task_type"),
        ({"output_dimensionality": 64}, "output_dimensionality"),
        ({"max_concurrency": 0}, "max_concurrency"),
    ],
)
def test_bad_settings_are_refused_at_construction(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        GeminiEmbeddings(api_key=FAKE_KEY, **kwargs)


def test_a_misspelt_setting_is_an_error_not_silently_ignored() -> None:
    with pytest.raises(TypeError, match="GeminiEmbeddings got unknown argument: 'dimensions'"):
        GeminiEmbeddings(api_key=FAKE_KEY, dimensions=768)


def test_long_texts_can_be_left_to_the_api(fake: FakeEmbed, sync: bool) -> None:
    long_text = "word " * 1500  # estimated at 2,500 tokens
    documents(fake.model(check_input_length=False), sync, [long_text])
    assert first_text(fake.bodies()[0]) == long_text


def test_an_unknown_model_takes_any_positive_dimension(fake: FakeEmbed) -> None:
    model = fake.model(model="models/my-embedder", output_dimensionality=4096)
    model.embed_query("t1")
    assert fake.requests[0].url.path == "/v1beta/models/my-embedder:embedContent"
    assert fake.bodies()[0]["outputDimensionality"] == 4096


# -- token estimate ------------------------------------------------------------------------------------------------


def test_estimate_counts_digits_one_by_one_and_other_ascii_by_three() -> None:
    assert estimate_tokens("0123456789") == 10
    assert estimate_tokens("abcdef") == 2
    assert estimate_tokens("abcdefg") == 3
    assert estimate_tokens("日本語") == 3  # 3-byte characters: one each
    assert estimate_tokens("привет") == 3  # 2-byte characters: half each
    assert estimate_tokens("😀😀") == 3  # 4-byte characters: one and a half each


def test_limit_boundaries(fake: FakeEmbed) -> None:
    model = fake.model()
    model.embed_documents(["x" * (3 * INPUT_TOKEN_LIMIT), "日" * INPUT_TOKEN_LIMIT])
    for too_long in ("x" * (3 * INPUT_TOKEN_LIMIT + 1), "日" * (INPUT_TOKEN_LIMIT + 1)):
        with pytest.raises(ValueError, match="too long"):
            model.embed_documents([too_long])
    assert len(fake.requests) == 1


@given(st.text(max_size=300))
@settings(deadline=None)  # a property of the estimate, not of its speed: no flaky deadline on a loaded machine
def test_estimate_is_never_below_a_quarter_token_per_character(text: str) -> None:
    # The emulator and Google's rule of thumb both count about 4 characters per token; ours must not count fewer.
    assert estimate_tokens(text) >= math.ceil(len(text) / 4)


# -- dimensions and normalization ----------------------------------------------------------------------------------


def three_four(text: str) -> list[Any]:
    return [3, 4]


def test_reduced_dimensions_are_normalized(sync: bool) -> None:
    fake = FakeEmbed(three_four)
    model = fake.model(output_dimensionality=768)
    assert documents(model, sync, ["t1"]) == [pytest.approx([0.6, 0.8])]
    assert query(model, sync, "t1") == pytest.approx([0.6, 0.8])
    assert {(b.get("requests") or [b])[0]["outputDimensionality"] for b in fake.bodies()} == {768}


def test_normalization_can_be_turned_off(sync: bool) -> None:
    fake = FakeEmbed(three_four)
    model = fake.model(output_dimensionality=768, normalize=False)
    vector = documents(model, sync, ["t1"])[0]
    assert vector == [3.0, 4.0]
    assert all(type(x) is float for x in vector)
    assert query(model, sync, "t1") == [3.0, 4.0]


def test_full_size_vectors_are_passed_through(sync: bool) -> None:
    fake = FakeEmbed(three_four)
    model = fake.model()
    assert documents(model, sync, ["t1"]) == [[3.0, 4.0]]
    assert documents(model, sync, ["t1"], output_dimensionality=3072) == [[3.0, 4.0]]
    assert documents(model, sync, ["t1"], output_dimensionality=1536) == [pytest.approx([0.6, 0.8])]  # per call
    assert "outputDimensionality" not in fake.bodies()[0]["requests"][0]


def test_a_zero_vector_stays_zero() -> None:
    fake = FakeEmbed(lambda text: [0, 0])
    assert fake.model(output_dimensionality=128).embed_query("t1") == [0.0, 0.0]


# -- malformed answers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [None, 128], ids=["full", "normalized"])
@pytest.mark.parametrize(
    "answer",
    [
        b'{"embeddings": [{"values": [1.0]}]}',  # one vector for two texts
        b'{"embeddings": [{"values": [1.0]}, {"values": []}]}',
        b'{"embeddings": [{"values": [1.0]}, {"values": ["x"]}]}',
        b'{"embeddings": [{"values": [1.0]}, {"values": [0.5, null]}]}',
        b'{"embeddings": [{"values": [1.0]}, {"values": [NaN]}]}',
        b'{"embeddings": [{"values": [1.0]}, {}]}',
        b"{}",
        b"[]",
        b"<html>502</html>",
    ],
)
def test_malformed_batch_answers_raise(fake: FakeEmbed, sync: bool, answer: bytes, dims: int | None) -> None:
    fake.hook = lambda body: httpx.Response(200, content=answer)
    with pytest.raises(GeminiResponseValidationError):
        documents(fake.model(output_dimensionality=dims), sync, ["t0", "t1"])


def test_malformed_query_answer_raises(fake: FakeEmbed, sync: bool) -> None:
    fake.hook = lambda body: httpx.Response(200, json={"embeddings": []})
    with pytest.raises(GeminiResponseValidationError):
        query(fake.model(), sync, "t0")


# -- secrets -------------------------------------------------------------------------------------------------------


def test_the_key_never_shows(fake: FakeEmbed) -> None:
    model = fake.model()
    shown = [repr(model), str(model), str(model.model_dump()), model.model_dump_json(), repr(model.model_fields_set)]
    assert all(FAKE_KEY not in text for text in shown)
    restored = pickle.loads(pickle.dumps(GeminiEmbeddings(api_key=FAKE_KEY)))
    assert restored.google_api_key is not None
    assert restored.google_api_key.get_secret_value() == FAKE_KEY


def test_sync_fetching_stays_one_window_ahead_of_parsing() -> None:
    """When answers come faster than they are parsed, no more than `max_concurrency` wait unreceived."""
    started: list[int] = []
    started_when_finishing: list[int] = []
    fetched = threading.Condition()

    def fetch(job: int) -> int:
        with fetched:
            started.append(job)
            fetched.notify_all()
        return job

    def finish(job: int, answer: int) -> int:
        if not started_when_finishing:
            # The first parse is slow: it waits (however loaded the machine) until the window is full, then gives
            # a fetch beyond the window time to start, which a broken bound would show as a fifth start.
            with fetched:
                assert fetched.wait_for(lambda: len(started) >= 4, timeout=30)
            time.sleep(0.05)
        started_when_finishing.append(len(started))
        return answer * 10

    def receive(job: int, answer: int) -> int:
        return answer + 1

    vectors = _batching.map_in_threads(fetch, list(range(20)), 3, receive, finish)
    assert vectors == [(job + 1) * 10 for job in range(20)]
    assert started_when_finishing[0] == 4  # the window of 3, plus the one started once the first was received
    assert all(count <= done + 4 for done, count in enumerate(started_when_finishing))


class _CutBody(httpx.SyncByteStream):
    """A 200 answer whose connection breaks after the headers and a few bytes."""

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"embeddings": [{"val'
        raise httpx.ReadError("connection reset by peer")


def _cut_first_answer_of(text: str) -> Callable[[dict[str, Any]], httpx.Response | None]:
    cut: list[str] = []

    def hook(body: dict[str, Any]) -> httpx.Response | None:
        if first_text(body) == text and not cut:
            cut.append(text)
            return httpx.Response(200, headers={"content-type": "application/json"}, stream=_CutBody())
        return None

    return hook


@pytest.mark.parametrize("limit", [1, 4])
def test_sync_answer_cut_after_its_headers_is_asked_for_again(fake: FakeEmbed, limit: int) -> None:
    fake.hook = _cut_first_answer_of("t100")
    vectors = fake.model(max_concurrency=limit).embed_documents(texts(300))
    assert vectors == [[float(i), 1.0, 0.0] for i in range(300)]
    assert sorted(first_text(body) for body in fake.bodies()) == ["t0", "t100", "t100", "t200"]


def test_sync_answer_cut_after_its_headers_raises_without_retries(fake: FakeEmbed) -> None:
    cut = _cut_first_answer_of("t100")
    # No batch is answered before all three are in: the call gives up on t100's cut answer, and a batch still
    # queued for a worker thread at that moment is cancelled unsent (how far the threads got is up to the OS).
    all_in = threading.Barrier(3)

    def hook(body: dict[str, Any]) -> httpx.Response | None:
        all_in.wait(5)
        return cut(body)

    fake.hook = hook
    with pytest.raises(GeminiConnectionError, match="ReadError"):
        fake.model(max_concurrency=4, max_retries=0).embed_documents(texts(300))
    assert sorted(first_text(body) for body in fake.bodies()) == ["t0", "t100", "t200"]


class _TrackedBody(httpx.SyncByteStream):
    """A streamed body that records whether it was closed (an in-memory one counts as closed from the start)."""

    def __init__(self, content: bytes) -> None:
        self.content = content
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield self.content

    def close(self) -> None:
        self.closed = True


def test_sync_failure_closes_the_answers_it_never_read(fake: FakeEmbed, gave_up: threading.Event) -> None:
    """Batch 0 fails while batches 1-3 are still being answered: their responses (connections) are closed."""
    bodies: list[_TrackedBody] = []
    # Batch 0 fails only once all four requests are in: a batch still queued for a worker thread when the call
    # gives up is cancelled unsent, and how far the threads got would otherwise be up to the OS scheduler.
    all_in = threading.Barrier(4)

    def answer(request: httpx.Request) -> httpx.Response:
        all_in.wait(5)
        if first_text(json.loads(request.content)) == "t0":
            return google_error(400, "INVALID_ARGUMENT", "bad batch")
        assert gave_up.wait(5)  # answer once the call has given up on batch 0
        bodies.append(_TrackedBody(fake.handler(request).content))
        return httpx.Response(200, headers={"content-type": "application/json"}, stream=bodies[-1])

    client = httpx.Client(transport=httpx.MockTransport(answer))
    model = GeminiEmbeddings(api_key=FAKE_KEY, http_client=client, max_concurrency=4)
    with pytest.raises(GeminiBadRequestError, match="bad batch"):
        model.embed_documents(texts(1000))  # 4 batches in flight; the 6 others never start
    assert len(bodies) == 3
    assert all(body.closed for body in bodies)


def test_async_worker_parses_once_its_next_request_is_sent() -> None:
    """A worker holds the answer it has until its next request is out, however many loop turns sending takes.

    Parsing blocks the loop for tens of milliseconds; parsing first would hold the request back, and answers
    that arrive together would keep sending their requests together (measured: idle gaps of ~85 ms every
    ~280 ms at 100 ms of latency).
    """
    events: list[str] = []
    in_flight: list[int] = []
    most_in_flight: list[int] = [0]

    async def fetch(job: int, sent: Callable[[], None]) -> int:
        in_flight.append(job)
        most_in_flight[0] = max(most_in_flight[0], len(in_flight))
        for _ in range(5):  # like httpx: a pool semaphore, a lock, a write, each a loop turn
            await asyncio.sleep(0)
        events.append(f"sent {job}")
        sent()
        sent()  # a retry or a second trace event calls it again
        await asyncio.sleep(0.01)
        in_flight.remove(job)
        return job

    def finish(job: int, answer: int) -> int:
        events.append(f"parse {job}")
        return answer * 10

    results = asyncio.run(_batching.map_in_tasks(fetch, list(range(6)), 2, finish))
    assert results == [job * 10 for job in range(6)]
    assert most_in_flight[0] == 2  # the bound holds
    # Jobs 2 and 3 are the next fetches of the workers holding answers 0 and 1; 4 and 5 likewise for 2 and 3.
    for answer, next_job in ((0, 2), (1, 3), (2, 4), (3, 5)):
        assert events.index(f"sent {next_job}") < events.index(f"parse {answer}")


def test_async_worker_parses_when_its_next_fetch_ends_without_saying_sent() -> None:
    """A transport that reports nothing (no trace support): the answer is parsed once the next fetch is done."""
    events: list[str] = []

    async def fetch(job: int, sent: Callable[[], None]) -> int:
        await asyncio.sleep(0.01)
        events.append(f"answered {job}")
        if job == 3:
            raise ValueError("batch 3 failed")
        return job

    def finish(job: int, answer: int) -> int:
        events.append(f"parse {job}")
        return answer

    assert asyncio.run(_batching.map_in_tasks(fetch, [0, 1, 2], 2, finish)) == [0, 1, 2]
    assert events.index("answered 2") < events.index("parse 0")
    with pytest.raises(ValueError, match="batch 3 failed"):
        asyncio.run(_batching.map_in_tasks(fetch, [0, 1, 2, 3], 2, finish))


def test_sync_answers_in_together_are_taken_failure_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers in at once are taken failures first, the earliest job's first: a failed call starts no more jobs.

    The last `submit` of the first window returns only once that whole window is answered, so the calling thread
    finds all eight done together, jobs 5 and 7 failed. Taken in set order, each success ahead of a failure would
    start another job, and which error was raised would be up to the futures' hashes (addresses): several calls,
    so that no lucky order lets that pass.
    """
    window = 8
    submitted: list[Future[Any]] = []

    class AnsweredWindowPool(ThreadPoolExecutor):
        def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
            future = super().submit(fn, *args, **kwargs)
            submitted.append(future)
            if len(submitted) == window:
                assert not wait_for_futures(submitted, timeout=5).not_done
            return future

    monkeypatch.setattr(_batching, "ThreadPoolExecutor", AnsweredWindowPool)

    def fetch(job: int) -> int:
        if job in (5, 7):
            raise ValueError(f"job {job} failed")
        return job

    for _ in range(5):
        submitted.clear()
        discarded: list[int] = []
        with pytest.raises(ValueError, match="job 5 failed"):
            _batching.map_in_threads(
                fetch, list(range(20)), window, lambda job, got: got, lambda job, got: got, discard=discarded.append
            )
        assert len(submitted) == window  # nothing started after the failures were in
        assert sorted(discarded) == [0, 1, 2, 3, 4, 6]  # every answer never received is discarded
