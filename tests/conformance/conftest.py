"""Part (c) of `make conformance`: Google's own SDK (google-genai) against the emulator.

Needs the `conformance` extra (in the dev lock, not in the test matrix ends). The summary line `(c) google-genai
battery: N/M` is what the lead and CI read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from langchain_gemini.testing import GeminiEmulator

KEY = "conformance-key"


@pytest.fixture(scope="session")
def gemini() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emulator:
        yield emulator


def pytest_terminal_summary(terminalreporter: Any) -> None:
    stats = terminalreporter.stats
    passed = len([r for r in stats.get("passed", []) if r.when == "call"])
    failed = len([r for r in stats.get("failed", []) if r.when in ("call", "setup")])
    errors = len(stats.get("error", []))
    terminalreporter.write_line(f"(c) google-genai battery: {passed}/{passed + failed + errors}")
