"""Routing and the API methods: from a parsed HTTP request to a `Reply`.

Order of checks for an API request, as Google's front end applies them: payload size, then the caller's key,
then injected faults, then the model and method, then the JSON body (transcoding, then validation), then the
answer (scripted queue, responders, defaults). Files API requests (`_files_api`) go through the same key and
fault checks; uploads are not held to the 20 MB request limit, which is the reason the Files API exists.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
import traceback
from typing import Any

from langchain_gemini.testing import _batches, _caches_api, _control, _files_api, _vertex, _vertex_caches
from langchain_gemini.testing._context import RequestContext
from langchain_gemini.testing._embed import (
    batch_embed_contents,
    embed_content,
    vertex_batch_embed_contents,
    vertex_embed_content,
    vertex_predict,
)
from langchain_gemini.testing._errors import (
    ApiError,
    api_key_invalid,
    invalid_argument,
    model_not_found,
    unregistered_caller,
)
from langchain_gemini.testing._faults import Fault
from langchain_gemini.testing._generate import default_response, take_checkpoints
from langchain_gemini.testing._http import HttpRequest, Reply
from langchain_gemini.testing._long_decode import long_decode
from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._normalize import normalize, parse_json
from langchain_gemini.testing._proto import MESSAGES, VERTEX_MESSAGES
from langchain_gemini.testing._state import RecordedRequest, State
from langchain_gemini.testing._stream import (
    ARRAY_END,
    end_on_empty_text,
    error_chunk,
    frame_events,
    pad_text,
    split_response,
    sse_stream,
    unfinished,
)
from langchain_gemini.testing._tokens import Tally, prompt_tally, report_cached
from langchain_gemini.testing._validate import validate_count, validate_generate

MAX_PAYLOAD_BYTES = 20 * 1024 * 1024  # "The maximum total request size is 20 MB" [001]: 20,971,520 bytes
_ROUTE = re.compile(r"/(v1beta|v1|v1alpha)/models(?:/([^/:]+)(?::([A-Za-z]+))?)?/?")
_FILE_ACTIONS = frozenset({"uploadFile", "createFile", "getFile", "listFiles", "deleteFile", "downloadFile"})
_POST_ACTIONS = {
    "generateContent": "generateContent",
    "streamGenerateContent": "generateContent",
    "countTokens": "countTokens",
    "embedContent": "embedContent",
    "batchEmbedContents": "embedContent",
}
# Google's front end answers unknown URLs with an HTML page, not JSON.
_NOT_FOUND_PAGE = (
    "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n"
    "  <p><b>404.</b> <ins>That\u2019s an error.</ins>\n  <p>The requested URL <code>{path}</code> was not found "
    "on this server.  <ins>That\u2019s all we know.</ins>\n"
)


class App:
    """The emulator's request handler."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.files = _files_api.FilesApi(state.files)
        self.caches = _caches_api.CachesApi(
            state.caches, lambda: self.state.models, lambda held, model: validate_generate(held, model, self.context)
        )
        self.batches = _batches.BatchesApi(state.batches, lambda: self.state.models, self._answer_one, state.files)

    @property
    def context(self) -> RequestContext:
        """What request rules check against: this emulator's files and signatures."""
        return RequestContext(files=self.state.files, signer=self.state.signer)

    def handle(self, request: HttpRequest) -> Reply:
        """Answer one request (never raises)."""
        if request.path.startswith("/_emulator/"):
            return _control.handle(self.state, request)
        if request.path == "/token" and request.method == "POST":
            return self.state.tokens.exchange(request)  # OAuth, not an API call: neither recorded nor counted
        vertex = _vertex.parse(request.path) or _vertex_caches.parse(request.path)
        match = _ROUTE.fullmatch(request.path) if vertex is None else None
        action = _action(request.method, match) if vertex is None else vertex.action(request.method)
        version, model_id = (match.group(1), match.group(2)) if match else ("v1beta", None)
        if vertex is not None:
            version, model_id = vertex.version, vertex.model
            if action is None:
                page = _NOT_FOUND_PAGE.format(path=request.path).encode()
                return Reply(status=404, body=page, content_type="text/html; charset=UTF-8")
        elif match is None or action is None:
            action = (
                _files_api.route(request.method, request.path)
                or _caches_api.route(request.method, request.path)
                or _batches.route(request.method, request.path)
            )
            if action is None:
                page = _NOT_FOUND_PAGE.format(path=request.path).encode()
                return Reply(status=404, body=page, content_type="text/html; charset=UTF-8")
        stream = action == "streamGenerateContent"
        sse = request.query.get("alt") == "sse"
        recorded = _recorded(request, model_id, action)
        self.state.record(recorded, len(request.body))
        try:
            if isinstance(vertex, _vertex_caches.VertexCachePath):
                reply = self._vertex_caches_api(request, vertex, action)
            elif vertex is not None:
                reply = self._vertex_api(request, recorded, vertex, action)
            else:
                reply = self._api(request, recorded, version, model_id, action)
        except Exception as exc:  # noqa: BLE001 - an emulator bug must reach the test as a 500, not a hang
            error = exc if isinstance(exc, ApiError) else _internal(exc)
            body = error.encode()
            if stream and not sse:  # the JSON-array stream wraps its errors in a list (reliability.md 7.1)
                body = b"[" + body.rstrip() + b"\n]"
            reply = Reply(status=error.code, body=body, headers=dict(error.headers))
        reply.api = True
        reply.delay += self.state.latency
        return reply

    def _api(
        self, request: HttpRequest, recorded: RecordedRequest, version: str, model_id: str | None, action: str
    ) -> Reply:
        if len(request.body) > MAX_PAYLOAD_BYTES and action != "uploadFile":  # wording: reliability.md section 7
            raise invalid_argument(f"Request payload size exceeds the limit: {MAX_PAYLOAD_BYTES} bytes.")
        # The resumable upload URL (with its upload_id) is the credential for the later steps: google-genai sends
        # `upload, finalize` without the key (google/genai/_api_client.py, upload_file), and Google accepts it.
        if not (action == "uploadFile" and "upload_id" in request.query):
            self._authenticate(request)
        fault = self.state.take_fault(action, model_id)
        if fault is not None and fault.kind == "status":
            return _status_reply(fault, model_id)
        if fault is not None and fault.kind == "drop":
            return Reply(drop=True, delay=fault.delay)
        if action in _FILE_ACTIONS:
            reply = self.files.answer(request, action)
        elif action.endswith(("CachedContent", "CachedContents")):
            reply = self.caches.answer(request, action)
        elif action in _batches.ACTIONS:
            reply = self.batches.answer(request, action)
        elif action == "listModels":
            reply = self._list_models(request)
        else:
            model = self._model(model_id or "", version, action)
            reply = self._method(request, recorded, model, action)
        if reply.body[:1] == b"{" and reply.body[1:2] != b"\n" and _pretty_print(request):  # built compact
            reply.body = json.dumps(json.loads(reply.body), indent=2, ensure_ascii=False).encode()
        if fault is not None:
            reply = _apply_fault(reply, fault, request.query.get("alt") == "sse")
        return reply

    def _vertex_api(
        self, request: HttpRequest, recorded: RecordedRequest, path: _vertex.VertexPath, action: str
    ) -> Reply:
        """A Vertex AI request: the same checks in the same order, with Vertex's credentials and error bodies."""
        if len(request.body) > MAX_PAYLOAD_BYTES:
            raise invalid_argument(f"Request payload size exceeds the limit: {MAX_PAYLOAD_BYTES} bytes.")
        self._authenticate_vertex(request, path, action)
        fault = self.state.take_fault(action, path.model)
        if fault is not None and fault.kind == "status":
            error = _vertex.fault_error(fault, path)
            if error is not None:
                return Reply(status=error.code, body=error.encode(), headers=error.headers, delay=fault.delay)
            return _status_reply(fault, path.model)
        if fault is not None and fault.kind == "drop":
            return Reply(drop=True, delay=fault.delay)
        model = self.state.models.get(path.model)
        if model is None or "vertex" not in model.backends:
            raise _vertex.model_not_found(path)
        if action == "getModel":
            reply = _json_reply(_vertex.publisher_model(model))
        else:
            if not _vertex.serves(model, action):
                raise _vertex.unsupported_method(path, action)
            reply = self._vertex_method(request, recorded, model, action, path)
        if reply.body[:1] == b"{" and reply.body[1:2] != b"\n" and _pretty_print(request):
            reply.body = json.dumps(json.loads(reply.body), indent=2, ensure_ascii=False).encode()
        if fault is not None:
            reply = _apply_fault(reply, fault, request.query.get("alt") == "sse")
        return reply

    def _vertex_caches_api(self, request: HttpRequest, path: _vertex_caches.VertexCachePath, action: str) -> Reply:
        """A Vertex AI cachedContents request: a bearer token, then faults, then the project's caches."""
        self._authenticate_vertex(request, path, action)
        fault = self.state.take_fault(action, None)
        if fault is not None and fault.kind == "status":
            return _status_reply(fault, None)
        if fault is not None and fault.kind == "drop":
            return Reply(drop=True, delay=fault.delay)
        reply = self.caches.serve(request, action, path.version, path.cache_id, path.scope())
        if _pretty_print(request):
            reply.body = json.dumps(json.loads(reply.body), indent=2, ensure_ascii=False).encode()
        if fault is not None:
            reply = _apply_fault(reply, fault, sse=False)
        return reply

    def _vertex_method(
        self, request: HttpRequest, recorded: RecordedRequest, model: ModelInfo, action: str, path: _vertex.VertexPath
    ) -> Reply:
        body = recorded.json if recorded.json is not None else parse_json(request.body) if request.body else {}
        if action not in ("generateContent", "streamGenerateContent"):
            scripted = self._responder_answer(recorded)
            if scripted is not None:
                return _json_reply(_checked(scripted))
        pretty = _pretty_print(request)
        _vertex.refuse_files_api_uris(body)
        if action == "embedContent":
            return _raw_reply(vertex_embed_content(body, model, pretty))
        if action == "batchEmbedContents":
            return _raw_reply(vertex_batch_embed_contents(body, model, pretty))
        if action == "predict":
            return _raw_reply(vertex_predict(body, model, pretty))
        if action == "countTokens":
            return _json_reply(_vertex.count_tokens(body, model, self.context))
        if isinstance(body, dict):
            _vertex.validate_labels(body.get("labels"))
        return self._generate(request, recorded, body, model, action, vertex=path)

    def _authenticate_vertex(
        self, request: HttpRequest, path: _vertex.VertexPath | _vertex_caches.VertexCachePath, action: str
    ) -> None:
        """A live bearer token on any Vertex path; an API key (express mode) on the project-less ones only."""
        rpc = path.rpc(action)
        authorization = request.headers.get("authorization", "")
        if authorization[:7].lower() == "bearer ":
            problem = self.state.tokens.check(authorization[7:].strip())
            if problem is None:
                return
            reason = "ACCESS_TOKEN_EXPIRED" if problem == "expired" else "ACCESS_TOKEN_TYPE_UNSUPPORTED"
            raise _vertex.unauthenticated(reason, rpc)
        key = request.headers.get("x-goog-api-key") or request.query.get("key")
        if not key:
            raise _vertex.unauthenticated("CREDENTIALS_MISSING", rpc)
        if not path.express:
            raise _vertex.api_key_on_project_path(rpc)
        if self.state.api_key is not None and key != self.state.api_key:
            raise _vertex.api_key_invalid(rpc)

    def _authenticate(self, request: HttpRequest) -> None:
        key = request.headers.get("x-goog-api-key") or request.query.get("key")
        if not key:
            if request.headers.get("authorization", "").lower().startswith("bearer "):
                return  # OAuth callers are identified by their token (reference 1.1)
            raise unregistered_caller()
        expected = self.state.api_key
        if expected is not None and key != expected:
            raise api_key_invalid()

    def _model(self, model_id: str, version: str, action: str) -> ModelInfo:
        model = self.state.models.get(model_id)
        if model is not None and "developer" not in model.backends:
            model = None  # a Vertex AI model
        if action == "getModel":
            if model is None:  # the get endpoint's own wording (observed "Model is not found: models/x ...")
                raise ApiError(404, f"Model is not found: models/{model_id} for api version {version}")
            return model
        needed = _POST_ACTIONS[action]
        if model is None or needed not in model.methods:
            raise model_not_found(model_id, version, action)
        return model

    def _method(self, request: HttpRequest, recorded: RecordedRequest, model: ModelInfo, action: str) -> Reply:
        if action == "getModel":
            return _json_reply(model.resource())
        # The record already holds the parsed body; parse again only to report malformed JSON in Google's words.
        body = recorded.json if recorded.json is not None else parse_json(request.body) if request.body else {}
        if action not in ("generateContent", "streamGenerateContent"):
            scripted = self._responder_answer(recorded)
            if scripted is not None:
                return _json_reply(_checked(scripted))
        if action == "embedContent":
            return _raw_reply(embed_content(body, model, _pretty_print(request)))
        if action == "batchEmbedContents":
            return _raw_reply(batch_embed_contents(body, model, _pretty_print(request)))
        if action == "countTokens":
            return _json_reply(_count_tokens(body, model, self.context))
        return self._generate(request, recorded, body, model, action)

    def _generate(
        self,
        request: HttpRequest,
        recorded: RecordedRequest,
        body: Any,
        model: ModelInfo,
        action: str,
        *,
        vertex: _vertex.VertexPath | None = None,
    ) -> Reply:
        # The cache is a prompt prefix; on Vertex AI one of the project and location the path names.
        scope = (
            _caches_api.DEVELOPER
            if vertex is None
            else _vertex_caches.VertexCacheScope(vertex.project, vertex.location)
        )
        body, cache = _caches_api.with_cache(body, model, self.state.caches, scope)
        normalized = normalize(body, "GenerateContentRequest", VERTEX_MESSAGES if vertex else MESSAGES)
        validate_generate(normalized, model, self.context)
        implicit = self.state.prefixes.serve(normalized, model) if cache is None else None  # `_implicit_cache`
        stream = action == "streamGenerateContent"
        sse = request.query.get("alt") == "sse"
        scripted = self.state.take_scripted(action)
        checkpoints = None
        if scripted is None:
            scripted = self._responder_answer(recorded)
        if scripted is not None:
            self.state.signer.remember(scripted)  # served by this emulator, so replayable
        else:
            # A continuation token is checked only when the emulator answers itself: scripted hops carry their own.
            long = long_decode(normalized, model, stream, self.state.continuations)
            digest = hashlib.blake2b(request.body, digest_size=4).hexdigest()
            answer = default_response(
                normalized, model, digest, self._response_id(digest), self.state.signer, long=long
            )
            checkpoints = take_checkpoints(answer)
            _caches_api.credit(answer, cache)
            if implicit is not None:
                report_cached(answer, implicit.total, implicit.details())
            if vertex:
                _vertex.stamp(answer)
            if stream:
                pad_text(answer, self.state.stream_events)
                if model.validates_thought_signatures:  # the Gemini 3 family (`ModelInfo`)
                    end_on_empty_text(answer)
            scripted = answer
        if not stream:
            return _json_reply(_checked(scripted))
        if isinstance(scripted, list):
            return _stream_reply(scripted, sse)
        answer = _checked(scripted)
        if checkpoints is not None:
            events = split_response(answer, self.state.stream_events)
            checkpoints.place(events)
            return _stream_reply(events, sse)
        chunks = sse_stream(answer, self.state.stream_events) if sse else None
        if chunks is not None:
            return Reply(chunks=chunks, content_type="text/event-stream")
        return _stream_reply(split_response(answer, self.state.stream_events), sse)

    def _answer_one(self, method: str, body: Any, model: ModelInfo) -> dict[str, Any]:
        """One request of a batch job, answered as generateContent / embedContent answer it (raises ApiError)."""
        if method == "asyncBatchEmbedContent":
            return json.loads("".join(embed_content(body, model, pretty=False)))  # type: ignore[no-any-return]
        body, cache = _caches_api.with_cache(body, model, self.state.caches)
        normalized = normalize(body, "GenerateContentRequest")
        validate_generate(normalized, model, self.context)
        scripted = self.state.take_scripted("batchGenerateContent")
        if isinstance(scripted, dict):
            return _checked(scripted)  # type: ignore[no-any-return]
        raw = json.dumps(body, sort_keys=True).encode()
        digest = hashlib.blake2b(raw, digest_size=4).hexdigest()
        answer = default_response(normalized, model, digest, self._response_id(digest), self.state.signer)
        return _caches_api.credit(answer, cache)  # type: ignore[no-any-return]

    def _responder_answer(self, recorded: RecordedRequest) -> Any:
        for responder in list(self.state.responders):
            answer = responder(recorded)
            if answer is not None:
                return answer
        return None

    def _list_models(self, request: HttpRequest) -> Reply:
        models = [m.resource() for m in self.state.models.values() if "developer" in m.backends]
        try:
            size = int(request.query.get("pageSize") or 50)
            offset = _page_offset(request.query.get("pageToken", ""))
        except ValueError:
            raise invalid_argument("Invalid page token.") from None
        size = min(max(size, 1), 1000) if size > 0 else 50
        page: dict[str, Any] = {"models": models[offset : offset + size]}
        if offset + size < len(models):
            page["nextPageToken"] = base64.urlsafe_b64encode(f"offset:{offset + size}".encode()).decode()
        return _json_reply(page)

    def _response_id(self, digest: str) -> str:
        raw = hashlib.blake2b(f"{digest}:{self.state.next_sequence()}".encode(), digest_size=16).digest()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")[:22]


