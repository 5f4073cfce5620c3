"""Import time in a fresh process.

Every worker first imports ``langchain_core.language_models`` (which any LangChain
chat model needs), then what the client needs to build a model; "added" is the
second step alone, the cost the package adds on top of LangChain itself.  The
worker has already imported ``json``, ``dataclasses`` and ``typing`` (tiny, and
the same for every client).
"""

from __future__ import annotations

import importlib
import sys
import time
from typing import Any

from benchmarks._spec import Metric, Spec, Target, Variant

# (module, attribute) each client needs before it can send a request.
IMPORTS: dict[str, tuple[str, str | None]] = {
    "floor": ("httpx", None),
    "floor_httpx2": ("httpx2", None),
    "anchor": ("langchain_google_genai", "ChatGoogleGenerativeAI"),
    "ours": ("langchain_gemini", "ChatGemini"),
}

SPEC = Spec(
    name="import",
    module="bench_import",
    prime=True,
    reference=None,  # the target is absolute: ms added on top of langchain-core
    metrics=(
        Metric("added_ms", "added to lc-core ms", digits=1),
        Metric("base_ms", "lc-core itself ms", digits=1),
        Metric("added_modules", "added modules"),
    ),
    variants=(
        Variant(
            "fresh process",
            target=Target(
                "added_ms", reference=None, max_value=60.0, anchor_note="anchor +400-700 ms"
            ),
        ),
    ),
)


def run(client: str, params: dict[str, Any], url: str) -> dict[str, float]:
    module_name, attribute = IMPORTS[client]
    before = len(sys.modules)
    start = time.perf_counter()
    importlib.import_module("langchain_core.language_models")
    middle = time.perf_counter()
    base_modules = len(sys.modules)
    module = importlib.import_module(module_name)
    if attribute is not None:
        getattr(module, attribute)  # a lazy __getattr__ must pay its cost here
    end = time.perf_counter()
    return {
        "added_ms": (end - middle) * 1e3,
        "base_ms": (middle - start) * 1e3,
        "added_modules": float(len(sys.modules) - base_modules),
        "total_modules": float(len(sys.modules) - before),
    }
