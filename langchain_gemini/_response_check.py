"""The shape check at the edge where a generateContent answer (or one stream event) enters the package.

`_from_gemini` reads a handful of fields with fixed types; everything else it passes through untouched. This
module checks exactly those fields, once, before any conversion runs, so a malformed answer raises
`GeminiResponseValidationError` naming the field (`candidates[0].content.parts: expected a list, got str`) instead
of an AttributeError, KeyError or TypeError from deep inside the conversion. Fields it does not know are allowed
(the API adds fields; proto3 omits defaults), and an explicit JSON `null` counts as absent wherever the conversion
treats a missing field and a falsy one alike.

Hand-written rather than a pydantic model: the answer is walked once with `type(...) is` checks and never copied,
which keeps the valid path as fast as it was (see benchmarks/README.md), and the error names the field in the
API's own camelCase path.
"""

from __future__ import annotations

from typing import Any, NoReturn

from langchain_gemini._wire import GenerateContentResponse
from langchain_gemini.errors import GeminiResponseValidationError

# Field -> the type the conversion needs, per object; fields not listed pass unchecked.
_RESPONSE_FIELDS: dict[str, type] = {
    "candidates": list,
    "promptFeedback": dict,
    "usageMetadata": dict,
    "modelVersion": str,
    "responseId": str,
}
# Candidate fields besides `content` (checked on its own: a falsy one means no content); null counts as absent.
_CANDIDATE_FIELDS: dict[str, type] = {
    "finishReason": str,
    "continuationToken": str,
    "avgLogprobs": float,
    "logprobsResult": dict,
}
_PART_FIELDS: dict[str, type] = {
    "text": str,
    "thoughtSignature": str,
    # The conversion indexes into these.
    "functionCall": dict,
    "executableCode": dict,
    "codeExecutionResult": dict,
    "toolCall": dict,
    "toolResponse": dict,
    "inlineData": dict,
    "fileData": dict,
}
_MEDIA_FIELDS: dict[str, type] = {"mimeType": str, "data": str, "fileUri": str}
# Part kind -> the fields of its object the conversion reads (types per google-genai's `types.py`).
_NESTED_PART_FIELDS: dict[str, dict[str, type]] = {
    "functionCall": {"name": str, "id": str},
    "executableCode": {"code": str, "language": str, "id": str},
    "codeExecutionResult": {"output": str, "outcome": str, "id": str},
    "toolCall": {"id": str, "toolType": str, "args": dict},
    "toolResponse": {"id": str, "toolType": str, "response": dict},
    "inlineData": _MEDIA_FIELDS,
    "fileData": _MEDIA_FIELDS,
}
_LOGPROBS_FIELDS: dict[str, type] = {"chosenCandidates": list, "topCandidates": list, "logProbabilitySum": float}
_TOKEN_FIELDS: dict[str, type] = {"token": str, "logProbability": float, "tokenId": int}
_TOKEN_DETAILS = ("promptTokensDetails", "candidatesTokensDetails", "cacheTokensDetails", "toolUsePromptTokensDetails")
_USAGE_FIELDS: dict[str, type] = {
    "promptTokenCount": int,
    "cachedContentTokenCount": int,
    "candidatesTokenCount": int,
    "toolUsePromptTokenCount": int,
    "thoughtsTokenCount": int,
    "totalTokenCount": int,
    **dict.fromkeys(_TOKEN_DETAILS, list),
}
_DETAIL_FIELDS: dict[str, type] = {"tokenCount": int}
_TYPE_NAMES = {dict: "an object", list: "a list", str: "a string", int: "an integer", float: "a number"}


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "a list", str: "a string", int: "an integer", float: "a number"}.get(
        type(value), type(value).__name__
    )


def fail(path: str, expected: type, value: object) -> NoReturn:
    """Raise the validation error for `path` (never quoting the value: it may be large or carry secrets)."""
    msg = f"{path}: expected {_TYPE_NAMES[expected]}, got {_describe(value)}"
    raise GeminiResponseValidationError(msg, is_retryable=False)


