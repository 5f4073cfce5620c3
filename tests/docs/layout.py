"""Check the built docs site in a real browser: nothing may scroll sideways or break an identifier in two.

Usage (what `make docs-check` runs, after `mkdocs build`)::

    python -m tests.docs.layout site --screenshots build/docs-check

Every HTML page of the site is opened in headless Chromium at a 1280 px wide window, served from a local
http.server, and `layout_probe.js` measures it: a code block whose content is wider than its box (a horizontal
scrollbar), a table that scrolls or sticks out of the content column, and inline `code` broken across two lines
between two non-space characters (`aembed_documen` / `ts`). The exit status is 1 when anything is found, with one
line per problem: page, kind, where (nearest heading and the block's first line) and the overflow in pixels.

The browser is driven over the Chrome DevTools Protocol (https://chromedevtools.github.io/devtools-protocol/)
with the `websockets` package: no driver binary, nothing downloaded. Requests that leave the machine (the
theme's web fonts) are blocked, so the result does not depend on the network; the fallback monospace font has
the same advance width (0.6 em) as Roboto Mono.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import http.server
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

WIDTH = 1280
HEIGHT = 900
SCREENSHOT_PAGES = ("index.html", "quickstart/index.html", "tools/index.html", "migration/index.html")
PROBE = (Path(__file__).parent / "layout_probe.js").read_text(encoding="utf-8")
# The flags the brief of issue 15 found necessary in a sandboxed container: no sandbox, no GPU, and no
# background connections of its own (without those, Chromium's connections are refused many at a time).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
)
_STARTUP_SECONDS = 30.0
_REPLY_SECONDS = 60.0


@dataclass(frozen=True)
class Problem:
    """One layout problem on one page."""

    page: str
    kind: str
    block: str
    overflow: float

    def __str__(self) -> str:
        wide = f" ({self.overflow:.0f} px too wide)" if self.overflow else ""
        return f"{self.page}: {self.kind}{wide}: {self.block}"


def find_chromium() -> str:
    """The Chromium executable: $CHROMIUM, else the first of chromium / chromium-browser / google-chrome on PATH."""
    names = [os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"]
    for name in filter(None, names):
        found = shutil.which(name)
        if found:
            return found
    raise FileNotFoundError("no Chromium found: install Debian's `chromium` package or set $CHROMIUM")


class Browser:
    """A headless Chromium process and a DevTools Protocol connection to it (use as a context manager)."""

    def __init__(self, executable: str | None = None) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="docs-check-chromium-", ignore_cleanup_errors=True)
        command = [executable or find_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={self._profile.name}"]
        self._process = subprocess.Popen(
            [*command, "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._ids = itertools.count(1)
        self._events: list[dict[str, Any]] = []  # events that arrived while waiting for something else
        self._resources = ExitStack()
        try:
            opened = connect(self._endpoint(), max_size=None, open_timeout=_STARTUP_SECONDS)
            self._socket: ClientConnection = self._resources.enter_context(opened)
        except BaseException:
            self.close()
            raise

    def _endpoint(self) -> str:
        """Chromium writes its port and browser path to DevToolsActivePort in the profile once it listens."""
        active = Path(self._profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + _STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"Chromium exited with status {self._process.returncode} before listening")
            lines = active.read_text().split() if active.exists() else []
            if len(lines) == 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
            time.sleep(0.05)
        raise TimeoutError(f"Chromium did not open its DevTools port within {_STARTUP_SECONDS:.0f} s")

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Call a DevTools method and return its result (events that arrive meanwhile are kept for `wait_event`)."""
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        reply = self._until(lambda m: m.get("id") == message_id)
        if "error" in reply:
            raise RuntimeError(f"{method} failed: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def forget_events(self) -> None:
        """Drop the events received so far (before starting what `wait_event` will wait for)."""
        self._events.clear()

    def wait_event(self, method: str, session: str) -> None:
        """Wait for a `method` event of `session` received since `forget_events` (or arriving now)."""
        for index, event in enumerate(self._events):
            if event.get("method") == method and event.get("sessionId") == session:
                del self._events[: index + 1]
                return
        self._events.clear()
        self._until(lambda m: m.get("method") == method and m.get("sessionId") == session)

    def _until(self, wanted: Any) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = json.loads(self._socket.recv(timeout=_REPLY_SECONDS))
            if wanted(message):
                return message
            if "method" in message:
                self._events.append(message)

    def close(self) -> None:
        """Shut Chromium down, wait for it (ours, by its handle) and delete the profile.

        `Browser.close` lets Chromium end its helper processes and finish writing its profile; a bare SIGTERM
        leaves them writing while the profile is deleted.
        """
        if hasattr(self, "_socket"):
            with contextlib.suppress(Exception):
                self.send("Browser.close")
        self._resources.close()
        try:
            self._process.wait(timeout=_STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.terminate()
            try:
                self._process.wait(timeout=_STARTUP_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Tab:
    """One page target at WIDTH x HEIGHT, with requests that leave the machine blocked."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session: str = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        metrics = {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}
        self.call("Emulation.setDeviceMetricsOverride", metrics)
        self.call("Network.enable")
        self.call("Network.setBlockedURLs", {"urls": ["*://fonts.googleapis.com/*", "*://fonts.gstatic.com/*"]})
        self.call("Page.enable")

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, self.session)

    def open(self, url: str) -> None:
        """Load `url` and wait for its load event, its fonts and two frames (the theme's scripts lay tables out)."""
        self.browser.forget_events()
        navigation = self.call("Page.navigate", {"url": url})
        if navigation.get("errorText"):
            raise RuntimeError(f"{url}: {navigation['errorText']}")
        self.browser.wait_event("Page.loadEventFired", self.session)
        self.evaluate(
            "document.fonts.ready.then(() => new Promise((done) =>"
            " requestAnimationFrame(() => requestAnimationFrame(done))))"
        )

    def evaluate(self, expression: str) -> Any:
        reply = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in reply:
            raise RuntimeError(f"script failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def screenshot(self, path: Path) -> None:
        """The whole page (not only the window) as a PNG."""
        height = self.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1}
        shot = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))


def measure(tab: Tab, url: str, page: str) -> list[Problem]:
    """The layout problems of the page at `url`, reported under the name `page`."""
    tab.open(url)
    found = tab.evaluate(PROBE)
    return [Problem(page, item["kind"], item["block"], float(item["overflow"])) for item in found]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()
            thread.join()


def site_pages(site: Path) -> list[str]:
    """Every HTML page of a built site, relative to it, sorted."""
    return sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html"))


def check_site(
    site: Path, screenshots: Path | None = None, shot_pages: Sequence[str] = SCREENSHOT_PAGES
) -> tuple[list[str], list[Problem]]:
    """Measure every page of `site`, saving screenshots of `shot_pages` into `screenshots`; (pages, problems)."""
    pages = site_pages(site)
    if not pages:
        raise FileNotFoundError(f"no HTML pages under {site}: build the site first (mkdocs build)")
    problems: list[Problem] = []
    with serve(site) as base, Browser() as browser:
        tab = Tab(browser)
        for page in pages:
            problems += measure(tab, base + page, page)
            if screenshots is not None and page in shot_pages:
                name = page.removesuffix("index.html").strip("/").replace("/", "-") or "home"
                tab.screenshot(screenshots / f"{name}.png")
    return pages, problems


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: check a built site, print the problems, exit 1 if there are any."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("site", type=Path, help="the built site (mkdocs build's site_dir)")
    parser.add_argument("--screenshots", type=Path, help="save PNGs of the home, quickstart, tools, migration pages")
    args = parser.parse_args(argv)
    pages, problems = check_site(args.site, args.screenshots)
    for problem in problems:
        print(problem)
    print(f"docs-check: {len(pages)} pages at {WIDTH} px, {len(problems)} layout problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
