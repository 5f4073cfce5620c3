"""Run every Python example of `README.md` and `docs/` (pytest-markdown-docs), against the bundled emulator.

Usage (what `make integration` runs)::

    python -m pytest -p tests.docs.plugin --markdown-docs --markdown-docs-syntax=superfences README.md docs

How the examples are run:

* Each fence is a test. Fences use Material's brace syntax for options: ```` ```{.python continuation} ````
  continues the previous fence, ```` ```{.python notest} ```` is shown but not run.
* Examples are written as real code (`ChatGemini(model="gemini-2.5-flash")`, key from the environment). Here
  `GOOGLE_API_KEY` is set to a placeholder and `GOOGLE_GEMINI_BASE_URL` to a shared local `GeminiEmulator`,
  reset before each example: the way users point an unmodified app at the emulator. Examples that build their
  own emulator and pass `base_url` are left alone (an explicit `base_url` wins over the variable).
* ```` ```{.python fixture:real_api} ```` marks an example that needs the real API (Google Search, code
  execution, the Files API): it runs against the real API when `GOOGLE_API_KEY` or `GEMINI_API_KEY` is set,
  and is skipped when neither is.
* Shown output is checked: the lines an example prints must equal its `# -> ` comment lines, in order (a marker
  `ruff format`, which also formats the examples, leaves alone).
"""

from __future__ import annotations

import builtins
import io
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_gemini._base import BASE_URL_ENV_VAR
from langchain_gemini.testing import GeminiEmulator

REAL_API_KEY = next(
    (value for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY") if (value := os.environ.get(name, "").strip())), None
)
PLACEHOLDER_KEY = "docs-example-key"
_EXPECTED = re.compile(r"^\s*# -> ?(.*)$", re.MULTILINE)


class _Printed:
    """What the current example printed (examples get this `print` as a global, see the globals hook)."""

    buffer = io.StringIO()

    @classmethod
    def reset(cls) -> None:
        cls.buffer = io.StringIO()

    @classmethod
    def print(cls, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("file") is not None:
            builtins.print(*args, **kwargs)
        else:
            builtins.print(*args, **{**kwargs, "file": cls.buffer})


def _is_example(item: pytest.Item) -> bool:
    return item.get_closest_marker("markdown-docs") is not None


def pytest_markdown_docs_globals() -> dict[str, Any]:
    """Globals of every example: a `print` that records what the example shows."""
    return {"print": _Printed.print}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Run the example, then compare what it printed with its `# -> ` lines (when it has any)."""
    if not _is_example(item):
        return (yield)
    _Printed.reset()
    result = yield
    expected = _EXPECTED.findall(getattr(item, "code", ""))
    if expected:
        printed = [line.rstrip() for line in _Printed.buffer.getvalue().rstrip("\n").split("\n")]
        wanted = [line.rstrip() for line in expected]
        if printed != wanted:
            shown = "\n".join(f"  {line}" for line in printed)
            expected_text = "\n".join(f"  {line}" for line in wanted)
            pytest.fail(f"the example printed:\n{shown}\nbut its '# -> ' lines say:\n{expected_text}", pytrace=False)
    return result


@pytest.fixture(scope="session")
def docs_emulator() -> Iterator[GeminiEmulator]:
    """One emulator for all examples."""
    with GeminiEmulator() as emulator:
        yield emulator


@pytest.fixture
def real_api() -> None:
    """Marks an example that needs the real Gemini API: skipped unless a key is set."""
    if REAL_API_KEY is None:
        pytest.skip("needs the real Gemini API: set GOOGLE_API_KEY or GEMINI_API_KEY")


@pytest.fixture(autouse=True)
def _example_environment(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    docs_emulator: GeminiEmulator,
) -> Iterator[None]:
    """Point examples at the emulator (unless they need the real API) and run them in a scratch directory."""
    if not _is_example(request.node):
        yield
        return
    monkeypatch.chdir(tmp_path)
    # Examples that start `python -m langchain_gemini.testing` need the package importable from the scratch dir.
    root = str(request.config.rootpath)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    if "real_api" in request.fixturenames:
        yield
        return
    monkeypatch.setenv("GOOGLE_API_KEY", PLACEHOLDER_KEY)
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.setenv(BASE_URL_ENV_VAR, docs_emulator.base_url)
    docs_emulator.reset()
    yield
    docs_emulator.reset()


@pytest.fixture
def emulator(docs_emulator: GeminiEmulator) -> GeminiEmulator:
    """The shared emulator, for examples that script it (reset around each example)."""
    return docs_emulator


@pytest.fixture
def media_files(tmp_path: Any) -> None:
    """Small, valid sample files in the example's directory: photo.png, report.pdf, meeting.wav, talk.mp4."""
    from tests.fixtures import media

    samples = {"photo.png": media.png(), "report.pdf": media.pdf(), "meeting.wav": media.wav(), "talk.mp4": media.mp4()}
    for name, data in samples.items():
        (tmp_path / name).write_bytes(data)


@pytest.fixture
def web_images(monkeypatch: pytest.MonkeyPatch) -> None:
    """Media URL downloads answer with a small PNG instead of going to the internet (tests have no network)."""
    from langchain_gemini import _media_fetch
    from tests.fixtures import media

    def fetch(url: str, settings: Any) -> _media_fetch.Fetched:
        return _media_fetch.Fetched(content=media.png(), mime_type="image/png")

    async def afetch(url: str, settings: Any) -> _media_fetch.Fetched:
        return fetch(url, settings)

    monkeypatch.setattr(_media_fetch, "fetch", fetch)
    monkeypatch.setattr(_media_fetch, "afetch", afetch)
