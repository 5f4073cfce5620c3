"""Sync `ChatGemini.batch`: an input waiting to retry lends its concurrency slot (issue 16, retries under load).

Deterministic: the retry "sleep" of the failing input waits until another input's request reaches the server,
which can only happen if the sleeping input gave its slot away; the transport counts requests in flight.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage

from langchain_gemini import ChatGemini, GeminiError
from langchain_gemini._retry_slots import RetrySlots
from tests.unit.fake_gemini import FAKE_KEY, text_response

WAIT = 10.0  # seconds an event is waited for before the test records that it never came (a failure, not a hang)


class Server:
    """Answers each prompt from a script and counts the requests being answered at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.arrived: dict[str, threading.Event] = {}
        self.attempts: dict[str, int] = {}
        self.log: list[str] = []

    def event(self, prompt: str) -> threading.Event:
        with self.lock:
            return self.arrived.setdefault(prompt, threading.Event())

    def handler(self, request: httpx.Request) -> httpx.Response:
        prompt = json.loads(request.content)["contents"][0]["parts"][0]["text"]
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.attempts[prompt] = self.attempts.get(prompt, 0) + 1
            attempt = self.attempts[prompt]
            self.log.append(f"{prompt}#{attempt}")
        self.event(prompt).set()
        try:
            if prompt == "flaky" and attempt == 1:
                return httpx.Response(503, json={"error": {"code": 503, "message": "busy", "status": "UNAVAILABLE"}})
            if prompt == "bad":
                return httpx.Response(400, json={"error": {"code": 400, "message": "no", "status": "INVALID_ARGUMENT"}})
            if prompt == "slow":  # stays in flight until "late" has been sent
                self.event("late").wait(WAIT)
            return httpx.Response(200, json=text_response(f"answer to {prompt}"))
        finally:
            with self.lock:
                self.in_flight -= 1


class Runs(BaseCallbackHandler):
    def __init__(self) -> None:
        self.started: list[str] = []
        self.ended = 0

    def on_chat_model_start(self, serialized: Any, messages: list[list[Any]], **kwargs: Any) -> None:
        self.started.append(messages[0][0].content)

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.ended += 1


def _model(server: Server) -> tuple[ChatGemini, httpx.Client]:
    client = httpx.Client(transport=httpx.MockTransport(server.handler))
    return ChatGemini(model="gemini-2.5-flash", api_key=FAKE_KEY, http_client=client), client


def test_an_input_waiting_to_retry_lets_the_next_input_run(monkeypatch: pytest.MonkeyPatch) -> None:
    server = Server()
    waited_for: list[bool] = []

    def retry_wait(seconds: float) -> None:  # the backoff: over when "late" reached the server, or never
        waited_for.append(server.event("late").wait(WAIT))

    monkeypatch.setattr(time, "sleep", retry_wait)
    model, client = _model(server)
    runs = Runs()
    with client:
        answers = model.batch(["flaky", "slow", "late"], {"max_concurrency": 2, "callbacks": [runs]})

    # "late" was sent while "flaky" waited to retry and "slow" was still in flight: the slot of "flaky" was lent.
    assert waited_for == [True]
    assert server.log.index("late#1") < server.log.index("flaky#2")
    # Never more than max_concurrency requests at once ("slow" may reach the server after "late" has come and gone).
    assert server.most_in_flight <= 2
    assert [a.content for a in answers] == ["answer to flaky", "answer to slow", "answer to late"]
    assert sorted(runs.started) == ["flaky", "late", "slow"]
    assert runs.ended == 3


def test_max_concurrency_one_still_sends_one_request_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    server = Server()
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    model, client = _model(server)
    with client:
        answers = model.batch(["flaky", "a", "b", "c"], {"max_concurrency": 1})
    assert server.most_in_flight == 1
    assert [a.content for a in answers] == ["answer to flaky", "answer to a", "answer to b", "answer to c"]
    assert server.attempts == {"flaky": 2, "a": 1, "b": 1, "c": 1}


def test_return_exceptions_puts_the_error_in_place_and_raising_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    server = Server()
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    model, client = _model(server)
    with client:
        answers = model.batch(["a", "bad", "flaky"], {"max_concurrency": 2}, return_exceptions=True)
        assert isinstance(answers[0], AIMessage)
        assert answers[0].content == "answer to a"
        assert isinstance(answers[1], GeminiError)
        assert answers[1].status_code == 400
        assert isinstance(answers[2], AIMessage)
        assert answers[2].content == "answer to flaky"
        with pytest.raises(GeminiError) as raised:
            model.batch(["a", "bad"], {"max_concurrency": 2})
        assert raised.value.status_code == 400


def test_a_slot_is_lent_only_by_a_thread_that_holds_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    slots = RetrySlots(1)
    slots.sleep(0.1)  # holds none: must not add a slot
    with slots.hold():
        slots.sleep(0.1)  # lends its slot and takes it back
        assert not slots._free.acquire(blocking=False)  # the only slot is held again
    assert slots._free.acquire(blocking=False)
    with pytest.raises(ValueError, match="max_concurrency must be >= 1"):
        RetrySlots(0)
