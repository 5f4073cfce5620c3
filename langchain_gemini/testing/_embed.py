"""embedContent and batchEmbedContents: deterministic vectors, built straight into JSON text.

The same text always gets the same vector. The full vector (3072 values by default) has unit length; with
`outputDimensionality` the API returns the truncated prefix *without* renormalizing it (reference 11.3: "For other
dimensions ... you need to normalize the embeddings"), and so does the emulator.

Speed matters here (the embeddings benchmark sends thousands of texts), so a vector is never a list of floats:
each component is a fixed magnitude with a sign taken from a hash of the text, and the JSON for every group of
four components and each of its 16 sign patterns is rendered once. A vector is then one `str.join` over table
lookups, a few microseconds for 768 dimensions.
"""

from __future__ import annotations

import hashlib
import math
import operator
import struct
from typing import Any

from langchain_gemini.testing._errors import validator_error
from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._normalize import normalize

MAX_BATCH = 100
MIN_DIMENSIONS = 128
_GROUP = 8  # components per pre-rendered group: one hash byte picks one of its 256 sign patterns
_DATA_KEYS = ("inlineData", "fileData", "functionCall", "functionResponse", "executableCode", "codeExecutionResult")


class _Tables:
    """Rendered components for a `dims`-long unit vector; groups are rendered on first use."""

    def __init__(self, dims: int) -> None:
        raw = hashlib.shake_256(b"langchain-gemini emulator embedding magnitudes").digest(2 * dims)
        magnitudes = [0.2 + v / 65535 for v in struct.unpack(f"<{dims}H", raw)]
        norm = math.sqrt(math.fsum(m * m for m in magnitudes))
        self.positive = [f"{m / norm:.9f}" for m in magnitudes]
        self.negative = ["-" + s for s in self.positive]
        self.groups: list[tuple[str, ...]] = []
        self.dims = dims

    def _component(self, index: int, byte: int) -> str:
        return self.negative[index] if (byte >> (index % _GROUP)) & 1 else self.positive[index]

    def _grow(self, count: int) -> None:
        for group in range(len(self.groups), count):
            start = group * _GROUP
            self.groups.append(
                tuple(",".join(self._component(start + k, byte) for k in range(_GROUP)) for byte in range(256))
            )

    def render(self, text: str, dims: int) -> str:
        """The first `dims` components of `text`'s vector, comma-separated."""
        signs = hashlib.shake_256(text.encode()).digest((dims + _GROUP - 1) // _GROUP)  # a prefix of the full one
        full, rest = divmod(dims, _GROUP)
        if len(self.groups) < full:
            self._grow(full)
        body = ",".join(map(operator.getitem, self.groups[:full], signs[:full]))
        if rest:
            tail = [self._component(full * _GROUP + k, signs[full]) for k in range(rest)]
            body = ",".join([body, *tail]) if body else ",".join(tail)
        return body


_TABLES: dict[int, _Tables] = {}


def vector_json(text: str, dims: int, full_dims: int, indent: str | None) -> str:
    """`{"values": [...]}` for `text`, truncated to `dims` of the model's `full_dims`.

    `indent` is the indentation of the object's first line when the answer is pretty-printed (two spaces per
    level, one value per line, as Google's JSON printer lays it out), or None for compact JSON.
    """
    tables = _TABLES.get(full_dims)
    if tables is None:
        tables = _TABLES[full_dims] = _Tables(full_dims)
    values = tables.render(text, dims)
    if indent is None:
        return '{"values":[' + values + "]}"
    inner = indent + "    "
    return (
        "{\n" + indent + '  "values": [\n' + inner + values.replace(",", ",\n" + inner) + "\n"
        + indent + "  ]\n" + indent + "}"
    )  # fmt: skip


def _text(request: dict[str, Any], path: str, model: ModelInfo, prefix: str) -> tuple[str, int]:
    """Validate one EmbedContentRequest; return its text and output size."""
    content = request.get("content")
    violations: list[tuple[str, str]] = []
    if content is None:
        violations.append((f"{path}content", "content is not specified"))
    elif not content.get("parts"):
        violations.append((f"{path}content.parts", "contents.parts must not be empty."))
    else:
        for index, part in enumerate(content["parts"]):
            where = f"{path}content.parts[{index}]"
            if part.get("text"):
                continue
            if "text" in part or not any(key in part for key in _DATA_KEYS):
                violations.append((f"{where}.data", "required oneof field 'data' must have one initialized field"))
            else:  # "Only the parts.text fields will be counted" [reference 1.5] (wording ours)
                violations.append((where, "only text parts are supported by this model."))
    full = model.embedding_dims or 3072
    dims = request.get("outputDimensionality", full)
    if not MIN_DIMENSIONS <= dims <= full:
        violations.append((f"{path}output_dimensionality", f"must be in the range [{MIN_DIMENSIONS}, {full}]."))
    if "title" in request and request.get("taskType") != "RETRIEVAL_DOCUMENT":
        # The docs: title is "Only applicable when TaskType is RETRIEVAL_DOCUMENT"; the legacy Python SDK
        # refused the combination before sending. Rejecting it keeps clients honest (wording ours).
        violations.append((f"{path}title", "title is only applicable when task_type is RETRIEVAL_DOCUMENT."))
    if violations:
        raise validator_error(prefix, violations)
    parts = content["parts"] if content else []
    return "\n".join(p["text"] for p in parts), dims


def embed_content(body: Any, model: ModelInfo, pretty: bool) -> list[str]:
    """The JSON answer to embedContent (pretty-printed unless the request said prettyPrint=false)."""
    request = normalize(body, "EmbedContentRequest")
    text, dims = _text(request, "", model, "EmbedContentRequest")
    if not pretty:
        return ['{"embedding":' + vector_json(text, dims, model.embedding_dims or 3072, None) + "}"]
    return ['{\n  "embedding": ' + vector_json(text, dims, model.embedding_dims or 3072, "  ") + "\n}"]


def batch_embed_contents(body: Any, model: ModelInfo, pretty: bool) -> list[str]:
    """The JSON answer to batchEmbedContents, in pieces (at most 100 requests, each naming the same model)."""
    batch = normalize(body, "BatchEmbedContentsRequest")
    requests = batch.get("requests", [])
    prefix = "BatchEmbedContentsRequest"
    if not requests:
        raise validator_error(prefix, [("requests", "requests is not specified")])
    if len(requests) > MAX_BATCH:  # reliability.md section 7 quotes this body verbatim
        raise validator_error(prefix, [("requests", f"at most {MAX_BATCH} requests can be in one batch")])
    violations = []
    for index, request in enumerate(requests):
        name = request.get("model", "")
        if not name.startswith("models/"):
            violations.append((f"requests[{index}].model", "unexpected model name format"))
        elif name != f"models/{model.id}":
            # "The model in each of these requests must match the model specified BatchEmbedContentsRequest.model."
            violations.append((f"requests[{index}].model", f"model must match the batch model models/{model.id}."))
    if violations:
        raise validator_error(prefix, violations)
    full = model.embedding_dims or 3072
    indent, between = ("    ", ",\n    ") if pretty else (None, ",")
    pieces = ['{\n  "embeddings": [\n    ' if pretty else '{"embeddings":[']
    for index, request in enumerate(requests):
        text, dims = _text(request, f"requests[{index}].", model, prefix)
        pieces.append((between if index else "") + vector_json(text, dims, full, indent))
    pieces.append("\n  ]\n}" if pretty else "]}")
    return pieces
