"""Smoke test of an installed distribution: `make smoke-wheel` runs it in a clean venv holding only the wheel.

It must run from outside the checkout, so `import langchain_gemini` finds the installed copy: a module or data file
missing from the wheel, or a runtime dependency missing from its metadata, fails here while every in-tree test
passes. It uses the public API only, against the bundled emulator (no key, no network).
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import re
import sys
import sysconfig
from pathlib import Path

DISTRIBUTION = "langchain-gemini-api"


def check_installed_copy() -> None:
    import langchain_gemini

    site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
    location = Path(langchain_gemini.__file__).resolve()
    assert location.is_relative_to(site_packages), f"imported {location}, not the installed wheel"
    assert importlib.metadata.version(DISTRIBUTION) == langchain_gemini.__version__
    assert (location.parent / "py.typed").is_file(), "py.typed missing: type checkers would ignore the package"
    requires = importlib.metadata.requires(DISTRIBUTION) or []
    # A requirement starts with its name (PEP 508); the extras' requirements carry an `extra == ...` marker.
    names = (re.match(r"[A-Za-z0-9._-]+", r) for r in requires if "extra ==" not in r)
    runtime = sorted(name.group() for name in names if name)
    assert runtime == ["filetype", "httpx", "langchain-core", "pydantic"], runtime


def check_calls() -> None:
    from langchain_core.messages import AIMessage

    from langchain_gemini import ChatGemini, GeminiEmbeddings
    from langchain_gemini.testing import GeminiEmulator

    with GeminiEmulator() as emulator:
        model = ChatGemini(model="gemini-2.5-flash", api_key="smoke-key", base_url=emulator.base_url)
        answer = model.invoke("Say hello.")
        assert isinstance(answer, AIMessage), type(answer)
        assert answer.text.startswith('Emulated reply to "Say hello."'), answer.text
        assert answer.usage_metadata is not None, "usage metadata lost"
        assert answer.usage_metadata["total_tokens"] > 0
        assert model.profile is not None, "model profiles (package data) missing from the wheel"
        streamed = "".join(chunk.text for chunk in model.stream("Count to three."))
        assert streamed.startswith("Emulated reply"), streamed
        async_answer = asyncio.run(model.ainvoke("Name a colour."))
        assert async_answer.text.startswith("Emulated reply"), async_answer.text
        embeddings = GeminiEmbeddings(model="gemini-embedding-001", api_key="smoke-key", base_url=emulator.base_url)
        vectors = embeddings.embed_documents(["one", "two"])
        assert len(vectors) == 2, len(vectors)
        assert all(len(vector) == len(vectors[0]) > 0 for vector in vectors)
        paths = [request.path for request in emulator.requests]
        assert "/v1beta/models/gemini-2.5-flash:generateContent" in paths, paths
    print(f"{DISTRIBUTION} smoke test passed: {len(paths)} requests to the emulator, python {sys.version.split()[0]}")


if __name__ == "__main__":
    check_installed_copy()
    check_calls()
