"""A batch job's requests and results on disk, so that memory does not grow with the job.

Requests: each one is written, as soon as it is built, to a temporary JSON Lines file in the form Google's Batch API
takes for file-based jobs, `{"key": "<index>", "request": {...}}` per line (ai.google.dev/gemini-api/docs/batch-api,
"Input file"). The file also yields the inline form, `{"request": {...}, "metadata": {"key": "<index>"}}` per item
(google-genai's `_InlinedRequest_to_mldev`), and counts that form's size as it grows: whether a job goes inline or
by file is decided once every request is written, from the exact size of the inline create request.

Results: a result file (`metadata.output.responsesFile`) is downloaded to a temporary file in pieces, then each line
is found by its key (`array` of offsets: 8 bytes per request) and read back in input order, one at a time. The key
decides, not the line's position: the service may write answers out of order (googleapis/python-genai#1909).
"""

from __future__ import annotations

import json
import tempfile
from array import array
from collections.abc import Iterator
from typing import IO, Any

from langchain_gemini.errors import GeminiResponseValidationError

MAX_INLINE_BYTES = 20 * 1024 * 1024  # "Inline requests ... the total request size under 20MB" (Batch API docs)
# The answers of an inline job come back inside the job's operation, whole, on every `batches.get` once it is done;
# a file job's answers come in a result file read one line at a time. Above this many requests `auto` uses a file
# even under 20 MB ("This method is recommended for larger requests", Batch API docs, "Input file"), so that
# reading the answers never holds thousands of them at once.
MAX_INLINE_REQUESTS = 1_000

_INLINE_ITEM = len(b'{"request":') + len(b',"metadata":{"key":""}}') + 1  # + the request, the key and a comma
_KEY_HEAD = b'{"key":"'


class JobRequests:
    """The requests of one job as JSON Lines in a temporary file (closed, and so deleted, by `close`)."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.count = 0
        self._inline_items = 0  # bytes of the inline items, separators included

    def __enter__(self) -> JobRequests:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Delete the file."""
        self._file.close()

    def add(self, request: Any) -> None:
        """Append one request (a JSON-serialisable GenerateContentRequest or EmbedContentRequest)."""
        encoded = json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode()
        key = str(self.count).encode()
        self._file.write(_KEY_HEAD + key + b'","request":' + encoded + b"}\n")
        self._inline_items += _INLINE_ITEM + len(key) + len(encoded)
        self.count += 1

    def inline_size(self, display_name: str | None) -> int:
        """Bytes of the inline create request (`inline_body`) these requests make."""
        head, tail = _envelope(display_name)
        return len(head) + max(0, self._inline_items - 1) + len(tail)

    def inline_body(self, display_name: str | None) -> bytes:
        """The `batchGenerateContent` / `asyncBatchEmbedContent` body with the requests inline."""
        head, tail = _envelope(display_name)
        items = []
        self._file.seek(0)
        for index, line in enumerate(self._file):
            key = str(index).encode()
            request = line[len(_KEY_HEAD) + len(key) + len(b'","request":') : -2]  # up to the closing '}\n'
            items.append(b'{"request":' + request + b',"metadata":{"key":"' + key + b'"}}')
        return head + b",".join(items) + tail

    def jsonl(self) -> IO[bytes]:
        """The JSON Lines file, rewound, for an upload."""
        self._file.flush()
        self._file.seek(0)
        return self._file


def _envelope(display_name: str | None) -> tuple[bytes, bytes]:
    named = '"displayName":' + json.dumps(display_name, ensure_ascii=False) + "," if display_name else ""
    return ('{"batch":{' + named + '"inputConfig":{"requests":{"requests":[').encode(), b"]}}}}"


def file_body(file_name: str, display_name: str | None) -> dict[str, Any]:
    """The create body of a file-based job (`inputConfig.fileName`, google-genai's `_BatchJobSource_to_mldev`)."""
    batch: dict[str, Any] = {"inputConfig": {"fileName": file_name}}
    if display_name:
        batch = {"displayName": display_name, **batch}
    return {"batch": batch}


def _invalid(message: str) -> GeminiResponseValidationError:
    return GeminiResponseValidationError(f"batch result file: {message}", is_retryable=False)


def _key_of(line: bytes, number: int) -> str:
    if line.startswith(_KEY_HEAD):  # Google writes the key first: no need to parse the whole answer twice
        end = line.find(b'"', len(_KEY_HEAD))
        head = line[len(_KEY_HEAD) : end]
        if end > 0 and head.isdigit():
            return head.decode()
    try:
        item = json.loads(line)
    except ValueError:
        raise _invalid(f"line {number} is not JSON") from None
    key = item.get("key") if isinstance(item, dict) else None
    if not isinstance(key, str):
        raise _invalid(f"line {number} has no key")
    return key


def indexed_lines(file: IO[bytes], count: int) -> Iterator[dict[str, Any] | None]:
    """Each request's line of a downloaded result file, parsed, in input order (None where a request has none).

    Raises:
        GeminiResponseValidationError: A line that is not a JSON object, or whose key is not one of the job's or
            repeats another line's.
    """
    offsets = array("q", [-1]) * count
    file.seek(0)
    position = 0
    for number, line in enumerate(file, start=1):
        if line.strip():
            key = _key_of(line, number)
            index = int(key) if key.isdigit() else -1
            if not 0 <= index < count:
                raise _invalid(f"line {number} answers key {key!r}, which is not one of the job's {count} requests")
            if offsets[index] >= 0:
                raise _invalid(f"line {number} answers key {key!r} again")
            offsets[index] = position
        position += len(line)
    for index in range(count):
        if offsets[index] < 0:
            yield None
            continue
        file.seek(offsets[index])
        line = file.readline()
        try:
            item = json.loads(line)
        except ValueError:
            raise _invalid(f"the line of key {index} is not JSON") from None
        if not isinstance(item, dict):
            raise _invalid(f"the line of key {index} is not a JSON object")
        yield item