def _wrong_field(value: dict[str, Any], fields: dict[str, type], nullable: bool = False) -> str | None:
    """The first listed field of `value` without exactly its type (a bool is no integer; an integer is a number).

    `nullable`: a JSON null passes, for the fields the conversion reads as `body.get(key) or default`.
    """
    for key, item in value.items():
        expected = fields.get(key)
        if (
            expected is not None
            and type(item) is not expected
            and not (nullable and item is None)
            and not (expected is float and type(item) is int)
        ):
            return key
    return None


def _check_fields(value: dict[str, Any], fields: dict[str, type], path: str, nullable: bool = False) -> None:
    if (key := _wrong_field(value, fields, nullable)) is not None:
        fail(f"{path}.{key}" if path else key, fields[key], value[key])


def check_event(event: object) -> GenerateContentResponse:
    """`event` itself, once its candidates and `responseId` have the types the conversion needs.

    What a stream event adds to a chunk; the rest (usage, feedback, model version) is read once, from the last
    event, so `check_response` checks it there.

    Raises:
        GeminiResponseValidationError: Naming the first field that is wrong.
    """
    if type(event) is not dict:
        fail("response", dict, event)
    response_id = event.get("responseId")
    if response_id is not None and type(response_id) is not str:
        fail("responseId", str, response_id)
    candidates = event.get("candidates")
    if candidates:
        if type(candidates) is not list:
            fail("candidates", list, candidates)
        for index, candidate in enumerate(candidates):
            _check_candidate(candidate, index)
    return event  # type: ignore[return-value]


def check_response(body: object) -> GenerateContentResponse:
    """`body` itself, once every field the conversion reads has the type it needs.

    Raises:
        GeminiResponseValidationError: Naming the first field that is wrong.
    """
    check_event(body)
    _check_fields(body, _RESPONSE_FIELDS, "", nullable=True)  # type: ignore[arg-type]
    if usage := body.get("usageMetadata"):  # type: ignore[attr-defined]
        _check_usage(usage)
    return body  # type: ignore[return-value]


def _check_candidate(candidate: object, index: int) -> None:
    # Paths are only formatted on failure: this runs for every answer and every stream event.
    if type(candidate) is not dict:
        fail(f"candidates[{index}]", dict, candidate)
    finish = candidate.get("finishReason")
    if finish is not None and type(finish) is not str:
        fail(f"candidates[{index}].finishReason", str, finish)
    # Rare fields (long answers, log probabilities), looked up by name rather than walking every candidate key.
    if "continuationToken" in candidate or "logprobsResult" in candidate or "avgLogprobs" in candidate:
        _check_rare_candidate_fields(candidate, index)
    content = candidate.get("content")
    if not content:
        return
    if type(content) is not dict:
        fail(f"candidates[{index}].content", dict, content)
    parts = content.get("parts")
    if not parts:
        return
    if type(parts) is not list:
        fail(f"candidates[{index}].content.parts", list, parts)
    for part in parts:
        if type(part) is not dict or len(part) != 1 or type(part.get("text")) is not str:
            break  # anything but plain answer text is checked field by field
    else:
        return
    for position, part in enumerate(parts):
        _check_part(part, f"candidates[{index}].content.parts[{position}]")


def _check_rare_candidate_fields(candidate: dict[str, Any], index: int) -> None:
    if (key := _wrong_field(candidate, _CANDIDATE_FIELDS, nullable=True)) is not None:
        fail(f"candidates[{index}].{key}", _CANDIDATE_FIELDS[key], candidate[key])
    if logprobs := candidate.get("logprobsResult"):
        _check_logprobs(logprobs, f"candidates[{index}].logprobsResult")


def _check_part(part: object, path: str) -> None:
    if type(part) is not dict:
        fail(path, dict, part)
    _check_fields(part, _PART_FIELDS, path)
    for key, fields in _NESTED_PART_FIELDS.items():
        if inner := part.get(key):
            _check_fields(inner, fields, f"{path}.{key}")
    if "fileData" in part and type((part["fileData"] or {}).get("fileUri")) is not str:
        fail(f"{path}.fileData.fileUri", str, (part["fileData"] or {}).get("fileUri"))


