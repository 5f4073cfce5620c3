"""docs/architecture.md names every module of the package, so the map cannot silently fall behind the code."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "langchain_gemini"


def test_every_module_is_on_the_map() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    modules = [path for path in PACKAGE.glob("*.py") if path.name != "__init__.py"]
    modules += [path for path in (PACKAGE / "data").glob("*.py") if path.name != "__init__.py"]
    assert len(modules) > 40
    missing = sorted(
        path.name for path in modules if f"`{path.name}`" not in page and f"`data/{path.name}`" not in page
    )
    assert not missing, f"docs/architecture.md does not say what these modules own: {missing}"
