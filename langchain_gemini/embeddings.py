"""`GeminiEmbeddings`: LangChain embeddings for the Gemini Developer API (`embedContent`, `batchEmbedContents`)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring  # json.dumps's own C encoder for one str
from typing import TYPE_CHECKING, Any, Literal, get_args

import httpx
from langchain_core.embeddings import Embeddings
from pydantic import ConfigDict, Field, PrivateAttr, field_validator, model_validator

from langchain_gemini._base import GeminiClientSettings, model_path
from langchain_gemini._batching import batch_ranges, map_in_tasks, map_in_threads
from langchain_gemini._models import facts_for
from langchain_gemini._unknown_kwargs import RefusesUnknownKwargs
from langchain_gemini.errors import GeminiConnectionError, GeminiResponseValidationError, GeminiTimeoutError

if TYPE_CHECKING:
    from langchain_gemini.batches import GeminiBatchItemError, GeminiBatchJob, InputMode

TaskType = Literal[
    "SEMANTIC_SIMILARITY",
    "CLASSIFICATION",
    "CLUSTERING",
    "RETRIEVAL_DOCUMENT",
    "RETRIEVAL_QUERY",
    "CODE_RETRIEVAL_QUERY",
    "QUESTION_ANSWERING",
    "FACT_VERIFICATION",
]
"""The task types of the embeddings guide (ai.google.dev/gemini-api/docs/embeddings#task-types)."""

TASK_TYPES: tuple[str, ...] = get_args(TaskType)
"""Every task type the API accepts, upper case."""
DOCUMENT_TASK_TYPE = "RETRIEVAL_DOCUMENT"
"""The task type `embed_documents` uses when none is set."""
QUERY_TASK_TYPE = "RETRIEVAL_QUERY"
"""The task type `embed_query` uses when none is set."""
# The API answers larger batches with 400 "at most 100 requests can be in one batch" (langchain-ai/langchainjs#4491).
MAX_BATCH_SIZE = 100
"""Most texts one `batchEmbedContents` request may carry (the largest `batch_size`)."""
# Worker threads only wait on sockets (the calling thread parses), so 8 threads cost no more CPU than 4 did and
# match the 8-in-flight floor at 100 ms of latency (benchmarks/bench_embed.py).
DEFAULT_CONCURRENCY = 8
"""Batches `embed_documents` (threads) and `aembed_documents` (tasks) keep in flight when `max_concurrency` is None."""
# The limit for a model the model table does not know: gemini-embedding-001's 2,048 tokens
# (ai.google.dev/gemini-api/docs/embeddings).
INPUT_TOKEN_LIMIT = 2048
"""Tokens of one text the model embeds; longer texts are refused before sending unless `check_input_length=False`."""
# Google's APIs pretty-print JSON unless told not to (system parameter prettyPrint; Google's own Python libraries
# turn it off, googleapis/python-cloud-core#28). Indented, one value per line, a batch of 100 vectors of 768 values
# is 1.65 MB instead of 0.96 MB: bytes on the wire and whitespace to scan.
_COMPACT = "?prettyPrint=false"
# "Each request is limited to 250 input texts" (cloud.google.com/vertex-ai/generative-ai/docs/model-reference/
# text-embeddings-api).
_PREDICT_MAX_INSTANCES = 250


def estimate_tokens(text: str) -> int:
    """A deliberately high estimate of the tokens Gemini counts for `text`, without its tokenizer.

    One token per ASCII digit (digits are split one by one), one per three other ASCII characters, and for other
    characters one per two UTF-8 bytes beyond the first: 0.5 for Greek, Cyrillic, Arabic or Hebrew letters, 1 for
    CJK, 1.5 for emoji. Gemini averages about four characters per token on English, so plain English passes up to
    about 6,000 characters (the API's own limit is near 8,000).
    """
    data = text.encode("utf-8", "surrogatepass")
    digits = sum(map(data.count, b"0123456789"))
    if data.isascii():
        ascii_count, extra = len(data), 0
    else:
        ascii_count = len(text.encode("ascii", "ignore"))
        extra = len(data) - len(text)
    return digits + -(-(ascii_count - digits) // 3) + -(-extra // 2)


def _short_enough(text: str, limit: int = INPUT_TOKEN_LIMIT) -> bool:
    # At most 1.5 estimated tokens per character: most texts skip the estimate altogether.
    return 3 * len(text) <= 2 * limit


def check_task_type(value: Any, field: str = "task_type") -> str:
    """Return `value` as one of `TASK_TYPES` (any letter case), or raise a `ValueError` naming `field`."""
    if isinstance(value, str) and value.upper() in TASK_TYPES:
        return value.upper()
    shown = repr(value) if isinstance(value, str) and len(value) <= 40 else type(value).__name__
    raise ValueError(f"{field} must be one of {', '.join(TASK_TYPES)}; got {shown}")


def check_dimensions(model: str, value: Any) -> int:
    """Return `value` if it is a valid `output_dimensionality` for `model`, else raise a `ValueError`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"output_dimensionality must be an int; got {type(value).__name__}")
    low, high = _dimensions_of(model) or (1, None)
    if value < low or (high is not None and value > high):
        allowed = f"{low} to {high}" if high is not None else f">= {low}"
        raise ValueError(f"output_dimensionality for {_model_id(model)} must be {allowed}; got {value}")
    return value


def _model_id(model: str) -> str:
    return model.removeprefix("models/")


def _dimensions_of(model: str) -> tuple[int, int] | None:
    facts = facts_for(model).embedding
    return facts.dimensions if facts is not None else None


def input_token_limit(model: str) -> int:
    """The model's input limit from the model table (2,048 tokens when the model is unknown)."""
    facts = facts_for(model).embedding
    return facts.max_input_tokens if facts is not None else INPUT_TOKEN_LIMIT


# gemini-embedding-2 is told the task by a prefix of the text instead of `taskType` (ai.google.dev/gemini-api/docs/
# embeddings; the recorded traffic of pydantic/pydantic-ai's test_google_task_prefix cassettes shows the exact
# forms): queries and symmetric tasks as "task: <task> | query: <text>", documents as "title: <title> | text: <text>".
_TASK_PREFIXES = {
    "RETRIEVAL_QUERY": "search result",
    "QUESTION_ANSWERING": "question answering",
    "FACT_VERIFICATION": "fact checking",
    "CODE_RETRIEVAL_QUERY": "code retrieval",
    "CLASSIFICATION": "classification",
    "CLUSTERING": "clustering",
    "SEMANTIC_SIMILARITY": "sentence similarity",
}
_PREFIXED = ("task: ", "title: ")


def with_task_prefix(text: str, task: str, title: str | None = None) -> str:
    """`text` as a prefix-conditioned model expects it for `task`; text already carrying a prefix is kept."""
    if text.startswith(_PREFIXED):
        return text
    if task == DOCUMENT_TASK_TYPE:
        return f"title: {title or 'none'} | text: {text}"
    return f"task: {_TASK_PREFIXES[task]} | query: {text}"


def _check_texts(texts: Any, check_length: bool, limit: int = INPUT_TOKEN_LIMIT) -> list[str]:
    """The texts as a list, after refusing what the API would reject or cut (before anything is sent)."""
    if isinstance(texts, (str, bytes)):
        raise TypeError("texts must be a list of strings, not a single string")
    # A generator would otherwise be used up by the checks below.
    items: list[str] = texts if isinstance(texts, list) else list(texts)
    if not _plainly_valid(items, limit):
        for index, text in enumerate(items):
            _check_text(text, f"texts[{index}]", check_length, limit)
    return items


def _plainly_valid(texts: list[str], limit: int = INPUT_TOKEN_LIMIT) -> bool:
    """True when every text is a non-empty ASCII `str` short enough to need no token estimate.

    The common case, checked with C loops only (about 0.2 µs a text instead of 3): anything else goes through
    `_check_text` one by one, which names the first bad text.
    """
    return (
        bool(texts)
        and set(map(type, texts)) == {str}
        and all(texts)
        and all(map(str.isascii, texts))
        and _short_enough(max(texts, key=len), limit)
    )


def _check_text(text: Any, name: str, check_length: bool, limit: int = INPUT_TOKEN_LIMIT) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str; got {type(text).__name__}")
    if not text:
        raise ValueError(f"{name} is empty; the API rejects empty content")
    if text.isascii():
        if _short_enough(text, limit):
            return
    else:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{name} is not valid Unicode (it contains a lone surrogate)") from None
    if check_length and not _short_enough(text, limit) and (tokens := estimate_tokens(text)) > limit:
        raise ValueError(
            f"{name} is too long: about {tokens} tokens by a conservative estimate, over the model's "
            f"{limit}-token input limit. Split it (e.g. with a text splitter), or pass "
            "check_input_length=False to let the API decide."
        )


def _check_titles(titles: Any, count: int, task_type: str) -> list[str | None]:
    if isinstance(titles, str) or not isinstance(titles, Sequence):
        raise TypeError("titles must be a list with one title (or None) per text")
    if len(titles) != count:
        raise ValueError(f"titles has {len(titles)} entries for {count} texts; give one title (or None) per text")
    if task_type != DOCUMENT_TASK_TYPE:
        # EmbedContentRequest.title: "Only applicable when TaskType is RETRIEVAL_DOCUMENT" (ai.google.dev/api).
        raise ValueError(f"titles need task_type {DOCUMENT_TASK_TYPE}; the API applies no title to {task_type}")
    for index, title in enumerate(titles):
        if title is not None and not isinstance(title, str):
            raise TypeError(f"titles[{index}] must be a str or None; got {type(title).__name__}")
    return list(titles)


_JSON = {"content-type": "application/json"}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _normalize_values(obj: dict[str, Any]) -> dict[str, Any]:
    # The API answers a prefix of a unit vector; rescaling makes it unit length again (see docs/embeddings.md). Done as
    # each embedding is parsed, while its floats are still in cache: a pass afterwards costs about twice as much.
    values = obj.get("values")
    if type(values) is list and values:
        scale = math.hypot(*values)  # a TypeError for anything but numbers
        if scale:
            inverse = 1.0 / scale  # one division, then the fastest loop CPython has: a multiplication per value
            obj["values"] = [x * inverse for x in values]
    return obj


def _parse(content: bytes, normalize: bool) -> dict[str, Any]:
    """The JSON object of an embeddings response: every number a float, vectors rescaled if `normalize`.

    `parse_int=float` turns a JSON `0` into `0.0` inside the C scanner, so vectors need no float pass of their own
    (and floats stay on its fast path). NaN and Infinity are refused: no embedding contains them.
    """
    hook = _normalize_values if normalize else None
    if not content.strip():
        raise GeminiResponseValidationError("the response body is empty: expected a JSON object", is_retryable=False)
    try:
        value = json.loads(content, parse_int=float, parse_constant=_reject_constant, object_hook=hook)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the decoder goes
        value = None
    except TypeError:
        raise GeminiResponseValidationError("an embedding has values that are not numbers") from None
    if not isinstance(value, dict):
        raise GeminiResponseValidationError("the response body is not a JSON object", is_retryable=False)
    return value


def _vector(item: Any, normalized: bool) -> list[float]:
    values = item.get("values") if isinstance(item, dict) else None
    if not isinstance(values, list) or not values:
        raise GeminiResponseValidationError("an embedding has no values")
    if not normalized:
        try:
            sum(values)  # a cheap C pass that fails on anything but numbers; they are floats already
        except TypeError:
            raise GeminiResponseValidationError("an embedding has values that are not numbers") from None
    return values


def _prompt_tokens(body: dict[str, Any]) -> int | None:
    usage = body.get("usageMetadata")
    count = usage.get("promptTokenCount") if isinstance(usage, dict) else None
    return int(count) if isinstance(count, float) else None  # parsed with parse_int=float


def _batch_vectors(content: bytes, count: int, normalize: bool, usage: list[int] | None = None) -> list[list[float]]:
    body = _parse(content, normalize)
    if usage is not None and (tokens := _prompt_tokens(body)) is not None:
        usage.append(tokens)
    embeddings = body.get("embeddings")
    if not isinstance(embeddings, list) or len(embeddings) != count:
        got = len(embeddings) if isinstance(embeddings, list) else "no"
        raise GeminiResponseValidationError(f"batchEmbedContents answered {got} embeddings for {count} texts")
    return [_vector(item, normalize) for item in embeddings]


def _predicted_vectors(content: bytes, count: int, normalize: bool, usage: list[int]) -> list[list[float]]:
    """The vectors of a Vertex AI `predict` answer, and its token count in `usage`.

    The answer holds `predictions[].embeddings.values` and `.statistics.token_count`
    (cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api).
    """
    body = _parse(content, normalize)
    predictions = body.get("predictions")
    if not isinstance(predictions, list) or len(predictions) != count:
        got = len(predictions) if isinstance(predictions, list) else "no"
        raise GeminiResponseValidationError(f"predict answered {got} predictions for {count} texts")
    vectors, tokens = [], 0.0
    for prediction in predictions:
        embedding = prediction.get("embeddings") if isinstance(prediction, dict) else None
        vectors.append(_vector(embedding, normalize))
        statistics = embedding.get("statistics") if isinstance(embedding, dict) else None
        count_of = statistics.get("token_count") if isinstance(statistics, dict) else None
        tokens += count_of if isinstance(count_of, float) else 0.0  # parsed with parse_int=float
    if tokens:
        usage.append(int(tokens))
    return vectors


@dataclass(frozen=True)
class _Call:
    """A validated call: the JSON of every text's request, sent in slices of `batches`.

    The requests are JSON text from the start: 5,000 texts would otherwise be 20,000 dicts and lists to build,
    track in the garbage collector and serialise again, for requests that differ only in their text and title.
    """

    path: str
    requests: list[str]
    batches: list[range]
    normalize: bool
    usage: list[int] = field(default_factory=list)  # promptTokenCount of each answer that reports it
    # Vertex AI's `predict` (text-embedding-* models): `{"instances": [...], "parameters": {...}}` in, `predictions`
    # out; None for `batchEmbedContents` (`{"requests": [...]}` in, `embeddings` out).
    predict_parameters: str | None = None

    def body(self, batch: range) -> bytes:
        items = ",".join(self.requests[batch.start : batch.stop])
        if self.predict_parameters is not None:
            return ('{"instances":[' + items + '],"parameters":' + self.predict_parameters + "}").encode("utf-8")
        return ('{"requests":[' + items + "]}").encode("utf-8")

    def vectors(self, batch: range, content: bytes) -> list[list[float]]:
        if self.predict_parameters is not None:
            return _predicted_vectors(content, len(batch), self.normalize, self.usage)
        return _batch_vectors(content, len(batch), self.normalize, self.usage)

    @staticmethod
    def join(parts: list[list[list[float]]]) -> list[list[float]]:
        return [vector for part in parts for vector in part]


class GeminiEmbeddings(RefusesUnknownKwargs, GeminiClientSettings, Embeddings):
    """Text embeddings from Google's Gemini Developer API.

    For example:
    ```python
    from langchain_gemini import GeminiEmbeddings

    # The key comes from GOOGLE_API_KEY or GEMINI_API_KEY.
    embeddings = GeminiEmbeddings(output_dimensionality=768)
    texts = ["Paris is the capital of France.", "Bread needs yeast."]
    vectors = embeddings.embed_documents(texts)
    query = embeddings.embed_query("Which city is France's capital?")
    ```

    Documents go out through `batchEmbedContents`, `batch_size` texts per request and up to `max_concurrency`
    requests at once; the vectors come back in input order. Each request has its own retries (see
    `max_retries`), so a rate-limited batch is resent alone; if one fails for good, the call raises its error and
    returns nothing. Queries use `embedContent`. Documents are embedded as `RETRIEVAL_DOCUMENT` and queries as
    `RETRIEVAL_QUERY` unless `task_type` / `query_task_type` or a per-call `task_type` say otherwise. Models that
    are told the task by a text prefix (gemini-embedding-2) get the prefix Google documents instead of `taskType`.

    Bad input is refused before any request with a `ValueError` or `TypeError` naming it: an empty string, a text
    over the model's input limit (2,048 tokens for gemini-embedding-001, 8,192 for gemini-embedding-2; by
    `estimate_tokens`, which errs high), an unknown task type, an
    out-of-range `output_dimensionality`, titles that do not match the texts. An empty list returns `[]`
    without a request. Errors from the API are the classes in `langchain_gemini.errors`.

    The instance owns the connections it opens: `close()`, `await aclose()` or a `with` / `async with` block closes
    them, and so does dropping the instance. A closed instance opens new connections on its next call. Clients
    passed as `http_client` / `http_async_client` are never closed.
    """

    # Unknown constructor arguments are errors: a misspelt `output_dimensionality` must not be silently ignored.
    model_config = ConfigDict(extra="forbid")

    model: str = "gemini-embedding-001"
    """Embedding model id (a `models/` prefix is accepted)."""

    task_type: TaskType | None = None
    """Task type for documents and queries alike (`TASK_TYPES`, any case). `None` embeds documents as
    `RETRIEVAL_DOCUMENT` and queries as `RETRIEVAL_QUERY`."""

    query_task_type: TaskType | None = None
    """Task type for `embed_query` only, ahead of `task_type`: e.g. `QUESTION_ANSWERING`, `FACT_VERIFICATION` or
    `CODE_RETRIEVAL_QUERY`, whose documents the guide says to embed as `RETRIEVAL_DOCUMENT`."""

    output_dimensionality: int | None = None
    """Vector size; `None` is the model's full size (3072 for gemini-embedding-001, which takes 128 to 3072;
    768 and 1536 are the recommended smaller sizes)."""

    normalize: bool = True
    """Rescale vectors to unit length when `output_dimensionality` is below the model's full size. The API
    truncates a unit vector and leaves the rest to the caller, as the embeddings guide explains."""

    batch_size: int = Field(default=MAX_BATCH_SIZE, ge=1, le=MAX_BATCH_SIZE)
    """Texts per `batchEmbedContents` request (at most 100, the API's limit)."""

    max_concurrency: int | None = Field(default=None, ge=1)
    """Batch requests in flight at once. None: 8, as tasks for `aembed_documents` and worker threads for
    `embed_documents` (they only wait for answers; the calling thread parses them). 1 sends the batches one after
    another."""

    _last_usage: dict[str, int] | None = PrivateAttr(default=None)

    check_input_length: bool = True
    """Refuse texts that `estimate_tokens` puts over the model's input limit before sending anything. With
    False such texts go to the API as they are, and what happens to the excess is up to the API."""

    @field_validator("task_type", "query_task_type", mode="before")
    @classmethod
    def _normalize_task_type(cls, value: Any, info: Any) -> Any:
        return None if value is None else check_task_type(value, info.field_name)

    @model_validator(mode="after")
    def _check_output_dimensionality(self) -> GeminiEmbeddings:
        if self.output_dimensionality is not None:
            check_dimensions(self.model, self.output_dimensionality)
        return self

    # -- public API ------------------------------------------------------------------------------------------------

    def embed_documents(
        self,
        texts: list[str],
        *,
        task_type: str | None = None,
        titles: Sequence[str | None] | None = None,
        output_dimensionality: int | None = None,
    ) -> list[list[float]]:
        """Embed documents, one vector per text in input order.

        Args:
            texts: The texts; none may be empty.
            task_type: Overrides the instance's task type for this call.
            titles: One title (or `None`) per text; only with task type `RETRIEVAL_DOCUMENT`, where the API uses
                it to embed the text better. Empty titles are not sent.
            output_dimensionality: Overrides the instance's vector size for this call.

        Raises:
            ValueError: Bad input, before any request.
            TypeError: A text or title that is not a string, before any request.
            GeminiError: A batch failed after its retries.
        """
        call = self._documents_call(texts, task_type, titles, output_dimensionality)

        # Workers wait for the answers' headers; this thread reads each body and parses it. Bodies then never
        # cross threads and the workers need the GIL about once a request instead of once per 64 KB read (measured:
        # ~4% less CPU at zero latency); answers not yet read wait in the socket, not in memory.
        def fetch(batch: range) -> httpx.Response:
            return self._client.send("POST", call.path, content=call.body(batch), headers=_JSON, stream=True)

        def receive(batch: range, response: httpx.Response) -> bytes:
            try:
                return self._client.read_body(response)
            except (GeminiConnectionError, GeminiTimeoutError):
                if not self.max_retries:
                    raise
                # The answer broke off after its headers, past the retries of `send`: ask once more, whole.
                return self._client.send("POST", call.path, content=call.body(batch), headers=_JSON).content

        limit = self.max_concurrency or DEFAULT_CONCURRENCY
        batches = map_in_threads(fetch, call.batches, limit, receive, call.vectors, discard=httpx.Response.close)
        self._record_usage(call.usage)
        return call.join(batches)

    async def aembed_documents(
        self,
        texts: list[str],
        *,
        task_type: str | None = None,
        titles: Sequence[str | None] | None = None,
        output_dimensionality: int | None = None,
    ) -> list[list[float]]:
        """Async `embed_documents`: up to `max_concurrency` batches awaited at once."""
        call = self._documents_call(texts, task_type, titles, output_dimensionality)

        async def fetch(batch: range, sent: Callable[[], None]) -> bytes:
            body = call.body(batch)
            return (await self._client.asend("POST", call.path, content=body, headers=_JSON, on_sent=sent)).content

        limit = self.max_concurrency or DEFAULT_CONCURRENCY
        vectors = call.join(await map_in_tasks(fetch, call.batches, limit, call.vectors))
        self._record_usage(call.usage)
        return vectors

    def embed_query(
        self, text: str, *, task_type: str | None = None, output_dimensionality: int | None = None
    ) -> list[float]:
        """Embed a search query (task type `RETRIEVAL_QUERY` unless overridden).

        Args:
            text: The query; not empty.
            task_type: Overrides `query_task_type` / `task_type` for this call.
            output_dimensionality: Overrides the instance's vector size for this call.

        Raises:
            ValueError: Bad input, before any request.
            GeminiError: The request failed after its retries.
        """
        if self._predicts:
            return self.embed_documents(
                [text], task_type=self._query_task(task_type), output_dimensionality=output_dimensionality
            )[0]
        path, body, normalize = self._query_call(text, task_type, output_dimensionality)
        return self._query_vector(self._client.send("POST", path, body=body).content, normalize)

    async def aembed_query(
        self, text: str, *, task_type: str | None = None, output_dimensionality: int | None = None
    ) -> list[float]:
        """Async `embed_query`."""
        if self._predicts:
            vectors = await self.aembed_documents(
                [text], task_type=self._query_task(task_type), output_dimensionality=output_dimensionality
            )
            return vectors[0]
        path, body, normalize = self._query_call(text, task_type, output_dimensionality)
        return self._query_vector((await self._client.asend("POST", path, body=body)).content, normalize)

    # -- Batch API ---------------------------------------------------------------------------------------------------

    def batch_submit(
        self,
        texts: Sequence[str],
        *,
        task_type: str | None = None,
        output_dimensionality: int | None = None,
        display_name: str | None = None,
        input_mode: InputMode = "auto",
    ) -> GeminiBatchJob:
        """Embed `texts` as one Batch API job (`asyncBatchEmbedContent`: half the price, asynchronous).

        The requests are those `embed_documents` sends, inline under Google's 20 MB limit, else as an uploaded
        JSON Lines file (`input_mode` forces either). Follow the job with `GeminiBatches.from_model(embeddings)`
        and read the vectors with `batch_results` (or `iter_batch_results`, one at a time).

        Raises:
            ValueError: For texts or settings `embed_documents` would refuse, or an `inline` job over 20 MB.
        """
        from langchain_gemini.batches import GeminiBatches

        requests = self._batch_requests(texts, task_type, output_dimensionality)
        batches = GeminiBatches.from_model(self)
        return batches.submit(
            self.model, requests, display_name=display_name, method="asyncBatchEmbedContent", input_mode=input_mode
        )

    async def abatch_submit(
        self,
        texts: Sequence[str],
        *,
        task_type: str | None = None,
        output_dimensionality: int | None = None,
        display_name: str | None = None,
        input_mode: InputMode = "auto",
    ) -> GeminiBatchJob:
        """Async `batch_submit`."""
        from langchain_gemini.batches import GeminiBatches

        requests = self._batch_requests(texts, task_type, output_dimensionality)
        batches = GeminiBatches.from_model(self)
        return await batches.asubmit(
            self.model, requests, display_name=display_name, method="asyncBatchEmbedContent", input_mode=input_mode
        )

    def iter_batch_results(self, job: GeminiBatchJob | str) -> Iterator[list[float] | GeminiBatchItemError]:
        """The vectors of a SUCCEEDED embedding job, one at a time in input order.

        Each is normalised as `embed_documents` normalises it; a `GeminiBatchItemError` stands where a text failed.

        Raises:
            ValueError: If the job has not succeeded.
            GeminiResponseValidationError: If a response has no usable embedding.
        """
        from langchain_gemini.batches import GeminiBatches

        return map(self._batch_vector, GeminiBatches.from_model(self).responses(job))

    def batch_results(self, job: GeminiBatchJob | str) -> list[list[float] | GeminiBatchItemError]:
        """`iter_batch_results` as a list."""
        return list(self.iter_batch_results(job))

    async def abatch_results(self, job: GeminiBatchJob | str) -> list[list[float] | GeminiBatchItemError]:
        """Async `batch_results`."""
        from langchain_gemini.batches import GeminiBatches

        return [self._batch_vector(response) async for response in GeminiBatches.from_model(self).aresponses(job)]

    def _batch_vector(self, response: dict[str, Any] | GeminiBatchItemError) -> list[float] | GeminiBatchItemError:
        if not isinstance(response, dict):
            return response
        values = _vector(response.get("embedding"), normalized=False)
        known = _dimensions_of(self.model)
        # As _normalizes decides for embed_documents: only a truncated vector is rescaled to unit length.
        if self.normalize and (known is None or len(values) < known[1]):
            values = _normalize_values({"values": [float(x) for x in values]})["values"]
        return [float(x) for x in values]

    def _batch_requests(
        self, texts: Sequence[str], task_type: str | None, output_dimensionality: int | None
    ) -> Iterator[dict[str, Any]]:
        """The EmbedContentRequests `embed_documents` would send, built one at a time (all texts checked first)."""
        task = check_task_type(task_type) if task_type is not None else self.task_type or DOCUMENT_TASK_TYPE
        fields = self._request_fields(task, self._dimensions(output_dimensionality))
        checked = _check_texts(texts, self.check_input_length, input_token_limit(self.model))
        prefixed = self._prefixed

        def requests() -> Iterator[dict[str, Any]]:
            for text in checked:
                # A prefixed model takes the task inside the text, as in `_documents_call`.
                content = with_task_prefix(text, task) if prefixed else text
                yield {**fields, "content": {"parts": [{"text": content}]}}

        return requests()

    # -- request preparation (shared by sync and async) ------------------------------------------------------------

    def _documents_call(
        self, texts: Sequence[str], task_type: str | None, titles: Any, output_dimensionality: int | None
    ) -> _Call:
        task = check_task_type(task_type) if task_type is not None else self.task_type or DOCUMENT_TASK_TYPE
        dims = self._dimensions(output_dimensionality)
        texts = _check_texts(texts, self.check_input_length, input_token_limit(self.model))
        named = _check_titles(titles, len(texts), task) if titles is not None else None
        if self._prefixed:
            # The task and titles travel inside the text; the request carries neither.
            texts = [with_task_prefix(text, task, named[i] if named else None) for i, text in enumerate(texts)]
            named = None
        if self._predicts:
            return self._predict_call(texts, task, dims, named)
        if self.vertexai:
            requests = [
                json.dumps(self._vertex_request(text, task, dims, named[i] if named else None), separators=(",", ":"))
                for i, text in enumerate(texts)
            ]
            named = None
        else:
            shared = json.dumps(self._request_fields(task, dims), separators=(",", ":"))
            head, tail = shared[:-1] + ',"content":{"parts":[{"text":', "}]}}"
            requests = [head + encode_basestring(text) + tail for text in texts]
        if named is not None:
            for index, title in enumerate(named):
                if title:
                    requests[index] = requests[index][:-1] + ',"title":' + encode_basestring(title) + "}"
        return _Call(
            path=f"{model_path(self.model)}:batchEmbedContents{_COMPACT}",
            requests=requests,
            batches=batch_ranges(len(requests), self.batch_size),
            normalize=self._normalizes(dims),
        )

    def _query_call(
        self, text: str, task_type: str | None, output_dimensionality: int | None
    ) -> tuple[str, dict[str, Any], bool]:
        task = self._query_task(task_type)
        dims = self._dimensions(output_dimensionality)
        _check_text(text, "text", self.check_input_length, input_token_limit(self.model))
        if self._prefixed:
            text = with_task_prefix(text, task)
        if self.vertexai:
            body = self._vertex_request(text, task, dims, None)
        else:
            body = {**self._request_fields(task, dims), "content": {"parts": [{"text": text}]}}
        return f"{model_path(self.model)}:embedContent{_COMPACT}", body, self._normalizes(dims)

    def _predict_call(self, texts: list[str], task: str, dims: int | None, titles: list[str | None] | None) -> _Call:
        # Vertex AI's text embeddings API (text-embedding-005 and kin): each text an instance with its task and title,
        # the vector size in `parameters` (cloud.google.com/vertex-ai/generative-ai/docs/model-reference/
        # text-embeddings-api; google-genai's `_EmbedContentConfig_to_vertex`, PREDICT branch).
        requests = []
        for index, text in enumerate(texts):
            instance: dict[str, Any] = {"content": text, "task_type": task}
            if titles is not None and titles[index]:
                instance["title"] = titles[index]
            requests.append(json.dumps(instance, separators=(",", ":")))
        parameters = {} if dims is None else {"outputDimensionality": dims}
        return _Call(
            path=f"{model_path(self.model)}:predict{_COMPACT}",
            requests=requests,
            batches=batch_ranges(len(requests), min(self.batch_size, _PREDICT_MAX_INSTANCES)),
            normalize=self._normalizes(dims),
            predict_parameters=json.dumps(parameters, separators=(",", ":")),
        )

    def _vertex_request(self, text: str, task: str, dims: int | None, title: str | None) -> dict[str, Any]:
        # Vertex AI takes the options in `embedContentConfig` and no `model` in the body (google-genai's
        # `_EmbedContentConfig_to_vertex`, EMBED_CONTENT and BATCH_EMBED_CONTENTS; cloud.google.com/vertex-ai/
        # generative-ai/docs/model-reference/text-embeddings-api).
        config: dict[str, Any] = {}
        if not self._prefixed:
            config["taskType"] = task
        if title:
            config["title"] = title
        if dims is not None:
            config["outputDimensionality"] = dims
        body: dict[str, Any] = {"content": {"parts": [{"text": text}]}}
        if config:
            body["embedContentConfig"] = config
        return body

    def _request_fields(self, task: str, dims: int | None) -> dict[str, Any]:
        # `model` is required inside each batch entry and must match the path's model (ai.google.dev/api/embeddings).
        fields: dict[str, Any] = {"model": model_path(self.model)}
        if not self._prefixed:
            fields["taskType"] = task
        if dims is not None:
            fields["outputDimensionality"] = dims
        return fields

    @property
    def last_usage(self) -> dict[str, int] | None:
        """Tokens the last embedding call used, summed over its requests; None when the API reported none.

        gemini-embedding-2 reports `usageMetadata`; gemini-embedding-001 does not.
        """
        return self._last_usage

    def _record_usage(self, counts: list[int]) -> None:
        total = sum(counts)
        self._last_usage = {"input_tokens": total, "output_tokens": 0, "total_tokens": total} if counts else None

    def _query_vector(self, content: bytes, normalize: bool) -> list[float]:
        body = _parse(content, normalize)
        tokens = _prompt_tokens(body)
        self._record_usage([] if tokens is None else [tokens])
        return _vector(body.get("embedding"), normalize)

    @property
    def _predicts(self) -> bool:
        """Texts go to Vertex AI's `predict` (a text-embedding-* model there), queries included."""
        if not self.vertexai:
            return False
        from langchain_gemini._vertex import vertex_embedding_method

        return vertex_embedding_method(self.model) == "predict"

    def _query_task(self, task_type: str | None) -> str:
        if task_type is not None:
            return check_task_type(task_type)
        return self.query_task_type or self.task_type or QUERY_TASK_TYPE

    @property
    def _prefixed(self) -> bool:
        facts = facts_for(self.model).embedding
        return facts is not None and facts.task_conditioning == "prefix"

    def _dimensions(self, per_call: int | None) -> int | None:
        return self.output_dimensionality if per_call is None else check_dimensions(self.model, per_call)

    def _normalizes(self, dims: int | None) -> bool:
        if not self.normalize or dims is None:
            return False
        known = _dimensions_of(self.model)
        return known is None or dims < known[1]  # an unknown model's full size is unknown: rescaling is harmless
