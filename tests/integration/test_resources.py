"""Real sockets over loopback: what instances open they close, on close() and when dropped.

The emulator runs in its own process here, so this process's open file descriptors are the client's alone.
"""

from __future__ import annotations

import asyncio
import gc
import os
import re
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_gemini import ChatGemini, GeminiCaches, GeminiEmbeddings, GeminiFiles
from langchain_gemini._base import GeminiClientSettings

ROOT = Path(__file__).resolve().parents[2]
N = 10  # instances of each kind
FD_DIR = Path("/proc/self/fd")
pytestmark = pytest.mark.skipif(not FD_DIR.is_dir(), reason="counts file descriptors in /proc/self/fd (Linux)")


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    command = [sys.executable, "-m", "langchain_gemini.testing", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT) as server:
        try:
            assert server.stdout is not None
            yield server.stdout.readline().strip().split("=", 1)[1]
        finally:
            server.terminate()


def open_sockets() -> int:
    """Sockets this process holds open (file descriptors linked to `socket:[inode]`)."""
    count = 0
    for name in os.listdir(FD_DIR):
        try:
            count += os.readlink(FD_DIR / name).startswith("socket:")
        except OSError:
            continue  # the descriptor of the listing itself, closed meanwhile
    return count


def open_fds() -> int:
    return len(os.listdir(FD_DIR))


def make_all(url: str) -> list[GeminiClientSettings]:
    common: dict[str, Any] = {"api_key": "test", "base_url": url}
    made: list[GeminiClientSettings] = []
    for _ in range(N):
        made += [
            ChatGemini(model="gemini-2.5-flash", **common),
            GeminiEmbeddings(model="gemini-embedding-001", **common),
            GeminiFiles(**common),
            GeminiCaches(**common),
        ]
    return made


def use(instance: GeminiClientSettings) -> None:
    if isinstance(instance, ChatGemini):
        instance.invoke("hi")
    elif isinstance(instance, GeminiEmbeddings):
        instance.embed_query("hi")
    elif isinstance(instance, GeminiCaches):
        list(instance.list())
    else:
        assert isinstance(instance, GeminiFiles)
        list(instance.list())


async def ause(instance: GeminiClientSettings) -> None:
    if isinstance(instance, ChatGemini):
        await instance.ainvoke("hi")
    elif isinstance(instance, GeminiEmbeddings):
        await instance.aembed_query("hi")
    elif isinstance(instance, GeminiCaches):
        [c async for c in instance.alist()]
    else:
        assert isinstance(instance, GeminiFiles)
        [f async for f in instance.alist()]


async def ause_all(instances: list[GeminiClientSettings]) -> None:
    await asyncio.gather(*(ause(instance) for instance in instances))


def use_everywhere(instances: list[GeminiClientSettings]) -> None:
    """Sync, then two asyncio.run calls (two loops, both closed on return)."""
    for instance in instances:
        use(instance)
    asyncio.run(ause_all(instances))
    asyncio.run(ause_all(instances))


def test_dropped_instances_leave_no_socket_open(url: str) -> None:
    gc.collect()
    sockets, fds = open_sockets(), open_fds()
    instances = make_all(url)
    use_everywhere(instances)
    in_use = open_sockets() - sockets
    # One sync and one async connection each (the first loop's were closed when the second loop came).
    assert in_use == 2 * len(instances)
    count = len(instances)
    del instances
    gc.collect()
    print(f"\n{count} instances: {sockets} sockets before, {sockets + in_use} in use, {open_sockets()} after drop")
    assert open_sockets() == sockets
    assert open_fds() == fds


def test_close_releases_sockets_without_waiting_for_garbage_collection(url: str) -> None:
    sockets = open_sockets()
    instances = make_all(url)
    gc.disable()  # prove it is close() that frees them
    try:
        use_everywhere(instances)
        assert open_sockets() > sockets
        for instance in instances:
            instance.close()
        assert open_sockets() == sockets
        use_everywhere(instances)  # closed instances work again ...
        assert open_sockets() > sockets
        for instance in instances:
            instance.close()  # ... and close again
        assert open_sockets() == sockets
    finally:
        gc.enable()


def test_async_with_closes_on_the_running_loop(url: str) -> None:
    sockets = open_sockets()

    async def run() -> int:
        async with ChatGemini(model="gemini-2.5-flash", api_key="test", base_url=url) as model:
            await model.ainvoke("hi")
            model.invoke("hi")
            during = open_sockets()
        await asyncio.sleep(0)  # the transport's socket closes in a loop callback
        assert open_sockets() < during - 1
        return open_sockets()

    inside = asyncio.run(run())
    assert inside >= sockets  # the running loop's own self-pipe is still there
    assert open_sockets() == sockets


