"""The conformance runner's own arithmetic (`tests/conformance/realwire.py`), on small hand-built exchanges.

`make conformance` is only as good as its path comparison: these pin what it counts, what it ignores and how it
samples streams, so a broken comparison cannot report a passing share.
"""

from __future__ import annotations

from typing import Any

from tests.conformance.realwire import Outcome, compare, paths, run_b


def answer(*parts: dict[str, Any], **candidate: Any) -> dict[str, Any]:
    return {"candidates": [{"content": {"parts": list(parts), "role": "model"}, **candidate}]}


def exchange(google: Any, emulator: Any, *, stream: bool = False, got: int = 200) -> tuple[dict[str, Any], Outcome]:
    recorded: dict[str, Any] = {"status": 200, ("sse" if stream else "body"): google}
    return {"response": recorded}, Outcome("case", 200, got, emulator, [])


def tally(*pairs: tuple[dict[str, Any], Outcome]) -> tuple[int, int, int]:
    cases = {f"case{i}": case for i, (case, _) in enumerate(pairs)}
    outcomes = [Outcome(f"case{i}", o.expected, o.got, o.body, []) for i, (_, o) in enumerate(pairs)]
    shapes = run_b(cases, outcomes)
    return shapes.found, shapes.google, shapes.extra


def test_paths_key_parts_by_kind_and_merge_list_items() -> None:
    assert set(paths(answer({"text": "a"}, {"functionCall": {"name": "f", "args": {"x": 1}}}, index=0))) == {
        "candidates",
        "candidates[]",
        "candidates[].index",
        "candidates[].content",
        "candidates[].content.role",
        "candidates[].content.parts",
        "candidates[].content.parts[text]",
        "candidates[].content.parts[text].text",
        "candidates[].content.parts[functionCall]",
        "candidates[].content.parts[functionCall].functionCall",
        "candidates[].content.parts[functionCall].functionCall.name",
        "candidates[].content.parts[functionCall].functionCall.args",
        "candidates[].content.parts[functionCall].functionCall.args.x",
    }


def test_a_missing_path_is_counted_against_the_emulator() -> None:
    google = answer({"text": "a"}, index=0, finishReason="STOP")
    emulator = answer({"text": "b"}, finishReason="STOP")
    # Google's 9 paths: the emulator has all but candidates[].index
    assert tally(exchange(google, emulator)) == (8, 9, 0)
    shared, differ = compare(google, emulator)
    assert differ == {"candidates[].index"}
    assert len(shared) == 8


def test_paths_under_a_parent_one_side_lacks_are_ignored() -> None:
    google = {"usageMetadata": {"promptTokenCount": 3, "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 1}]}}
    emulator = {"modelVersion": "x"}
    # only the top-level keys are compared: usageMetadata is missing, its 5 descendants are not counted; the
    # emulator's modelVersion is an extra
    assert tally(exchange(google, emulator)) == (0, 1, 1)
    emulator_with_usage = {"usageMetadata": {"promptTokenCount": 3}}
    # now usageMetadata is shared, and cacheTokensDetails is missing; its own children are ignored again
    assert tally(exchange(google, emulator_with_usage)) == (2, 3, 0)


def test_a_text_answer_is_not_compared_with_a_function_call() -> None:
    google = answer({"functionCall": {"name": "f", "args": {"deep": {"x": 1}}}})
    emulator = answer({"text": "no call"})
    found, total, extra = tally(exchange(google, emulator))
    # Google's parts[functionCall] is missing and nothing below it counts; the emulator's parts[text] is extra
    assert (found, total, extra) == (5, 6, 1)


def test_free_form_arguments_are_not_shapes() -> None:
    google = answer({"functionCall": {"name": "f", "args": {"city": "Paris", "nested": {"a": 1}}}})
    emulator = answer({"functionCall": {"name": "f", "args": {"town": "Lyon"}}})
    shared, differ = compare(google, emulator)
    assert not any(".args." in path for path in shared | differ)
    assert differ == set()


def test_streams_compare_first_middle_and_last_events_only() -> None:
    google = [
        {"responseId": "r", "first": 1},
        {"responseId": "r", "second": 1},  # never sampled: index 1 of 5
        {"responseId": "r", "middle": 1},
        {"responseId": "r"},
        {"responseId": "r", "usageMetadata": {"totalTokenCount": 9}},
    ]
    emulator = [{"responseId": "e"}, {"responseId": "e", "middle": 2}, {"responseId": "e"}]
    # first: responseId found, `first` missing; middle (google[2] vs emulator[1]): both found; last: responseId
    # found, usageMetadata missing. `second` is in no sampled event.
    assert tally(exchange(google, emulator, stream=True)) == (4, 6, 0)


def test_exchanges_either_side_rejected_are_not_compared() -> None:
    google = answer({"text": "a"}, index=0)
    assert tally(exchange(google, {"error": {"code": 400}}, got=400)) == (0, 0, 0)
    rejected_by_google = ({"response": {"status": 400, "body": {"error": {}}}}, Outcome("case", 400, 400, {}, []))
    assert tally(rejected_by_google) == (0, 0, 0)


def test_totals_add_up_over_exchanges() -> None:
    full = exchange(answer({"text": "a"}, index=0), answer({"text": "b"}, index=0))
    partial = exchange(answer({"text": "a"}, index=0), answer({"text": "b"}))
    assert tally(full) == (8, 8, 0)
    assert tally(full, partial) == (8 + 7, 8 + 8, 0)


def test_part_a_agreement_needs_the_same_kind_of_answer() -> None:
    assert Outcome("x", 200, 200, {}, []).agrees
    assert not Outcome("x", 200, 400, {}, []).agrees
    assert Outcome("x", 404, 404, {}, []).agrees
    assert not Outcome("x", 400, 200, {}, []).agrees
    assert not Outcome("x", 400, 404, {}, []).agrees  # a rejection must have Google's status
