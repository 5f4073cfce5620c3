"""Google's error envelope (google.rpc.Status as JSON) and the statuses the emulator answers with.

Shape, per reference `gemini-rest-api.md` section 13.2 and `reliability.md` section 7::

    {"error": {"code": 429, "message": "...", "status": "RESOURCE_EXHAUSTED", "details": [...]}}

Error bodies are pretty-printed with two-space indentation, as Google's front end sends them.
"""

from __future__ import annotations

import json
from typing import Any

STATUS_NAMES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

# Messages the real API uses for server-side statuses (reference section 13.1 and public bodies quoted in
# reliability.md section 7); 429's text is abridged from the real free-tier message.
DEFAULT_MESSAGES: dict[int, str] = {
    429: (
        "You exceeded your current quota, please check your plan and billing details. For more information on "
        "this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
    ),
    500: (
        "An internal error has occurred. Please retry or report in "
        "https://developers.generativeai.google/guide/troubleshooting"
    ),
    503: "The model is overloaded. Please try again later.",
    504: "Deadline expired before operation could complete.",
}

_TYPE = "type.googleapis.com/google.rpc."


class ApiError(Exception):
    """An error answer: HTTP status, Google status name, message and `details` entries."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        status: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_NAMES.get(code, "UNKNOWN")
        self.details = details or []
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON envelope as a dict."""
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}

    def encode(self) -> bytes:
        """The envelope as Google sends it: pretty-printed JSON followed by a newline."""
        return (json.dumps(self.body(), indent=2, ensure_ascii=False) + "\n").encode()


def bad_request(violations: list[tuple[str | None, str]]) -> dict[str, Any]:
    """A google.rpc.BadRequest detail; a violation with field None omits "field" (top-level names)."""
    entries = [{"field": f, "description": d} if f else {"description": d} for f, d in violations]
    return {"@type": _TYPE + "BadRequest", "fieldViolations": entries}


def invalid_argument(message: str, *, violations: list[tuple[str | None, str]] | None = None) -> ApiError:
    """400 INVALID_ARGUMENT, with BadRequest fieldViolations when given."""
    details = [bad_request(violations)] if violations else None
    return ApiError(400, message, details=details)


def retry_info(delay: float | str) -> dict[str, Any]:
    """A google.rpc.RetryInfo detail; numbers become protobuf Duration strings ("23s", "1.5s")."""
    text = delay if isinstance(delay, str) else f"{delay:g}s"
    return {"@type": _TYPE + "RetryInfo", "retryDelay": text}


def quota_failure(quota_id: str, model: str | None) -> dict[str, Any]:
    """A google.rpc.QuotaFailure detail shaped like the free-tier bodies in reliability.md section 7."""
    free = "free_tier" if "FreeTier" in quota_id else "paid_tier"
    metric = "requests" if "Requests" in quota_id else "input_token_count"
    violation: dict[str, Any] = {
        "quotaMetric": f"generativelanguage.googleapis.com/generate_content_{free}_{metric}",
        "quotaId": quota_id,
        "quotaDimensions": {"location": "global", **({"model": model} if model else {})},
        "quotaValue": "20",
    }
    return {"@type": _TYPE + "QuotaFailure", "violations": [violation]}


def help_link() -> dict[str, Any]:
    """The google.rpc.Help detail that accompanies quota errors."""
    link = {
        "description": "Learn more about Gemini API quotas",
        "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
    }
    return {"@type": _TYPE + "Help", "links": [link]}


def api_key_invalid() -> ApiError:
    """400 for a wrong key, decided by ErrorInfo.reason (continuedev/continue#8516, google/timesketch#3703).

    No DebugInfo entry: none of the invalid-key answers seen from 2025-2026 echoes the key (an echoed key would
    leak into every log that prints the error).
    """
    message = "API key not valid. Please pass a valid API key."
    details: list[dict[str, Any]] = [
        {
            "@type": _TYPE + "ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": {"service": "generativelanguage.googleapis.com"},
        },
        {"@type": _TYPE + "LocalizedMessage", "locale": "en-US", "message": message},
    ]
    return ApiError(400, message, details=details)


def unregistered_caller() -> ApiError:
    """403 for a request without any key.

    Verbatim from google-gemini/deprecated-generative-ai-python#463 and PublicAffairs/openai-gemini#92.
    """
    return ApiError(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). "
        "Please use API Key or other form of API consumer identity to call this API.",
    )


def model_not_found(model: str, version: str, method: str) -> ApiError:
    """404 for an unknown model or a method it does not support: Google uses one message for both.

    Verbatim from recorded traffic: generateContent and streamGenerateContent say "Call ModelService.ListModels"
    (realwire pydantic-ai-test_model_name_suggestion_google), countTokens and the embedding methods "Call
    ListModels", and batchEmbedContents names embedContent (pydantic-ai-TestGoogle.test_embed_error).
    """
    method = "embedContent" if method == "batchEmbedContents" else method
    lister = "ModelService.ListModels" if method in ("generateContent", "streamGenerateContent") else "ListModels"
    return ApiError(
        404,
        f"models/{model} is not found for API version {version}, or is not supported for {method}. "
        f"Call {lister} to see the list of available models and their supported methods.",
    )


def validator_error(prefix: str, violations: list[tuple[str, str]]) -> ApiError:
    r"""Google's request-validator form: one "* <Request>.<path>: <message>" line per violation.

    Example (vercel/ai#3775): "* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.\\n".
    """
    lines = "".join(f"* {prefix}.{path}: {text}\n" for path, text in violations)
    return ApiError(400, lines)