@pytest.fixture
def warnings_as_errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """ResourceWarning as an error, and every exception raised during garbage collection recorded."""
    unraisable: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda info: unraisable.append(f"{info.exc_value!r} in {info.object}"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        yield unraisable


def drop_sync(url: str) -> None:
    model = ChatGemini(model="gemini-2.5-flash", api_key="test", base_url=url)
    model.invoke("hi")


def drop_async(url: str) -> None:
    model = ChatGemini(model="gemini-2.5-flash", api_key="test", base_url=url)
    asyncio.run(model.ainvoke("hi"))


def drop_both(url: str) -> None:
    embeddings = GeminiEmbeddings(model="gemini-embedding-001", api_key="test", base_url=url)
    embeddings.embed_documents(["a", "b"])
    asyncio.run(embeddings.aembed_documents(["a", "b"]))
    files = GeminiFiles.from_model(embeddings)
    list(files.list())


def drop_inside_the_loop(url: str) -> None:
    async def run() -> None:
        model = ChatGemini(model="gemini-2.5-flash", api_key="test", base_url=url)
        await model.ainvoke("hi")
        del model
        gc.collect()
        await asyncio.sleep(0)

    asyncio.run(run())


def drop_while_the_loop_runs_in_another_thread(url: str) -> None:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:
        model = ChatGemini(model="gemini-2.5-flash", api_key="test", base_url=url)
        asyncio.run_coroutine_threadsafe(model.ainvoke("hi"), loop).result(timeout=30)
        del model
        gc.collect()  # here, on this thread: the loop's connections are closed on the loop's thread
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0.01), loop).result(timeout=30)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


@pytest.mark.parametrize(
    "scenario",
    [drop_sync, drop_async, drop_both, drop_inside_the_loop, drop_while_the_loop_runs_in_another_thread],
)
def test_dropping_raises_no_resource_warning(
    url: str, warnings_as_errors: list[str], scenario: Callable[[str], None]
) -> None:
    gc.collect()
    sockets = open_sockets()
    for _ in range(3):
        scenario(url)
    gc.collect()
    assert warnings_as_errors == []
    assert open_sockets() == sockets


def test_without_our_finaliser_the_same_drop_would_warn(url: str, warnings_as_errors: list[str]) -> None:
    """The check above can fail: a GeminiClient whose finaliser is detached leaks the socket of a closed loop."""
    model = ChatGemini(model="gemini-2.5-flash", api_key="test", base_url=url)
    asyncio.run(model.ainvoke("hi"))
    model._client._finalizer.detach()
    del model
    gc.collect()
    assert any("ResourceWarning" in entry and "unclosed" in entry for entry in warnings_as_errors)


# -- the pytest pattern of docs/testing.md ---------------------------------------------------------------------------

EXTRA_TESTS = """

def test_streams_and_batches(model, gemini):
    assert "".join(chunk.text for chunk in model.stream("Hello"))
    assert len(model.batch(["a", "b", "c"])) == 3


async def test_async_calls_on_a_loop_per_test(model, gemini):
    await model.ainvoke("Hello")
    assert len(gemini.requests) == 1


async def test_another_loop(model):
    assert [chunk async for chunk in model.astream("Hi")]
"""


def docs_pytest_pattern() -> str:
    """The pytest block of docs/testing.md's "In a test" section, as written there."""
    section = (ROOT / "docs" / "testing.md").read_text().split("## In a test", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    (pattern,) = [block for block in blocks if "@pytest.fixture" in block]
    return pattern


def run_pytest(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_pattern.py").write_text(source)
    ini = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    (tmp_path / "pytest.ini").write_text(ini)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error::ResourceWarning"]
    command += ["-W", "error::pytest.PytestUnraisableExceptionWarning", str(tmp_path)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False)


def test_the_documented_fixtures_pass_with_resource_warnings_as_errors(tmp_path: Path) -> None:
    pattern = docs_pytest_pattern()
    assert "as model:" in pattern  # the documented fixture closes its model
    result = run_pytest(tmp_path, pattern + EXTRA_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_the_same_fixtures_without_closing_pass_too(tmp_path: Path) -> None:
    closing = re.compile(r"with (ChatGemini\(.*?\)) as model:\n\s+yield model.*?\n")
    unclosed, replaced = closing.subn(r"return \1\n", docs_pytest_pattern())
    assert replaced == 1
    result = run_pytest(tmp_path, unclosed + EXTRA_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
