"""The docs example runner itself: shown output is checked, real-API examples skip without a key, emulator wiring.

Each case runs pytest in a subprocess on a small Markdown file, exactly as `make integration` runs the docs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_examples(markdown: str, tmp_path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    page = tmp_path / "page.md"
    page.write_text(markdown, encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "tests.docs.plugin",
        "-p",
        "no:recording",
        "-p",
        "no:cacheprovider",
        "--markdown-docs",
        "--markdown-docs-syntax=superfences",
        "--rootdir",
        str(ROOT),
        "-q",
        "-rs",
        str(page),
    ]
    base = {k: v for k, v in os.environ.items() if k not in {"GOOGLE_API_KEY", "GEMINI_API_KEY"}}
    return subprocess.run(
        command, cwd=ROOT, env={**base, **(env or {})}, capture_output=True, text=True, timeout=120, check=False
    )


def test_printed_output_must_match_the_shown_output(tmp_path: Path) -> None:
    result = run_examples(
        '```python\nprint("right")\n# -> right\n```\n\n```python\nprint("wrong")\n# -> expected\n```\n', tmp_path
    )
    assert "1 failed, 1 passed" in result.stdout, result.stdout
    assert "but its '# -> ' lines say:\n  expected" in result.stdout


def test_continuation_and_notest(tmp_path: Path) -> None:
    markdown = (
        '```python\nword = "docs"\n```\n\n'
        "```{.python continuation}\nprint(word)\n# -> docs\n```\n\n"
        "```{.python notest}\nraise SystemExit(1)\n```\n"
    )
    result = run_examples(markdown, tmp_path)
    assert "2 passed" in result.stdout, result.stdout


def test_real_api_examples_skip_without_a_key(tmp_path: Path) -> None:
    result = run_examples("```{.python fixture:real_api}\nraise AssertionError\n```\n", tmp_path)
    assert "1 skipped" in result.stdout, result.stdout
    assert "needs the real Gemini API" in result.stdout


def test_examples_reach_the_emulator_through_the_default_base_url(tmp_path: Path) -> None:
    markdown = (
        "```python\n"
        "from langchain_gemini import ChatGemini, GeminiEmbeddings\n"
        'print(ChatGemini(model="gemini-2.5-flash").invoke("Hello").response_metadata["finish_reason"])\n'
        "# -> STOP\n"
        'print(GeminiEmbeddings().base_url.startswith("http://127.0.0.1:"))\n'
        "# -> True\n"
        "```\n"
    )
    result = run_examples(markdown, tmp_path, env={"GOOGLE_API_KEY": "must-not-be-used"})
    assert "1 passed" in result.stdout, result.stdout


@pytest.mark.parametrize("name", ["ChatGemini", "GeminiEmbeddings", "GeminiFiles"])
def test_the_default_base_url_is_google_outside_the_examples(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import langchain_gemini
    from langchain_gemini._base import BASE_URL_ENV_VAR, DEFAULT_BASE_URL

    monkeypatch.delenv(BASE_URL_ENV_VAR, raising=False)
    kwargs = {"model": "gemini-2.5-flash"} if name == "ChatGemini" else {}
    assert getattr(langchain_gemini, name)(api_key="k", **kwargs).base_url == DEFAULT_BASE_URL
