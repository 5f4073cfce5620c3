"""embedContent and batchEmbedContents: deterministic, meaningful vectors, built straight into JSON text.

The same input always gets the same vector, and inputs that share words land close: the vector is split into
groups of 8 components, and each group takes its signs from one of the input's words, the word chosen per group
by min-hash. Two texts then agree on about as many groups as the Jaccard similarity of their word sets, so their
cosine similarity is close to it ("a cat sat" and "the cat sat down" are near, unrelated texts near 0). A
document's title joins its word set. The task type scrambles its own sixth of the groups, so a query and a
document of the same text are close (about 0.7) but not identical, and unrelated texts stay unrelated. Words
are lowercased, and a plural "s" dropped.

The full vector (3072 values by default) has unit length. With `outputDimensionality`, gemini-embedding-001
returns the truncated prefix *without* renormalizing it (reference 11.3: "For other dimensions ... you need to
normalize the embeddings"; realwire llm-gemini-test_embedding_gemini-embedding-001-768: norm 0.57), while
gemini-embedding-2 returns unit vectors at every size (llm-gemini-test_embedding_gemini-embedding-2-768: norm 1)
and reports `usageMetadata` on batchEmbedContents (`promptTokenCount`, `promptTokenDetails`, as recorded). Image
parts count toward gemini-embedding-2's six per input.

Speed matters here (the embeddings benchmark sends thousands of texts), so a vector is never a list of floats:
each component is a fixed magnitude with a sign, and the JSON for every group of eight components and each of
its 256 sign patterns is rendered once. A vector is then one `str.join` over table lookups.
"""

from __future__ import annotations

import hashlib
import json
import math
import operator
import re
import struct
from typing import Any

