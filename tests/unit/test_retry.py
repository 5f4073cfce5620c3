"""RetryPolicy and the retry-hint parsers, as tables (no IO, no sleeping)."""

from __future__ import annotations

import json
import math
import random
import time
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langchain_gemini._retry import (
    RETRYABLE_STATUSES,
    RetryPolicy,
    parse_duration,
    parse_retry_after,
    per_day_quota_id,
    retry_hint,
)
from langchain_gemini.errors import (
    GeminiAPIError,
    GeminiConnectionError,
    GeminiRateLimitError,
    GeminiResponseValidationError,
    GeminiServerError,
    GeminiStreamError,
    GeminiTimeoutError,
    error_from_response,
)

NOW = 1_700_000_000.0


def _retry_info(delay: str) -> dict[str, str]:
    return {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}


def _quota(quota_id: str) -> dict[str, object]:
    return {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [{"quotaId": "Other"}, {"quotaId": quota_id}],
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2s", 2.0),
        ("45.837906927s", 45.837906927),
        ("3600s", 3600.0),
        ("0s", None),
        ("-3s", None),
        ("nans", None),
        ("infs", None),  # not a number: garbage, like nan
        ("-Infinitys", None),
        ("1e999s", math.inf),  # a number that overflows: too long, give up
        ("1_000s", None),
        ("47", None),  # not a Duration: no unit
        ("abc", None),
        (47, None),
        (None, None),
    ],
)
def test_parse_duration(value: object, expected: float | None) -> None:
    assert parse_duration(value) == expected


def _http_date(offset: float) -> str:
    return format_datetime(datetime.fromtimestamp(NOW + offset, tz=UTC), usegmt=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        (" 3 ", 3.0),
        ("1.5", 1.5),
        ("0", None),
        ("-5", None),
        ("nan", None),
        ("abc", None),
        ("", None),
        # Literal infinities are garbage (backoff); a numeric overflow is a too-long hint (give up).
        ("inf", None),
        ("INF", None),
        ("+inf", None),
        ("-inf", None),
        ("Infinity", None),
        (" -infinity ", None),
        ("1e999", math.inf),
        ("+1E999", math.inf),
        ("-1e999", None),
        ("1_000", None),
        ("\u0663", None),  # a non-ASCII digit that float() would accept
        (".5", 0.5),
        (_http_date(20), 20.0),
        (_http_date(-20), None),
    ],
)
def test_parse_retry_after(value: str, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_parse_retry_after_uses_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: NOW)
    assert parse_retry_after(_http_date(20)) == 20.0


@pytest.mark.parametrize(
    ("details", "headers", "expected"),
    [
        ([_retry_info("2s")], {"retry-after-ms": "1500", "Retry-After": "9"}, 2.0),
        ([], {"retry-after-ms": "1500", "Retry-After": "9"}, 1.5),
        ([], {"Retry-After-Ms": "1e5"}, 100.0),
        ([], {"Retry-After": "9"}, 9.0),
        ([_retry_info("0s")], {"retry-after": "4"}, 4.0),  # unusable sources fall through
        ([], {"retry-after-ms": "garbage", "retry-after": "4"}, 4.0),
        ([], {"retry-after-ms": "1e999"}, math.inf),
        ([], {"retry-after-ms": "inf", "retry-after": "4"}, 4.0),  # literal inf is garbage: falls through
        ([], {"retry-after-ms": "-Infinity"}, None),
        ([], {"retry-after-ms": "nan", "retry-after": "inf"}, None),
        ([], {"retry-after": "nan"}, None),
        ([{"@type": "x"}, "not a dict"], None, None),
        ([], None, None),
    ],
)
def test_retry_hint_precedence(details: list[object], headers: dict[str, str] | None, expected: float | None) -> None:
    assert retry_hint(details, headers) == expected


def test_per_day_quota_id() -> None:
    per_day = "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
    assert per_day_quota_id([_quota(per_day)]) == per_day
    assert per_day_quota_id([_quota("GenerateRequestsPerMinutePerProjectPerModel")]) is None
    assert per_day_quota_id([{"@type": "type.googleapis.com/google.rpc.QuotaFailure"}]) is None
    assert per_day_quota_id([]) is None


# -- the policy ----------------------------------------------------------------------------


def _status(status: int, details: list[dict[str, object]] | None = None, **headers: str) -> GeminiAPIError:
    body = json.dumps({"error": {"code": status, "message": "m", "details": details or []}})
    return error_from_response(status, headers, body.encode(), secret=None)


