"""ChatGemini survives dumpd/load with the key as a secret reference, and copies cleanly."""

from __future__ import annotations

import copy
import pickle

from langchain_core.load import dumpd, dumps, load

from langchain_gemini import ChatGemini
from tests.unit.fake_gemini import FAKE_KEY, FakeGemini


def test_round_trip_through_load_restores_settings_and_key_from_secrets() -> None:
    model = ChatGemini(model="gemini-2.5-flash", api_key=FAKE_KEY, temperature=0.1, max_tokens=30, stop=["z"])
    data = dumpd(model)
    assert FAKE_KEY not in dumps(model)
    restored = load(
        data,
        allowed_objects=[ChatGemini],
        valid_namespaces=["langchain_gemini"],
        secrets_map={"GOOGLE_API_KEY": FAKE_KEY},
    )
    assert isinstance(restored, ChatGemini)
    assert restored._identifying_params == model._identifying_params
    assert restored.google_api_key is not None
    assert restored.google_api_key.get_secret_value() == FAKE_KEY


def test_deepcopy_and_copy_keep_settings_and_work() -> None:
    fake = FakeGemini()
    model = fake.model(temperature=0.4)
    model.invoke("warm up")  # builds the pooled client
    for clone in (copy.deepcopy(model), model.model_copy(deep=True)):
        assert clone.temperature == 0.4
        assert FAKE_KEY not in repr(clone)
        assert clone.invoke("again").content == "ok"


def test_pickle_without_clients_round_trips() -> None:
    model = ChatGemini(model="gemini-2.5-flash", api_key=FAKE_KEY, top_p=0.5)
    clone = pickle.loads(pickle.dumps(model))
    assert clone.top_p == 0.5
