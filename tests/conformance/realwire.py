"""Parts (a) and (b) of `make conformance`: the emulator against recorded traffic with the real Gemini API.

The recordings live outside this repository (`../shared/realwire/cases/*.json` next to the checkout, or the
directory named by `GEMINI_REALWIRE_DIR`); they are read at run time and nothing from them is copied here.

(a) Every recorded request is sent to a fresh emulator: a request Google answered with a 2xx must be accepted,
    one it answered with a 4xx must get the same status. The only adjustments are the ones the corpus itself
    needs and the output lists: retired models (Gemini 1.5 and 2.0, `text-embedding-004`, `-exp` and dated
    preview ids) are registered as clones of their successors, files a request names are uploaded under the
    recorded id, and thought signatures a request replays are taught to the emulator first (as a scripted answer
    it served). Requests that use a context cache (`cachedContent`) the recording account had created cannot be
    replayed: the emulator serves no caches API yet and Google does not let a caller choose a cache's name. They
    are listed as not sent, never counted as agreeing.
(b) For every exchange both sides accept, the JSON paths of Google's answer are looked for in the emulator's
    wherever both answers have the parent (streams: first, middle and last event): the share found is the
    figure with a target. Paths only the emulator sends are counted and listed too, but not held to the target:
    the recordings span 2024-2026 and Google added fields over time (`usageMetadata.serviceTier` is in every
    2026 answer and in no 2025 one), so an older recording lacking a field today's API sends is no evidence.
    Parts are keyed by their kind (`parts[text]`, `parts[thought]`, `parts[functionCall]`, ...) so that a text
    answer is not compared with a function call.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from langchain_gemini.testing import DEFAULT_MODELS, GeminiEmulator, ModelInfo

KEY = "conformance-key"
_ROOT = Path(__file__).resolve().parents[2]
_MODEL_IN_PATH = re.compile(r"/models/([^:/]+)")
_FILE_URI = re.compile(r"https://generativelanguage\.googleapis\.com/v1beta/files/([a-z0-9-]+)")
# Retired ids the corpus was recorded with, and the current model each is cloned from.
_RETIRED = (
    (re.compile(r"gemini-1\.5-flash.*|gemini-2\.0-flash-exp"), "gemini-2.0-flash"),
    (re.compile(r"gemini-2\.5-pro-preview-.*|gemini-2\.5-pro-exp-.*"), "gemini-2.5-pro"),
    (re.compile(r"gemini-2\.5-flash-preview-.*"), "gemini-2.5-flash"),
    (re.compile(r"text-embedding-004"), "gemini-embedding-001"),
)
_PART_KINDS = (
    "functionCall",
    "functionResponse",
    "executableCode",
    "codeExecutionResult",
    "inlineData",
    "fileData",
    "toolCall",
    "toolResponse",
    "text",
)


def realwire_dir() -> Path | None:
    """The recorded cases, or None when the corpus is not next to this checkout."""
    configured = os.environ.get("GEMINI_REALWIRE_DIR")
    base = Path(configured) if configured else _ROOT.parent / "shared" / "realwire"
    cases = base / "cases"
    return cases if cases.is_dir() else None


def load_cases(directory: Path) -> list[dict[str, Any]]:
    """Every case, in flow order (the exchanges of one test follow each other)."""
    cases = [json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))]
    return sorted(cases, key=lambda c: (c.get("flow") or c["name"], c.get("step") or 0, c["name"]))


def model_of(case: dict[str, Any]) -> str:
    """The model id in the request path."""
    match = _MODEL_IN_PATH.search(case["path"])
    return match.group(1) if match else ""


def retired_models(cases: list[dict[str, Any]]) -> list[ModelInfo]:
    """Clones for the retired model ids the corpus names (the emulator must know every current one itself)."""
    known = {m.id: m for m in DEFAULT_MODELS}
    clones: dict[str, ModelInfo] = {}
    for case in cases:
        model = model_of(case)
        for pattern, successor in _RETIRED:
            if model not in known and pattern.fullmatch(model):
                clones[model] = dataclasses.replace(known[successor], id=model, display_name=model)
    return list(clones.values())


@dataclasses.dataclass
class Outcome:
    """What the emulator did with one recorded request."""

    name: str
    expected: int
    got: int
    body: Any
    adjustments: list[str]

    @property
    def agrees(self) -> bool:
        if self.expected < 300:
            return self.got < 300
        return self.got == self.expected


def _sent_files(request: Any) -> set[str]:
    return set(_FILE_URI.findall(json.dumps(request)))


def _signatures(request: Any) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("thoughtSignature", "thought_signature") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(request)
    return found


def _upload(client: httpx.Client, file_id: str, mime: str) -> None:
    start = client.post(
        "/upload/v1beta/files",
        headers={
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": "4",
            "X-Goog-Upload-Header-Content-Type": mime,
        },
        json={"file": {"name": f"files/{file_id}", "mimeType": mime}},
    )
    start.raise_for_status()
    url = start.headers["x-goog-upload-url"]
    done = client.post(
        url, headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "0"}, content=b"data"
    )
    done.raise_for_status()


def _file_mimes(request: Any) -> dict[str, str]:
    mimes: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("fileData") or node.get("file_data")
            if isinstance(data, dict):
                match = _FILE_URI.fullmatch(str(data.get("fileUri") or data.get("file_uri") or ""))
                if match:
                    mimes[match.group(1)] = str(data.get("mimeType") or data.get("mime_type") or "text/plain")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(request)
    return mimes


def prepare(emulator: GeminiEmulator, client: httpx.Client, case: dict[str, Any]) -> list[str]:
    """Upload the files and teach the signatures the request needs; what was done, for the output."""
    done: list[str] = []
    if model_of(case) not in {m.id for m in DEFAULT_MODELS} and model_of(case) in emulator.models:
        done.append(f"registered retired model {model_of(case)}")
    request = case["request"]
    for file_id, mime in sorted(_file_mimes(request).items()):
        if not any(f["name"] == f"files/{file_id}" for f in emulator.files):
            _upload(client, file_id, mime)
            done.append(f"uploaded files/{file_id}")
    signatures = _signatures(request)
    if signatures:
        parts = [{"text": "x", "thoughtSignature": s} for s in signatures]
        emulator.enqueue({"candidates": [{"content": {"role": "model", "parts": parts}}]}, method="generateContent")
        client.post("/v1beta/models/gemini-2.5-flash:generateContent", json={"contents": [{"parts": [{"text": "x"}]}]})
        done.append(f"taught {len(signatures)} signature(s)")
    return done


def send(client: httpx.Client, case: dict[str, Any]) -> tuple[int, Any]:
    """POST the recorded request as recorded (streams as SSE or JSON array, like the recording)."""
    path = case["path"]
    response = case["response"]
    if "streamGenerateContent" in path and "sse" in response and "alt=sse" not in path:
        path += ("&" if "?" in path else "?") + "alt=sse"
    reply = client.post(path, json=case["request"])
    text = reply.text
    if "sse" in response and reply.status_code < 300:
        events = [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]
        return reply.status_code, events
    try:
        return reply.status_code, json.loads(text)
    except ValueError:
        return reply.status_code, text


def needs_cache(case: dict[str, Any]) -> bool:
    """Whether the request uses a context cache (see the module docstring)."""
    request = case["request"] or {}
    return bool(request.get("cachedContent") or request.get("cached_content"))


def run_a(cases: list[dict[str, Any]]) -> list[Outcome]:
    """Send every recorded request that can be replayed; one Outcome each."""
    outcomes: list[Outcome] = []
    with GeminiEmulator(models=[*DEFAULT_MODELS, *retired_models(cases)]) as emulator:
        with httpx.Client(base_url=emulator.base_url, headers={"x-goog-api-key": KEY}, timeout=30) as client:
            for case in cases:
                if case["request"] is None or needs_cache(case):
                    continue
                emulator.reset()
                adjustments = prepare(emulator, client, case)
                status, body = send(client, case)
                outcomes.append(Outcome(case["name"], case["response"]["status"], status, body, adjustments))
    return outcomes


# --- (b) answer shapes ------------------------------------------------------------------------------------------


def _part_kind(part: dict[str, Any]) -> str:
    if part.get("thought"):
        return "thought"
    return next((kind for kind in _PART_KINDS if kind in part), "empty")


def paths(node: Any, prefix: str = "") -> Iterator[str]:
    """Every JSON path of `node` (list items merged as `[]`, content parts keyed by kind)."""
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            if key == "parts" and isinstance(value, list):
                for part in value:
                    if isinstance(part, dict):
                        kind = f"{path}[{_part_kind(part)}]"
                        yield kind
                        yield from paths(part, kind)
            else:
                yield from paths(value, path)
    elif isinstance(node, list):
        for item in node:
            yield f"{prefix}[]"
            yield from paths(item, f"{prefix}[]")


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def _free_form(path: str) -> bool:
    # Values whose keys are the caller's data, not the API's shape: function arguments, responses, schemas.
    return bool(re.search(r"\.(args|response|structValue|partialArgs)\.", path))


def compare(google: Any, emulator: Any) -> tuple[set[str], set[str]]:
    """(paths both have, paths only one has) among those whose parent both have."""
    ours, theirs = set(paths(emulator)), set(paths(google))
    shared, differ = set[str](), set[str]()
    for path in ours | theirs:
        parent = _parent(path)
        if _free_form(path + ".") or (parent and not (parent in ours and parent in theirs)):
            continue
        (shared if path in ours and path in theirs else differ).add(path)
    return shared, differ


def _samples(events: list[Any]) -> list[tuple[str, Any]]:
    if not events:
        return []
    return [("first", events[0]), ("middle", events[len(events) // 2]), ("last", events[-1])]


@dataclasses.dataclass
class Shapes:
    """Part (b)'s tallies."""

    found: int = 0  # Google's paths the emulator also sent
    google: int = 0  # Google's paths whose parent both answers have
    extra: int = 0  # the emulator's paths Google did not send (parent in both)
    misses: Counter[str] = dataclasses.field(default_factory=Counter)


def run_b(cases: dict[str, dict[str, Any]], outcomes: list[Outcome]) -> Shapes:
    """Compare answer shapes over the exchanges both sides accepted."""
    shapes = Shapes()
    for outcome in outcomes:
        recorded = cases[outcome.name]["response"]
        if outcome.expected >= 300 or outcome.got >= 300:
            continue
        google = recorded.get("body")
        if google is not None:
            pairs = [("", google, outcome.body)]
        else:
            events = recorded.get("sse") or recorded.get("stream_array") or []
            mine = outcome.body if isinstance(outcome.body, list) else []
            pairs = [(f"{a}:", g, e) for (a, g), (_, e) in zip(_samples(events), _samples(mine), strict=False)]
        for label, theirs, ours in pairs:
            shared, differ = compare(theirs, ours)
            ours_paths = set(paths(ours))
            extra = {path for path in differ if path in ours_paths}
            shapes.found += len(shared)
            shapes.google += len(shared) + len(differ - extra)
            shapes.extra += len(extra)
            for path in differ:
                shapes.misses[f"{'extra' if path in extra else 'missing'} {label}{path}"] += 1
    return shapes