def _internal(exc: Exception) -> ApiError:
    """A crash inside the emulator (or a responder): printed, and answered as Google's 500."""
    traceback.print_exception(exc, file=sys.stderr)
    return ApiError(500, f"Internal error in the Gemini emulator: {type(exc).__name__}: {exc}")


def _action(method: str, match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    model, verb = match.group(2), match.group(3)
    if method == "GET" and verb is None:
        return "getModel" if model else "listModels"
    if method == "POST" and model and verb in _POST_ACTIONS:
        return verb
    return None


def _recorded(request: HttpRequest, model: str | None, action: str) -> RecordedRequest:
    try:
        body = json.loads(request.body) if request.body else None
    except ValueError:
        body = None
    return RecordedRequest(
        request.method, request.path, dict(request.query), dict(request.headers), body, model, action
    )


def _page_offset(token: str) -> int:
    if not token:
        return 0
    text = base64.urlsafe_b64decode(token.encode()).decode()
    if not text.startswith("offset:"):
        raise ValueError(token)
    return int(text.removeprefix("offset:"))


def _count_tokens(body: Any, model: ModelInfo, context: RequestContext) -> dict[str, Any]:
    request = normalize(body, "CountTokensRequest")
    inner = request.get("generateContentRequest")
    if inner is not None and request.get("contents"):
        # "You can either send Model + Contents or a generate_content_request, but never both" (proto comment)
        raise invalid_argument("You can either send Model + Contents or a generate_content_request, but never both.")
    if inner is not None:
        validate_count(inner, model, context, "CountTokensRequest.generate_content_request")
        tally = prompt_tally(inner)
    else:
        validate_count(request, model, context, "CountTokensRequest")
        tally = Tally().contents(request["contents"])
    out: dict[str, Any] = {}
    if tally.total:
        out["totalTokens"] = tally.total
    out["promptTokensDetails"] = tally.details()
    return out


def _json_reply(payload: Any) -> Reply:
    return Reply(body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())


def _pretty_print(request: HttpRequest) -> bool:
    """Whether a JSON answer is pretty-printed: Google's default, off with the `prettyPrint=false` system parameter.

    Google's APIs indent their JSON answers unless asked not to (cloud.google.com/apis/docs/system-parameters,
    `$prettyPrint` / `prettyPrint`; Google's own Python libraries send prettyPrint=false for that reason,
    googleapis/python-cloud-core#28). Streams are not affected: an SSE event is one line.
    """
    value = request.query.get("prettyPrint", request.query.get("$prettyPrint", "true"))
    return value.lower() != "false"


def _raw_reply(pieces: list[str]) -> Reply:
    if len(pieces) == 1:
        return Reply(body=pieces[0].encode())
    return Reply(parts=[p.encode() for p in pieces])


def _stream_reply(events: list[dict[str, Any]], sse: bool) -> Reply:
    content_type = "text/event-stream" if sse else "application/json; charset=UTF-8"
    return Reply(chunks=frame_events(events, sse), content_type=content_type)


def _checked(answer: Any) -> Any:
    """A scripted answer shaped `{"error": {...}}` is sent as that error, with its `code` as the status."""
    if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
        error = answer["error"]
        code = int(error.get("code", 500))
        raise ApiError(code, str(error.get("message", "")), status=error.get("status"), details=error.get("details"))
    return answer


def _status_reply(fault: Fault, model: str | None) -> Reply:
    if fault.body is not None:
        headers = dict(fault.headers)
        return Reply(
            status=fault.status,
            body=fault.body.encode(),
            content_type=fault.content_type,
            headers=headers,
            delay=fault.delay,
        )
    error = fault.error(model)
    return Reply(status=error.code, body=error.encode(), headers=error.headers, delay=fault.delay)


def _apply_fault(reply: Reply, fault: Fault, sse: bool) -> Reply:
    """Turn a normal answer into the faulty one (delay, malformed body, broken stream)."""
    reply.delay += fault.delay
    if fault.kind == "malformed_json":
        if reply.chunks is not None:
            reply.chunks = [reply.chunks[0][: max(len(reply.chunks[0]) // 2, 8)]]
        else:
            reply.body = reply.body[: max(len(reply.body) // 2, 1)]
        return reply
    if fault.kind == "delay" or reply.chunks is None or reply.status != 200:
        return reply
    events = reply.chunks if sse else reply.chunks[:-1]
    end = [] if sse else [ARRAY_END]
    kept = events[: max(fault.after_events, 0)]
    if fault.kind == "truncate_stream":
        if kept and len(kept) == len(events):
            kept[-1] = unfinished(kept[-1], sse)
        reply.chunks = kept + end
    elif fault.kind == "mid_stream_raw_error":
        reply.chunks = [*kept, error_chunk(fault.error(None), sse, raw=True)]
    else:
        reply.chunks = [*kept, error_chunk(fault.error(None), sse, raw=False), *end]
    return reply