def test_backoff_formula() -> None:
    zero = RetryPolicy(jitter=lambda: 0.0)
    one = RetryPolicy(jitter=lambda: 1.0)
    assert [zero.backoff(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert [one.backoff(n) for n in range(3)] == [0.375, 0.75, 1.5]
    assert zero.backoff(10_000) == 8.0  # no overflow for absurd attempt numbers


def test_backoff_uses_random_random_when_no_jitter_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "random", lambda: 1.0)
    assert RetryPolicy().backoff(0) == 0.375


def test_backoff_stays_in_range_with_real_randomness() -> None:
    policy = RetryPolicy()
    for attempt in range(8):
        delay = policy.backoff(attempt)
        cap = min(0.5 * 2**attempt, 8.0)
        assert 0.75 * cap <= delay <= cap


def test_defaults() -> None:
    policy = RetryPolicy()
    assert (policy.max_retries, policy.initial_delay, policy.max_delay, policy.max_server_delay) == (
        2,
        0.5,
        8.0,
        60.0,
    )


@pytest.mark.parametrize("status", range(100, 600))
def test_status_table(status: int) -> None:
    policy = RetryPolicy(jitter=lambda: 0.0)
    expected = status in {408, 429, 500, 502, 503, 504}
    assert (status in RETRYABLE_STATUSES) is expected
    assert (policy.next_delay(0, _status(status)) is not None) is expected


def test_gives_up_after_max_retries() -> None:
    policy = RetryPolicy(max_retries=2, jitter=lambda: 0.0)
    error = _status(503)
    assert [policy.next_delay(n, error) for n in range(3)] == [0.5, 1.0, None]
    assert RetryPolicy(max_retries=0).next_delay(0, error) is None


def test_hint_wins_over_backoff_and_too_long_hint_gives_up() -> None:
    policy = RetryPolicy(jitter=lambda: 0.0)
    assert policy.next_delay(1, _status(429, [_retry_info("2s")])) == 2.0
    assert policy.next_delay(0, _status(429, [_retry_info("60s")])) == 60.0
    too_long = _status(429, [_retry_info("3600s")])
    assert too_long.retry_after == 3600.0
    assert policy.next_delay(0, too_long) is None
    assert policy.next_delay(0, _status(503, **{"retry-after": "1e999"})) is None
    assert RetryPolicy(max_server_delay=7200).next_delay(0, too_long) == 3600.0


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "-inf", "Infinity", "abc", "-1e999"])
@pytest.mark.parametrize("header", ["retry-after", "retry-after-ms"])
def test_unusable_hints_fall_back_to_backoff(header: str, value: str) -> None:
    policy = RetryPolicy(jitter=lambda: 0.0)
    error = _status(503, **{header: value})
    assert error.retry_after is None
    assert policy.next_delay(1, error) == 1.0


@pytest.mark.parametrize("header", ["retry-after", "retry-after-ms"])
def test_overflowing_hint_gives_up_with_retry_after(header: str) -> None:
    error = _status(503, **{header: "1e999"})
    assert error.retry_after == math.inf
    assert RetryPolicy(jitter=lambda: 0.0).next_delay(0, error) is None


@given(st.text(max_size=40))
def test_hint_parsers_never_raise(value: str) -> None:
    for result in (parse_retry_after(value, now=NOW), parse_duration(value), retry_hint([], {"retry-after-ms": value})):
        assert result is None or result > 0


def test_per_day_quota_is_never_retried() -> None:
    error = _status(429, [_quota("GenerateRequestsPerDayPerProjectPerModel"), _retry_info("2s")])
    assert isinstance(error, GeminiRateLimitError)
    assert error.is_retryable is False
    assert RetryPolicy().next_delay(0, error) is None
    # Also when the instance flag was not set by the parser.
    error.is_retryable = True
    assert RetryPolicy().next_delay(0, error) is None


def test_transport_errors_retry_other_errors_do_not() -> None:
    policy = RetryPolicy(jitter=lambda: 0.0)
    assert policy.next_delay(0, GeminiTimeoutError("t")) == 0.5
    assert policy.next_delay(0, GeminiConnectionError("c")) == 0.5
    assert policy.next_delay(0, GeminiStreamError("s")) is None
    assert policy.next_delay(0, GeminiResponseValidationError("v")) is None
    # A server error with a non-retryable status, built by hand.
    assert policy.next_delay(0, GeminiServerError("x", status_code=501)) is None
    assert policy.next_delay(0, GeminiServerError("x", status_code=503)) == 0.5


def test_policy_is_frozen() -> None:
    policy = RetryPolicy()
    with pytest.raises(AttributeError):
        policy.max_retries = 5  # type: ignore[misc]
