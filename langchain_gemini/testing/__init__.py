"""A local, wire-faithful Gemini REST server for tests, demos, benchmarks and your own CI.

`GeminiEmulator` speaks the Gemini Developer API (`/v1beta`, and `/v1` for the stable paths) on loopback:
`models.list` / `models.get`, `generateContent`, `streamGenerateContent` (`?alt=sse` or a streamed JSON array),
`countTokens`, `embedContent`, `batchEmbedContents`, the Files API (the resumable `/upload/v1beta/files`
protocol, `files.get` / `list` / `delete`, downloads of generated files), context caches, and the Batch API
(`batchGenerateContent` / `asyncBatchEmbedContent` with inline requests or a JSONL input file, job states, result
files). It needs only the standard library (it imports nothing else from
`langchain_gemini`) and holds requests to the real API's rules, answering mistakes with Google's own error bodies:
unknown fields, empty parts, bad roles, unsupported or missing MIME types, media resolution and video metadata,
out-of-range generation settings, speech and image settings, thinking budgets, tools and tool config, schema and
size limits (20,971,520 bytes), missing or not-yet-ACTIVE files, Gemini 3 thought signatures, context overflow.
It is deliberately not tuned to any client, `langchain_gemini` included.

In a test::

    from langchain_gemini import ChatGemini
    from langchain_gemini.testing import Fault, GeminiEmulator

    with GeminiEmulator() as emulator:
        model = ChatGemini(model="gemini-2.5-flash", api_key="any-key", base_url=emulator.base_url)
        model.invoke("Hello")                              # a deterministic default answer
        emulator.enqueue({"candidates": [{"content": {"role": "model", "parts": [{"text": "Hi!"}]},
                                          "finishReason": "STOP"}]})
        model.invoke("Hello")                              # answered with the scripted response
        emulator.inject(Fault(status=429, retry_delay="2s"))
        emulator.requests[-1].json                         # what the client sent, as sent

As a pytest fixture::

    @pytest.fixture(scope="session")
    def gemini():
        with GeminiEmulator() as emulator:
            yield emulator

    @pytest.fixture(autouse=True)
    def _clean(gemini):
        gemini.reset()

Vertex AI is served on the same port: `/{v1|v1beta1}/projects/{p}/locations/{l}/publishers/google/models/{m}:
{generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents|predict}`, `GET
/v1beta1/publishers/google/models/{m}`, and express mode (a Vertex API key on the project-less
`/v1beta1/publishers/google/models/...` paths), answered by the same engine in Vertex's shapes and error bodies,
with Vertex's own fields (`labels` checked by Vertex's rules, `audioTimestamp`, ...) and without the Developer
API's (`store`, the Files API). Project paths need a bearer token the emulator issued:
`emulator.service_account_info(project)` is a service-account key file whose `token_uri` is the emulator's
``POST /token``, where google-auth's real JWT exchange runs offline (the `vertex` extra; the key is generated once
per process). `configure(token_lifetime=...)` sets how long tokens live, `expire_tokens()` ends them all now, and
`stats.token_requests` counts the exchanges.

As a separate process (CI services, other languages): ``python -m langchain_gemini.testing --port 0`` prints
``GEMINI_EMULATOR_URL=http://127.0.0.1:<port>`` once listening (``--latency-ms``, ``--api-key``,
``--stream-events`` and ``--file-processing-polls`` are optional). Drive it over HTTP: ``POST /_emulator/config``
(``latency``, ``stream_events``, ``file_processing_polls``), ``POST /_emulator/faults`` (a `Fault` as JSON),
``POST /_emulator/responses``, ``POST /_emulator/reset``, ``GET /_emulator/stats``, ``GET /_emulator/requests``,
``POST /_emulator/service-account``, ``POST /_emulator/tokens/expire``,
``GET /_emulator/files`` and ``POST /_emulator/files/state`` (``{"name": "files/<id>", "state": "FAILED",
"message": "..."}``, the same as `GeminiEmulator.set_file_state`).

Answers, in order of precedence: an `enqueue`d response, the first responder (`add_responder`) that returns one,
then a deterministic default: a short reply quoting the prompt with a digest of the request; JSON valid against
`responseSchema` / `responseJsonSchema`; a function call when tools are declared (mode ANY, or AUTO when the user's
turn asks for one: it names a function, shares a word with its name or description, or asks for a tool), with
arguments valid against the declared schema and taken from the prompt's numbers and 'quoted' strings (with mode ANY,
functions not yet called in the current turn are preferred and, matching nothing, the last declared, so a forced
agent loop moves on to its final tool and every turn ends); text after the turn's function results; Google Search
grounding, code execution parts and URL-context metadata for built-in tools; a real PNG (shaped by
`imageConfig.aspectRatio`) from image models asked for IMAGE, 24 kHz PCM speech from TTS models; meaningful
deterministic embeddings (shared words land close, task types move vectors); thought summaries, `thoughtsTokenCount`
and thought signatures on thinking models; cumulative `usageMetadata` on every stream event.

Thought signatures are the emulator's own (HMAC-signed, bound to their part) or those its scripted answers
carried. On Gemini 3 models (`ModelInfo.validates_thought_signatures`) a replayed function call of the current
turn without its signature is Google's 400 "Function call `f` in the `1.` content block is missing a
`thought_signature`.", a signature the emulator never served is 400 "Corrupted thought signature.", and the
documented dummy "skip_thought_signature_validator" passes; Gemini 2.5 accepts anything.

Files: uploads of `video/*` stay PROCESSING for `file_processing_polls` GETs (default 1) and then turn ACTIVE;
other types are ACTIVE at once. A display name containing ``[emulator:file-failed]`` (`FILE_FAILED_TRIGGER`)
makes a file end FAILED instead, and `set_file_state` forces any state. Unknown files are 403 "You do not have
permission to access the File <id> or it may not exist." (as Google answers), files not ACTIVE are 400
FAILED_PRECONDITION when used.

Magic phrases anywhere in the prompt text make the outcomes a client must survive easy to reach:

* ``[emulator:block-prompt]``: HTTP 200, `promptFeedback.blockReason` SAFETY, no candidates;
* ``[emulator:finish-safety]``: a candidate with finishReason SAFETY, safety ratings and no content;
* ``[emulator:finish-recitation]``: half the answer, finishReason RECITATION and citation metadata;
* ``[emulator:finish-malformed-function-call]``: finishReason MALFORMED_FUNCTION_CALL with a finishMessage;
* ``[emulator:long-answer:<N>]`` (`LONG_ANSWER_TRIGGER`): an answer of exactly N output tokens. On a model with
  long decode (Gemini 4 Argon: `ModelInfo.long_decode_limits`) it comes in hops of 32,768 tokens (65,536 when
  streamed), each ending with finishReason CONTINUATION and a `continuationToken` to resend with the same
  request, `maxOutputTokens` budgeting the whole answer; elsewhere it stops at the output limit with MAX_TOKENS.

Any non-empty API key is accepted unless `api_key` is given (send it in ``x-goog-api-key`` or ``?key=``).
"""

from langchain_gemini.testing._faults import Fault, FaultKind
from langchain_gemini.testing._files import FILE_FAILED_TRIGGER
from langchain_gemini.testing._generate import (
    BLOCK_PROMPT_TRIGGER,
    MALFORMED_CALL_TRIGGER,
    RECITATION_TRIGGER,
    SAFETY_TRIGGER,
)
from langchain_gemini.testing._long_decode import LONG_ANSWER_TRIGGER
from langchain_gemini.testing._models import DEFAULT_MODELS, ModelInfo
from langchain_gemini.testing._server import GeminiEmulator
from langchain_gemini.testing._state import EmulatorStats, RecordedRequest

__all__ = [
    "BLOCK_PROMPT_TRIGGER",
    "DEFAULT_MODELS",
    "FILE_FAILED_TRIGGER",
    "LONG_ANSWER_TRIGGER",
    "MALFORMED_CALL_TRIGGER",
    "RECITATION_TRIGGER",
    "SAFETY_TRIGGER",
    "EmulatorStats",
    "Fault",
    "FaultKind",
    "GeminiEmulator",
    "ModelInfo",
    "RecordedRequest",
]
