"""The docs layout check itself (tests/docs/layout.py), on tiny pages in a real headless Chromium.

Each page has one block that is wrong and one that is right, so the check is seen both to fail and to pass.
Run by `make docs-check`, which installs Chromium first; without one these tests fail (never skip) saying so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs import layout

layout.find_chromium()  # no Chromium: a collection error that says what to install

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><style>
  body {{ margin: 0; font: 16px monospace; }}
  article {{ width: 400px; }}
  pre {{ margin: 0; }}
  pre > code {{ display: block; overflow: auto; padding: 8px; }}
  table {{ display: block; max-width: 100%; overflow: auto; }}
</style></head>
<body><article>{body}</article></body></html>
"""


def write_site(tmp_path: Path, body: str, name: str = "index.html") -> Path:
    site = tmp_path / "site"
    page = site / name
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(PAGE.format(body=body), encoding="utf-8")
    return site


def test_a_code_block_that_scrolls_is_reported_and_one_that_fits_is_not(tmp_path: Path) -> None:
    long_line = "print('" + "x" * 60 + "')"  # 69 columns: wider than 400 px at 16 px monospace
    site = write_site(
        tmp_path,
        "<h2>Fits</h2><pre><code>print('short')\n</code></pre>"
        f"<h2>Too wide</h2><pre><code>import os\n{long_line}\n</code></pre>",
    )
    pages, problems = layout.check_site(site, screenshots=None)
    assert pages == ["index.html"]
    assert len(problems) == 1, problems
    problem = problems[0]
    assert (problem.page, problem.kind) == ("index.html", "code block scrolls (longest line 69 chars)")
    assert problem.block == "§ Too wide: import os"
    assert problem.overflow > 100  # 69 columns of about 9.6 px in 384 px


def test_a_wide_table_and_an_identifier_cut_in_two_are_reported(tmp_path: Path) -> None:
    site = write_site(
        tmp_path,
        # Right: wraps at a space. Wrong: breaks anywhere, as Material's inline code did.
        '<h2>Cells</h2><table><tr><td style="width: 120px"><code>tool_choice any</code></td></tr>'
        '<tr><td style="width: 120px"><code style="word-break: break-all">aembed_documents</code></td></tr>'
        "</table>"
        # Wrong: a table wider than the column.
        '<h2>Wide</h2><table><tr><td><code style="white-space: nowrap">' + "w" * 60 + "</code></td></tr></table>",
        name="guide/index.html",
    )
    _, problems = layout.check_site(site, screenshots=None)
    assert sorted(problem.kind for problem in problems) == ["inline code broken mid-word in a table", "table scrolls"]
    broken, wide = sorted(problems, key=lambda problem: problem.kind)
    before, after = broken.block.removeprefix("§ Cells: `").removesuffix("`").split("` | `")
    assert before + after == "aembed_documents"  # where it breaks depends on the font
    assert before
    assert after
    assert wide.block == "§ Wide: " + "w" * 60
    assert wide.overflow > 100


def test_screenshots_of_the_chosen_pages(tmp_path: Path) -> None:
    site = write_site(tmp_path, "<p>Home</p>")
    shots = tmp_path / "shots"
    _, problems = layout.check_site(site, screenshots=shots, shot_pages=["index.html"])
    assert problems == []
    assert (shots / "home.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_the_command_line_lists_the_problems_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = write_site(tmp_path, "<pre><code>" + "y" * 200 + "</code></pre>")
    assert layout.main([str(site)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("index.html: code block scrolls (longest line 200 chars) (")
    assert "px too wide): yyyy" in out
    assert "1 layout problem(s)" in err
    assert layout.main([str(write_site(tmp_path / "good", "<p>fine</p>"))]) == 0
