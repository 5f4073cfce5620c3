"""Import time in a fresh process, in three timed steps.

1. ``import langchain_core.language_models`` (lazy in langchain-core 1.x: the package only);
2. ``from langchain_core.language_models import BaseChatModel``, which pulls in the
   callback and tracing machinery (langsmith run trees) every chat model needs;
3. what the client needs before it can send a request (``ChatGemini``, ...).

"added" is step 3 alone: what the integration adds on top of the LangChain it cannot
avoid.  "added to pkg" is steps 2 + 3, the definition the baseline's anchor figure
(+400 to 700 ms) corresponds to.  The worker has already imported ``json``,
``dataclasses`` and ``typing`` (tiny, and the same for every client).
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
    needs_server=False,
    reference=None,  # the target is absolute: ms added on top of langchain-core
    metrics=(
        Metric("added_ms", "added to BaseChatModel ms", digits=1),
        Metric("added_pkg_ms", "added to lc-core pkg ms", digits=1),
        Metric("pkg_ms", "lc-core pkg itself ms", digits=1),
        Metric("base_ms", "BaseChatModel itself ms", digits=1),
        Metric("added_modules", "added modules"),
    ),
    variants=(
        Variant(
            "fresh process",
            target=Target("added_ms", reference=None, max_value=60.0, anchor_note="anchor +400-700 ms over pkg"),
        ),
    ),
)


def _timed(step: Any) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def run(client: str, params: dict[str, Any], url: str) -> dict[str, float]:
    module_name, attribute = IMPORTS[client]
    before = len(sys.modules)
    pkg = _timed(lambda: importlib.import_module("langchain_core.language_models"))
    base = _timed(lambda: importlib.import_module("langchain_core.language_models").BaseChatModel)
    base_modules = len(sys.modules)
    # getattr: a lazy module __getattr__ must pay its cost here.
    added = _timed(lambda: getattr(importlib.import_module(module_name), attribute or "__name__"))
    return {
        "added_ms": added * 1e3,
        "added_pkg_ms": (base + added) * 1e3,
        "pkg_ms": pkg * 1e3,
        "base_ms": base * 1e3,
        "added_modules": float(len(sys.modules) - base_modules),
        "total_modules": float(len(sys.modules) - before),
    }