from langchain_gemini.testing._errors import ApiError, invalid_argument, validator_error
from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._normalize import normalize
from langchain_gemini.testing._tokens import text_tokens

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
        signs = _signs(text, (dims + _GROUP - 1) // _GROUP)  # a prefix of the full one
        full, rest = divmod(dims, _GROUP)
        if len(self.groups) < full:
            self._grow(full)
        body = ",".join(map(operator.getitem, self.groups[:full], signs[:full]))
        if rest:
            tail = [self._component(full * _GROUP + k, signs[full]) for k in range(rest)]
            body = ",".join([body, *tail]) if body else ",".join(tail)
        return body


_TABLES: dict[int, _Tables] = {}
_WORD = re.compile(r"\w+")


def _word_keys(word: str, groups: int) -> list[int]:
    """Per group: min-hash priority (high byte pair) and sign byte (low byte) of one word."""
    raw = hashlib.shake_256(word.encode()).digest(3 * groups)
    return [int.from_bytes(raw[3 * g : 3 * g + 3], "big") for g in range(groups)]


def _signs(text: str, groups: int) -> bytes:
    """One sign byte per group: the byte of the word with the highest priority for that group."""
    text, _, task = text.partition(_TASK)
    words = {_stem(word) for word in _WORD.findall(text.lower())} or {text}
    keys = [_word_keys(word, groups) for word in sorted(words)]
    signs = bytes(max(column) & 0xFF for column in zip(*keys, strict=True))
    if not task:
        return signs
    scramble = hashlib.shake_256(task.encode()).digest(2 * groups)
    return bytes(
        sign ^ scramble[2 * g + 1] if scramble[2 * g] < 43 else sign  # 43/256: about a sixth of the groups
        for g, sign in enumerate(signs)
    )


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


_TASK = "\x00task:"


def _input_text(text: str, task: str | None, title: str | None) -> str:
    """What a vector is drawn from: the text and its document title, then the task type after a marker."""
    words = f"{text} {title}" if title else text
    return f"{words}{_TASK}{task}" if task and task != "TASK_TYPE_UNSPECIFIED" else words


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
    """Validate one EmbedContentRequest; return the text its vector is drawn from and the output size."""
    content = request.get("content")
    violations: list[tuple[str, str]] = []
    if content is None:
        violations.append((f"{path}content", "content is not specified"))
    elif not content.get("parts"):
        violations.append((f"{path}content.parts", "contents.parts must not be empty."))
    else:
        images = 0
        for index, part in enumerate(content["parts"]):
            where = f"{path}content.parts[{index}]"
            if part.get("text"):
                continue
            if model.embed_images_per_input is not None and "inlineData" in part:
                images += 1
                continue
            if "text" in part or not any(key in part for key in _DATA_KEYS):
                violations.append((f"{where}.data", "required oneof field 'data' must have one initialized field"))
            else:  # "Only the parts.text fields will be counted" [reference 1.5] (wording ours)
                violations.append((where, "only text parts are supported by this model."))
        if model.embed_images_per_input is not None and images > model.embed_images_per_input:
            raise _too_many_images(model.embed_images_per_input, images)
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
    pieces = [p["text"] if "text" in p else p["inlineData"].get("data", "")[:256] for p in parts]
    return _input_text("\n".join(pieces), request.get("taskType"), request.get("title")), dims


def _too_many_images(most: int, got: int) -> ApiError:
    """Google's words (realwire pydantic-ai-test_google_rejects_more_images_than_one_input_may_hold)."""
    return invalid_argument(
        f"Unable to submit request because the model supports at most {most} image parts per input instance, but "
        f"{got} were provided. Learn more: "
        "https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api"
    )


def _table_size(model: ModelInfo, dims: int) -> int:
    """The vector length a table is normalized over: the full one, or the requested one for unit-length models."""
    return dims if model.embed_images_per_input is not None else model.embedding_dims or 3072


def _usage(texts: list[str]) -> dict[str, Any]:
    tokens = sum(text_tokens(text.partition(_TASK)[0]) for text in texts)
    return {"promptTokenCount": tokens, "promptTokenDetails": [{"modality": "TEXT", "tokenCount": tokens}]}


def embed_content(body: Any, model: ModelInfo, pretty: bool) -> list[str]:
    """The JSON answer to embedContent (pretty-printed unless the request said prettyPrint=false)."""
    request = normalize(body, "EmbedContentRequest")
    text, dims = _text(request, "", model, "EmbedContentRequest")
    if not pretty:
        return ['{"embedding":' + vector_json(text, dims, _table_size(model, dims), None) + "}"]
    return ['{\n  "embedding": ' + vector_json(text, dims, _table_size(model, dims), "  ") + "\n}"]


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
    indent, between = ("    ", ",\n    ") if pretty else (None, ",")
    pieces = ['{\n  "embeddings": [\n    ' if pretty else '{"embeddings":[']
    texts = []
    for index, request in enumerate(requests):
        text, dims = _text(request, f"requests[{index}].", model, prefix)
        texts.append(text)
        pieces.append((between if index else "") + vector_json(text, dims, _table_size(model, dims), indent))
    if model.embed_images_per_input is None:
        pieces.append("\n  ]\n}" if pretty else "]}")
    else:  # gemini-embedding-2 reports usage (realwire llm-gemini-test_embedding_gemini-embedding-2)
        usage = json.dumps(_usage(texts), indent=2 if pretty else None, separators=None if pretty else (",", ":"))
        usage = usage.replace("\n", "\n  ")
        pieces.append(
            ('\n  ],\n  "usageMetadata": ' + usage + "\n}") if pretty else ('],"usageMetadata":' + usage + "}")
        )
    return pieces


# -- Vertex AI -----------------------------------------------------------------------------------------------------
# Vertex nests the per-input settings in `embedContentConfig` (google-genai models.py,
# `_EmbedContentConfig_to_vertex`, EMBED_CONTENT / BATCH_EMBED_CONTENTS branches) and answers embedContent with the
# vector, `usageMetadata` and `truncated` (`_EmbedContentResponse_from_vertex`). `predict` is the text embeddings
# API (cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api): `instances` of
# `{content, task_type, title}`, `parameters.outputDimensionality` / `autoTruncate`, answered with `predictions`
# of `{embeddings: {values, statistics: {truncated, token_count}}}` and `metadata.billableCharacterCount`.


def _vertex_request(request: dict[str, Any]) -> dict[str, Any]:
    """A normalized Vertex EmbedContentRequest in the Developer API's flat shape, which `_text` checks."""
    config = request.get("embedContentConfig", {})
    flat = {"content": request.get("content")}
    flat.update({k: v for k, v in config.items() if k in ("taskType", "title", "outputDimensionality")})
    return flat


def _dump(payload: Any, pretty: bool) -> list[str]:
    return [json.dumps(payload, indent=2 if pretty else None, separators=None if pretty else (",", ":")) + "\n"]


def _values(text: str, dims: int, model: ModelInfo) -> list[float]:
    return json.loads(vector_json(text, dims, _table_size(model, dims), None))["values"]  # type: ignore[no-any-return]


def vertex_embed_content(body: Any, model: ModelInfo, pretty: bool) -> list[str]:
    """Vertex's embedContent: one content, its vector, usage and `truncated`."""
    request = _vertex_request(normalize(body, "VertexEmbedContentRequest"))
    text, dims = _text(request, "", model, "EmbedContentRequest")
    tokens = text_tokens(text.partition(_TASK)[0])
    answer = {
        "embedding": {"values": _values(text, dims, model)},
        "usageMetadata": {"promptTokenCount": tokens, "totalTokenCount": tokens},
        "truncated": False,
    }
    return _dump(answer, pretty)


def vertex_batch_embed_contents(body: Any, model: ModelInfo, pretty: bool) -> list[str]:
    """Vertex's batchEmbedContents: `requests[]` of `{content, embedContentConfig}`, at most 100."""
    requests = normalize(body, "VertexBatchEmbedContentsRequest").get("requests", [])
    prefix = "BatchEmbedContentsRequest"
    if not requests:
        raise validator_error(prefix, [("requests", "requests is not specified")])
    if len(requests) > MAX_BATCH:
        raise validator_error(prefix, [("requests", f"at most {MAX_BATCH} requests can be in one batch")])
    embeddings, tokens = [], 0
    for index, raw in enumerate(requests):
        request = _vertex_request(raw)
        text, dims = _text(request, f"requests[{index}].", model, prefix)
        tokens += text_tokens(text.partition(_TASK)[0])
        embeddings.append({"values": _values(text, dims, model)})
    return _dump({"embeddings": embeddings, "usageMetadata": {"promptTokenCount": tokens}}, pretty)


_MAX_INSTANCES = 250  # "each request is limited to 250 input texts" (text-embeddings-api page above)


def vertex_predict(body: Any, model: ModelInfo, pretty: bool) -> list[str]:
    """Vertex's predict for embedding models: one prediction per instance."""
    request = normalize(body, "PredictRequest")
    instances = request.get("instances", [])
    if not instances:
        raise validator_error("PredictRequest", [("instances", "instances is not specified")])
    parameters = normalize(request.get("parameters", {}), "TextEmbeddingPredictParams")
    if len(instances) > _MAX_INSTANCES:
        raise invalid_argument(f"Too many instances: {len(instances)}; at most {_MAX_INSTANCES} are allowed.")
    predictions, characters = [], 0
    for index, raw in enumerate(instances):
        instance = normalize(raw, "TextEmbeddingInstance")
        if not isinstance(instance.get("content"), str) or not instance["content"]:
            raise validator_error("PredictRequest", [(f"instances[{index}].content", "content must not be empty.")])
        flat: dict[str, Any] = {"content": {"parts": [{"text": instance["content"]}]}}
        if instance.get("taskType") is not None:
            flat["taskType"] = instance["taskType"]
        if instance.get("title") is not None:
            flat["title"] = instance["title"]
        if parameters.get("outputDimensionality") is not None:
            flat["outputDimensionality"] = parameters["outputDimensionality"]
        text, dims = _text(flat, f"instances[{index}].", model, "PredictRequest")
        characters += len(instance["content"])
        statistics = {"truncated": False, "token_count": text_tokens(instance["content"])}
        predictions.append({"embeddings": {"statistics": statistics, "values": _values(text, dims, model)}})
    return _dump({"predictions": predictions, "metadata": {"billableCharacterCount": characters}}, pretty)
