"""errors.py: classification, body shapes, str(), redaction, portability."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import httpx
import pytest
from langchain_core import exceptions as lc

from langchain_gemini import errors
from langchain_gemini.errors import (
    GeminiAPIError,
    GeminiAuthenticationError,
    GeminiBadRequestError,
    GeminiConnectionError,
    GeminiContextOverflowError,
    GeminiError,
    GeminiNotFoundError,
    GeminiPermissionDeniedError,
    GeminiRateLimitError,
    GeminiResponseValidationError,
    GeminiServerError,
    GeminiStreamError,
    GeminiTimeoutError,
    error_from_body,
    error_from_response,
    error_from_transport,
    redact,
)
from tests.unit.fake_gemini import FakeGemini

KEY = "AIzaFAKE-sentinel-0123456789"
REAL_SHAPED_KEY = "AIza" + "B" * 35


def _body(code: int, status: str, message: str, details: list[Any] | None = None) -> bytes:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details is not None:
        error["details"] = details
    return json.dumps({"error": error}).encode()


def _from(code: int, status: str, message: str, details: list[Any] | None = None) -> GeminiAPIError:
    return error_from_response(code, {}, _body(code, status, message, details), secret=KEY)


def _error_info(reason: str) -> dict[str, Any]:
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
    }


# -- hierarchy -----------------------------------------------------------------------------

HIERARCHY = [
    (GeminiAPIError, GeminiError, None),
    (GeminiBadRequestError, GeminiAPIError, lc.ModelInvalidRequestError),
    (GeminiContextOverflowError, GeminiBadRequestError, lc.ContextOverflowError),
    (GeminiAuthenticationError, GeminiAPIError, lc.ModelAuthenticationError),
    (GeminiPermissionDeniedError, GeminiAPIError, lc.ModelPermissionDeniedError),
    (GeminiNotFoundError, GeminiAPIError, lc.ModelNotFoundError),
    (GeminiRateLimitError, GeminiAPIError, lc.ModelRateLimitError),
    (GeminiServerError, GeminiAPIError, lc.ModelAPIError),
    (GeminiTimeoutError, GeminiError, lc.ModelTimeoutError),
    (GeminiConnectionError, GeminiError, lc.ModelConnectionError),
    (GeminiStreamError, GeminiError, None),
    (GeminiResponseValidationError, GeminiError, None),
]
ALL_CLASSES = [cls for cls, _, _ in HIERARCHY]


@pytest.mark.parametrize(("cls", "parent", "lc_class"), HIERARCHY)
def test_hierarchy(cls: type[GeminiError], parent: type, lc_class: type | None) -> None:
    assert issubclass(cls, parent)
    assert issubclass(cls, lc.ModelError)
    if lc_class is not None:
        assert issubclass(cls, lc_class)
        assert cls.is_retryable is lc_class.is_retryable


def test_docstring_draws_every_class() -> None:
    assert errors.__doc__ is not None
    for cls in ALL_CLASSES:
        assert cls.__name__ in errors.__doc__


# -- classification ------------------------------------------------------------------------

OVERFLOW = "The input token count (3475108) exceeds the maximum number of tokens allowed (1048576)."


@pytest.mark.parametrize(
    ("code", "status", "message", "details", "cls", "retryable"),
    [
        (400, "INVALID_ARGUMENT", "bad field", None, GeminiBadRequestError, False),
        (400, "FAILED_PRECONDITION", "billing", None, GeminiBadRequestError, False),
        (400, "INVALID_ARGUMENT", OVERFLOW, None, GeminiContextOverflowError, False),
        (400, "INVALID_ARGUMENT", "API key not valid.", [_error_info("API_KEY_INVALID")],
         GeminiAuthenticationError, False),
        (401, "UNAUTHENTICATED", "no creds", None, GeminiAuthenticationError, False),
        (403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers", None,
         GeminiPermissionDeniedError, False),
        (403, "PERMISSION_DENIED", "blocked", [_error_info("API_KEY_SERVICE_BLOCKED")],
         GeminiPermissionDeniedError, False),
        (404, "NOT_FOUND", "models/x is not found", None, GeminiNotFoundError, False),
        (408, "DEADLINE_EXCEEDED", "proxy timeout", None, GeminiServerError, True),
        (409, "ABORTED", "conflict", None, GeminiAPIError, False),
        (429, "RESOURCE_EXHAUSTED", "quota", None, GeminiRateLimitError, True),
        (499, "CANCELLED", "cancelled", None, GeminiAPIError, False),
        (500, "INTERNAL", "oops", None, GeminiServerError, True),
        (501, "UNIMPLEMENTED", "nope", None, GeminiServerError, False),
        (503, "UNAVAILABLE", "The model is overloaded.", None, GeminiServerError, True),
        (504, "DEADLINE_EXCEEDED", "slow", None, GeminiServerError, True),
    ],
)  # fmt: skip
def test_classification(
    code: int,
    status: str,
    message: str,
    details: list[Any] | None,
    cls: type[GeminiAPIError],
    retryable: bool,
) -> None:
    error = _from(code, status, message, details)
    assert type(error) is cls
    assert error.status_code == code
    assert error.status == status
    assert error.message == message
    assert error.is_retryable is retryable
    assert str(error) == f"{code} {status}: {message}"


def test_context_overflow_is_matched_by_message_not_status() -> None:
    # Same words but not a 400: classification stays by status.
    assert type(_from(500, "INTERNAL", OVERFLOW)) is GeminiServerError
    error = _from(400, "INVALID_ARGUMENT", OVERFLOW)
    assert isinstance(error, lc.ContextOverflowError)
    assert isinstance(error, GeminiBadRequestError)


def test_details_are_parsed() -> None:
    details = [
        {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [{"field": "x"}]},
        "junk",
    ]
    error = _from(400, "INVALID_ARGUMENT", "bad", details)
    assert error.details == [details[0]]


def test_retry_after_from_retry_info_and_headers() -> None:
    body = _body(429, "RESOURCE_EXHAUSTED", "q", [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "45.837906927s"}
    ])  # fmt: skip
    assert error_from_response(429, {}, body, secret=None).retry_after == 45.837906927
    plain = _body(503, "UNAVAILABLE", "busy")
    assert error_from_response(503, {"Retry-After": "3"}, plain, secret=None).retry_after == 3.0
    assert error_from_response(503, {}, plain, secret=None).retry_after is None


def test_per_day_quota_names_the_quota_and_is_not_retryable() -> None:
    quota_id = "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
    details = [{
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [{"quotaId": quota_id}],
    }]  # fmt: skip
    error = _from(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota", details)
    assert isinstance(error, GeminiRateLimitError)
    assert error.is_retryable is False
    assert quota_id in error.message
    assert quota_id in str(error)
    assert GeminiRateLimitError.is_retryable is True  # the class flag is untouched


def test_request_id_header() -> None:
    body = _body(500, "INTERNAL", "x")
    assert error_from_response(500, {"X-Request-Id": "r-1"}, body, secret=None).request_id == "r-1"
    assert error_from_response(500, {}, body, secret=None).request_id is None


# -- body shapes ---------------------------------------------------------------------------


def test_list_wrapped_body_parses_like_object() -> None:
    inner = {"code": 503, "message": "busy", "status": "UNAVAILABLE"}
    listed = error_from_response(503, {}, json.dumps([{"error": inner}]).encode(), secret=None)
    plain = error_from_response(503, {}, json.dumps({"error": inner}).encode(), secret=None)
    assert type(listed) is type(plain) is GeminiServerError
    assert str(listed) == str(plain) == "503 UNAVAILABLE: busy"
    assert listed.body == [{"error": inner}]


def test_legacy_errors_list_is_ignored() -> None:
    body = {"error": {
        "code": 400, "message": "bad", "status": "INVALID_ARGUMENT",
        "errors": [{"message": "bad", "domain": "global", "reason": "badRequest"}],
    }}  # fmt: skip
    error = error_from_response(400, {}, json.dumps(body).encode(), secret=None)
    assert str(error) == "400 INVALID_ARGUMENT: bad"
    assert error.details == []


def test_html_body() -> None:
    html = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    error = error_from_response(502, {"content-type": "text/html"}, html, secret=None)
    assert type(error) is GeminiServerError
    assert str(error) == "502 Bad Gateway"
    assert error.status is None
    assert error.body == html.decode()
    assert error.is_retryable is True


@pytest.mark.parametrize(
    ("code", "content", "cls", "text"),
    [
        (500, b"", GeminiServerError, "500 Internal Server Error"),
        (404, b"   ", GeminiNotFoundError, "404 Not Found"),
        (400, b'{"message": "plain message"}', GeminiBadRequestError, "400 plain message"),
        (429, b'{"message": "slow down", "status": "RESOURCE_EXHAUSTED"}', GeminiRateLimitError,
         "429 RESOURCE_EXHAUSTED: slow down"),
        (418, b"[1, 2]", GeminiAPIError, "418 I'm a Teapot"),
        (599, b"null", GeminiServerError, "599 HTTP error"),
        (400, b'{"error": "a string"}', GeminiBadRequestError, "400 Bad Request"),
    ],
)  # fmt: skip
def test_other_bodies_classify_by_http_status(code: int, content: bytes, cls: type[GeminiAPIError], text: str) -> None:
    error = error_from_response(code, {}, content, secret=None)
    assert type(error) is cls
    assert str(error) == text


def test_error_from_body_takes_code_from_payload() -> None:
    payload = {"error": {"code": 500, "message": "internal", "status": "INTERNAL"}}
    error = error_from_body(payload, secret=None)
    assert type(error) is GeminiServerError
    assert error.status_code == 500
    assert str(error) == "500 INTERNAL: internal"


@pytest.mark.parametrize(
    ("payload", "cls", "code"),
    [
        ({"error": {"message": "m", "status": "UNAVAILABLE"}}, GeminiServerError, 503),
        ({"error": {"message": "m", "status": "RESOURCE_EXHAUSTED"}}, GeminiRateLimitError, 429),
        ([{"error": {"code": 400, "message": "m"}}], GeminiBadRequestError, 400),
        ({"code": 404, "message": "bare status"}, GeminiNotFoundError, 404),
        ({"error": {"message": "m", "status": "WEIRD"}}, GeminiAPIError, None),
        ("not even json", GeminiAPIError, None),
    ],
)
def test_error_from_body_shapes(payload: object, cls: type, code: int | None) -> None:
    error = error_from_body(payload, secret=None)
    assert type(error) is cls
    assert error.status_code == code


def test_error_from_body_explicit_status_wins() -> None:
    payload = {"error": {"code": 500, "message": "m", "status": "INTERNAL"}}
    assert error_from_body(payload, status_code=503, secret=None).status_code == 503


# -- transport -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ReadTimeout("timed out"), GeminiTimeoutError),
        (httpx.ConnectTimeout("timed out"), GeminiTimeoutError),
        (httpx.PoolTimeout("timed out"), GeminiTimeoutError),
        (httpx.WriteTimeout("timed out"), GeminiTimeoutError),
        (TimeoutError("builtin"), GeminiTimeoutError),
        (httpx.ConnectError("[Errno 111] Connection refused"), GeminiConnectionError),
        (httpx.RemoteProtocolError("Server disconnected"), GeminiConnectionError),
        (httpx.ReadError("reset"), GeminiConnectionError),
    ],
)
def test_error_from_transport(exc: Exception, cls: type[GeminiError]) -> None:
    error = error_from_transport(exc, secret=KEY)
    assert type(error) is cls
    assert error.__cause__ is exc
    assert error.is_retryable is True
    assert error.status_code is None
    assert type(exc).__name__ in str(error)


def test_error_from_transport_strips_queries_and_key() -> None:
    exc = httpx.ConnectError(f"failed for https://host/v1beta/models?key={KEY}&alt=sse and {REAL_SHAPED_KEY}")
    error = error_from_transport(exc, secret=KEY)
    assert "key=" not in str(error)
    assert "alt=sse" not in str(error)
    assert KEY not in str(error)
    assert REAL_SHAPED_KEY not in str(error)
    assert "https://host/v1beta/models" in str(error)


# -- redaction -----------------------------------------------------------------------------


def test_redact() -> None:
    assert redact(f"key {KEY}!", KEY) == "key ***!"
    assert redact(f"key {REAL_SHAPED_KEY}", None) == "key ***"
    assert redact("nothing here", KEY) == "nothing here"
    assert redact("AIzaShort", None) == "AIzaShort"


def test_echoed_debug_info_is_redacted_everywhere() -> None:
    details = [
        _error_info("API_KEY_INVALID"),
        {"@type": "type.googleapis.com/google.rpc.DebugInfo", "detail": f"Invalid API key: {KEY}"},
    ]
    error = _from(400, "INVALID_ARGUMENT", f"API key not valid: {KEY}", details)
    assert isinstance(error, GeminiAuthenticationError)
    for text in (str(error), repr(error), repr(error.args), error.message,
                 json.dumps(error.details), json.dumps(error.body)):  # fmt: skip
        assert KEY not in text
    assert "Invalid API key: ***" in json.dumps(error.details)
    assert "Invalid API key: ***" in json.dumps(error.body)


def test_non_json_body_is_redacted() -> None:
    error = error_from_response(502, {}, f"<p>{KEY}</p>".encode(), secret=KEY)
    assert error.body == "<p>***</p>"


UNKNOWN_FIELD = "Invalid JSON payload received. Unknown name \"temprature\" at 'generation_config': Cannot find field."
NOT_FOUND = "models/gemini-test-tuned is not found for API version v1beta, or is not supported for generateContent."


def _refused_call(api_key: str, status: int, name: str, message: str, echo: str) -> GeminiAPIError:
    """Invoke a model keyed with `api_key` against an answer that echoes `echo` in a DebugInfo detail."""
    debug = {"@type": "type.googleapis.com/google.rpc.DebugInfo", "detail": echo}
    answer = httpx.Response(status, json={"error": {"code": status, "message": message, "status": name,
                                                     "details": [debug]}})  # fmt: skip
    model = FakeGemini(responses=[answer]).model(api_key=api_key, max_retries=0)
    with pytest.raises(GeminiAPIError) as caught:
        model.invoke("hi")
    return caught.value


@pytest.mark.parametrize(
    ("api_key", "status", "name", "message"),
    [("k", 400, "INVALID_ARGUMENT", UNKNOWN_FIELD), ("test", 404, "NOT_FOUND", NOT_FOUND)],
)
def test_short_test_keys_leave_googles_messages_intact(api_key: str, status: int, name: str, message: str) -> None:
    error = _refused_call(api_key, status, name, message, echo="nothing secret")
    assert error.message == message
    assert str(error) == f"{status} {name}: {message}"
    assert error.body["error"]["message"] == message


@pytest.mark.parametrize("api_key", ["12345678", "emulator-test-key", KEY, REAL_SHAPED_KEY])
def test_keys_of_eight_characters_or_more_are_redacted_everywhere(api_key: str) -> None:
    error = _refused_call(api_key, 400, "INVALID_ARGUMENT", f"API key {api_key} not valid", echo=f"key={api_key}")
    for text in (str(error), repr(error), error.message, json.dumps(error.details), json.dumps(error.body)):
        assert api_key not in text
    assert error.message == "API key *** not valid"
    assert error.details[0]["detail"] == "key=***"


def test_google_shaped_keys_are_redacted_whatever_key_is_in_use() -> None:
    error = _refused_call("k", 400, "INVALID_ARGUMENT", f"bad key {REAL_SHAPED_KEY}", echo=REAL_SHAPED_KEY)
    assert error.message == "bad key ***"
    assert error.details[0]["detail"] == "***"


def test_redact_length_boundary() -> None:
    assert redact("say abcdefg", "abcdefg") == "say abcdefg"
    assert redact("say abcdefgh", "abcdefgh") == "say ***"


# -- portability ---------------------------------------------------------------------------


def _sample_errors() -> list[GeminiError]:
    samples: list[GeminiError] = [
        cls(
            "msg",
            status_code=429,
            status="RESOURCE_EXHAUSTED",
            details=[{"@type": "x"}],
            retry_after=2.5,
            request_id="rid",
            body={"error": {}},
            is_retryable=False,
        )
        for cls in ALL_CLASSES
    ]
    samples.append(_from(400, "INVALID_ARGUMENT", OVERFLOW))
    samples.append(error_from_transport(httpx.ReadTimeout("t"), secret=None))
    return samples


ATTRS = ("message", "status_code", "status", "details", "retry_after", "request_id", "body",
         "is_retryable", "args")  # fmt: skip


@pytest.mark.parametrize("error", _sample_errors(), ids=lambda e: type(e).__name__)
@pytest.mark.parametrize(
    "clone", [lambda e: pickle.loads(pickle.dumps(e)), copy.copy, copy.deepcopy],
    ids=["pickle", "copy", "deepcopy"],
)  # fmt: skip
def test_errors_are_portable(error: GeminiError, clone: Any) -> None:
    twin = clone(error)
    assert type(twin) is type(error)
    assert str(twin) == str(error)
    for attr in ATTRS:
        assert getattr(twin, attr) == getattr(error, attr), attr


def test_str_forms() -> None:
    assert str(GeminiStreamError("stream ended")) == "stream ended"
    assert str(GeminiAPIError("m", status="INTERNAL")) == "INTERNAL: m"
    assert str(GeminiAPIError("", status_code=500, status="INTERNAL")) == "500 INTERNAL"
    assert GeminiStreamError("x").is_retryable is False
    assert GeminiTimeoutError("x").is_retryable is True
    assert GeminiTimeoutError("x").details == []