def _check_logprobs(result: dict[str, Any], path: str) -> None:
    # One object per answer token, present only when the request asked for log probabilities; paths are formatted
    # only on failure.
    _check_fields(result, _LOGPROBS_FIELDS, path, nullable=True)
    for position, token in enumerate(result.get("chosenCandidates") or ()):
        if type(token) is not dict or _wrong_field(token, _TOKEN_FIELDS) is not None:
            _fail_token(token, f"{path}.chosenCandidates[{position}]")
    for position, top in enumerate(result.get("topCandidates") or ()):
        if type(top) is not dict:
            fail(f"{path}.topCandidates[{position}]", dict, top)
        alternatives = top.get("candidates", [])
        if type(alternatives) is not list:
            fail(f"{path}.topCandidates[{position}].candidates", list, alternatives)
        for rank, token in enumerate(alternatives):
            if type(token) is not dict or _wrong_field(token, _TOKEN_FIELDS) is not None:
                _fail_token(token, f"{path}.topCandidates[{position}].candidates[{rank}]")


def _fail_token(token: object, path: str) -> None:
    """Raise for a token that failed the quick check, naming its field."""
    if type(token) is not dict:
        fail(path, dict, token)
    _check_fields(token, _TOKEN_FIELDS, path)


def check_usage(usage: object) -> None:
    """Check a `usageMetadata` object (None passes: proto3 leaves it out when empty).

    Raises:
        GeminiResponseValidationError: Naming the first field that is wrong.
    """
    if usage is None:
        return
    if type(usage) is not dict:
        fail("usageMetadata", dict, usage)
    _check_usage(usage)


def _check_usage(usage: dict[str, Any]) -> None:
    if _wrong_field(usage, _USAGE_FIELDS) is not None:
        _check_fields(usage, _USAGE_FIELDS, "usageMetadata")
    for key in _TOKEN_DETAILS:
        if not (details := usage.get(key)):
            continue
        for index, item in enumerate(details):
            if type(item) is not dict or _wrong_field(item, _DETAIL_FIELDS) is not None:
                path = f"usageMetadata.{key}[{index}]"
                if type(item) is not dict:
                    fail(path, dict, item)
                _check_fields(item, _DETAIL_FIELDS, path)


def total_tokens(body: dict[str, Any]) -> int:
    """`totalTokens` of a countTokens answer (proto3 omits a zero count).

    Raises:
        GeminiResponseValidationError: When it is not an integer.
    """
    total = body.get("totalTokens", 0)
    if type(total) is not int:
        fail("totalTokens", int, total)
    return total


_FILE_FIELDS: dict[str, type] = {
    "name": str,
    "uri": str,
    "mimeType": str,
    "state": str,
    "displayName": str,
    "createTime": str,
    "updateTime": str,
    "expirationTime": str,
    "sha256Hash": str,
    "source": str,
    "error": dict,
    "videoMetadata": dict,
}
_FILE_PAGE_FIELDS: dict[str, type] = {"files": list, "nextPageToken": str}


def check_file(body: object, path: str = "file") -> dict[str, Any]:
    """A Files API `File` resource, once its fields have the types `GeminiFile` keeps.

    Raises:
        GeminiResponseValidationError: Naming the first field that is wrong.
    """
    if type(body) is not dict:
        fail(path, dict, body)
    _check_fields(body, _FILE_FIELDS, path, nullable=True)
    return body


def check_file_page(body: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """The files and the next page token of a `files.list` answer.

    Raises:
        GeminiResponseValidationError: Naming the first field that is wrong.
    """
    _check_fields(body, _FILE_PAGE_FIELDS, "", nullable=True)
    files = [check_file(item, f"files[{index}]") for index, item in enumerate(body.get("files") or ())]
    return files, body.get("nextPageToken") or None
