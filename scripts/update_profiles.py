"""Regenerate `langchain_gemini/data/_published.py` (the published facts of the model table) in one command.

    python scripts/update_profiles.py models-dev-api.json     # https://models.dev/api.json, saved
    python scripts/update_profiles.py models-get/*.json       # `GET /v1beta/models/{id}` answers, or one models.list

Sources are merged over the current table: a model a source names is updated (limits, name, modalities, status),
models it does not name are kept, so a `models.get` answer for one new model adds one row. The rules the client
applies per generation and family (thinking, signatures, schema form) live in `langchain_gemini/_models.py` and
need no update for a model of a known family. Run `ruff format` afterwards only if you edit the output by hand: the
file is written already formatted.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from collections.abc import Iterator, Mapping
from typing import Any

TARGET = pathlib.Path(__file__).resolve().parent.parent / "langchain_gemini" / "data" / "_published.py"
_MODALITIES = ("text", "image", "audio", "video", "pdf")
_HEADER = '''"""Published facts of every Gemini model the client knows: generated, do not edit by hand.

Regenerate with `scripts/update_profiles.py`.

From the Gemini models pages (ai.google.dev/gemini-api/docs/models) as carried by models.dev
(github.com/sst/models.dev, MIT) and the API's own `models.get` answers. The rules applied per generation and family
(thinking, signatures, schema form) are in `langchain_gemini/_models.py`.
"""

from __future__ import annotations

from typing import Any

PUBLISHED: dict[str, dict[str, Any]] = {
'''


def _wanted(model_id: str) -> bool:
    # Aliases (`gemini-flash-latest`) resolve to the newest row of their family; Live and Gemma models are not served
    # by generateContent on this API key path.
    return (
        model_id.startswith(("gemini-", "text-embedding-"))
        and not model_id.endswith("-latest")
        and "live" not in model_id
    )


def from_models_dev(data: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Rows from a models.dev `api.json` (its `google` provider)."""
    for model_id, model in (data.get("google", {}).get("models") or {}).items():
        if not _wanted(model_id):
            continue
        limit = model.get("limit") or {}
        modalities = model.get("modalities") or {}
        row: dict[str, Any] = {
            "name": model.get("name", model_id),
            "max_input_tokens": limit.get("context"),
            "max_output_tokens": limit.get("output"),
            "inputs": sorted(m for m in modalities.get("input", ["text"]) if m in _MODALITIES),
            "outputs": sorted(m for m in modalities.get("output", ["text"]) if m in _MODALITIES),
            "tool_calling": bool(model.get("tool_call", False)),
            "structured_output": bool(model.get("structured_output", model.get("tool_call", False))),
            "status": "preview" if "preview" in model_id or model.get("status") == "beta" else "stable",
        }
        if "embedding" in model_id:
            row["outputs"] = []
        yield model_id, {key: value for key, value in row.items() if value is not None}


def from_models_get(data: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Rows from a `models.get` answer or a `models.list` page (`{"models": [...]}`); modalities are not published."""
    for model in data.get("models", [data]):
        model_id = str(model.get("name", "")).removeprefix("models/")
        if not _wanted(model_id):
            continue
        methods = model.get("supportedGenerationMethods") or []
        row: dict[str, Any] = {
            "name": model.get("displayName", model_id),
            "max_input_tokens": model.get("inputTokenLimit"),
            "max_output_tokens": None if "embedContent" in methods else model.get("outputTokenLimit"),
            "status": "preview" if "preview" in model_id else "stable",
        }
        if "embedContent" in methods:
            row.update(inputs=["text"], outputs=[], tool_calling=False, structured_output=False)
        yield model_id, {key: value for key, value in row.items() if value is not None}


def merge(current: Mapping[str, Mapping[str, Any]], sources: list[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The current rows updated with every source's rows (models.dev exports are told apart by their `google` key)."""
    merged = {model_id: dict(row) for model_id, row in current.items()}
    for data in sources:
        rows = from_models_dev(data) if "google" in data else from_models_get(data)
        for model_id, row in rows:
            merged.setdefault(model_id, {}).update(row)
    return merged


def render(rows: Mapping[str, Mapping[str, Any]]) -> str:
    """The module text, formatted as ruff formats it (one key per line, sorted ids)."""
    lines = [_HEADER]
    for model_id in sorted(rows):
        lines.append(f"    {json.dumps(model_id)}: {{\n")
        for key, value in rows[model_id].items():
            lines.append(f"        {json.dumps(key)}: {_literal(value)},\n")
        lines.append("    },\n")
    lines.append("}\n")
    return "".join(lines)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return f"{value:_}" if value >= 10_000 else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    return json.dumps(value)


def main(argv: list[str] | None = None) -> int:
    """Merge the sources named on the command line into the table and write it."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="+", type=pathlib.Path, help="models.dev api.json or models.get JSON files")
    parser.add_argument("--output", type=pathlib.Path, default=TARGET)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(TARGET.parent.parent.parent))
    from langchain_gemini.data._published import PUBLISHED

    sources = [json.loads(path.read_text()) for path in args.sources]
    args.output.write_text(render(merge(PUBLISHED, sources)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
