"""The control plane under `/_emulator/`, for driving a standalone emulator from another process.

    POST /_emulator/config     {"latency": 0.05, "stream_events": 200, "file_processing_polls": 1,
                                "token_lifetime": 3600}
                                                                          -> the current configuration
    POST /_emulator/faults     a Fault as JSON, or a list of them         -> {"faults": <number armed>}
    POST /_emulator/responses  {"response": {...} | [...], "method": null} -> {"queued": 1}
    POST /_emulator/reset                                                 -> {}
    GET  /_emulator/stats      -> {"connections_opened": n, "requests_served": n, "token_requests": n}
    POST /_emulator/service-account  {"project": "p"}                     -> a service-account key file's JSON
    POST /_emulator/tokens/expire                                         -> {} (every issued token expires now)
    GET  /_emulator/requests                                              -> {"requests": [RecordedRequest, ...]}
    GET  /_emulator/files                                                 -> {"files": [File, ...]}
    POST /_emulator/files/state  {"name": "files/abc", "state": "FAILED", "message": "bad codec"} -> File

Control requests need no API key and are neither recorded nor counted in the statistics.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_gemini.testing._faults import Fault
from langchain_gemini.testing._http import HttpRequest, Reply
from langchain_gemini.testing._state import State


def _ok(payload: Any) -> Reply:
    return Reply(body=json.dumps(payload).encode())


def _bad(message: str, status: int = 400) -> Reply:
    return Reply(status=status, body=json.dumps({"error": message}).encode())


def configure(state: State, payload: dict[str, Any]) -> dict[str, Any]:
    """Apply a configuration change and return the resulting configuration."""
    unknown = set(payload) - {"latency", "stream_events", "api_key", "file_processing_polls", "token_lifetime"}
    if unknown:
        raise ValueError(f"unknown config fields: {sorted(unknown)}")
    with state.lock:
        if payload.get("latency") is not None:
            latency = float(payload["latency"])
            if latency < 0:
                raise ValueError("latency must be >= 0")
            state.latency = latency
        if payload.get("stream_events") is not None:
            events = int(payload["stream_events"])
            if events < 1:
                raise ValueError("stream_events must be >= 1")
            state.stream_events = events
        if "api_key" in payload:
            state.api_key = payload["api_key"]
        if payload.get("file_processing_polls") is not None:
            polls = int(payload["file_processing_polls"])
            if polls < 0:
                raise ValueError("file_processing_polls must be >= 0")
            state.files.processing_polls = polls
        if payload.get("token_lifetime") is not None:
            lifetime = float(payload["token_lifetime"])
            if lifetime <= 0:
                raise ValueError("token_lifetime must be > 0")
            state.tokens.lifetime = lifetime
        return {
            "latency": state.latency,
            "stream_events": state.stream_events,
            "file_processing_polls": state.files.processing_polls,
            "token_lifetime": state.tokens.lifetime,
        }


def set_file_state(state: State, payload: dict[str, Any]) -> dict[str, Any]:
    """Force a file's state (`{"name": "files/<id>", "state": ..., "message": ...}`); returns the File."""
    name = str(payload["name"]).removeprefix("files/")
    return state.files.set_state(name, str(payload["state"]), payload.get("message")).resource()


def _oauth_control(state: State, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The Vertex flavour's controls: a service-account key file, or expiring every issued token."""
    if path == "/_emulator/service-account":
        return dict(state.tokens.service_account_info(str(payload.get("project", "emulator-project"))))
    state.tokens.expire_all()
    return {}


def handle(state: State, request: HttpRequest) -> Reply:
    """Answer one control-plane request."""
    route = (request.method, request.path.rstrip("/"))
    try:
        payload = json.loads(request.body) if request.body else {}
    except ValueError:
        return _bad("body is not valid JSON")
    try:
        if route == ("GET", "/_emulator/stats"):
            return _ok({**state.stats.to_dict(), "token_requests": state.tokens.token_requests})
        if route[1] in ("/_emulator/service-account", "/_emulator/tokens/expire") and route[0] == "POST":
            return _ok(_oauth_control(state, route[1], payload))
        if route == ("GET", "/_emulator/requests"):
            with state.lock:
                records = [r.to_dict() for r in state.requests]
            return _ok({"requests": records})
        if route == ("POST", "/_emulator/reset"):
            state.reset()
            return _ok({})
        if route == ("POST", "/_emulator/config"):
            return _ok(configure(state, payload))
        if route == ("POST", "/_emulator/faults"):
            faults = [Fault.from_dict(f) for f in (payload if isinstance(payload, list) else [payload])]
            for fault in faults:
                state.add_fault(fault)
            return _ok({"faults": len(faults)})
        if route == ("GET", "/_emulator/files"):
            return _ok({"files": [f.resource() for f in state.files.all()]})
        if route == ("POST", "/_emulator/files/state"):
            return _ok(set_file_state(state, payload))
        if route == ("POST", "/_emulator/responses"):
            state.enqueue(payload["response"], payload.get("method"))
            return _ok({"queued": 1})
    except (KeyError, TypeError, ValueError) as exc:
        return _bad(f"{type(exc).__name__}: {exc}")
    return _bad(f"no control endpoint {request.method} {request.path}", 404)
