"""Images: peak memory of a 15 MB inline image, and whether fetching an image URL stalls the event loop.

Memory (Linux): after a warm-up call with a tiny image the worker builds the payload
(15,000,000 random bytes behind a JPEG header, as a base64 data URL: 20,000,000
characters, under Gemini's 20 MiB request cap, so every client sends it inline), resets
the RSS high-water mark (``/proc/self/clear_refs``), and reports the peak RSS during the
call (``VmHWM``) minus the RSS before it.  A second variant reports tracemalloc's peak
instead (Python allocations only), in its own worker since tracing slows every call.

Fetch: ``ainvoke`` with an image block whose URL points at a local server that waits 1 s
before answering (``_slow_media``), while a ticker task records how late a 5 ms sleep
wakes up.  A client that fetched with blocking I/O on the loop would stall it for the
whole second; the floor is the ticker alone for the same second (the machine's own lag).
"""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import os
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks import _clients as c
from benchmarks._slow_media import JPEG_HEADER, SlowMedia
from benchmarks._spec import Metric, Spec, Target, Variant
from benchmarks.bench_abatch import lag_probe

IMAGE_BYTES = 15_000_000
FETCH_DELAY = 1.0
QUESTION = "Describe this image in one sentence."

SPEC = Spec(
    name="image",
    module="bench_image",
    clients=("floor", "anchor", "ours"),
    metrics=(
        Metric("peak_mb", "peak RSS over pre-call MB", digits=1),
        Metric("abs_peak_mb", "absolute peak RSS MB", digits=1),
        Metric("tm_peak_mb", "tracemalloc peak MB", digits=1),
        Metric("call_ms", "call ms", digits=1),
        Metric("lag_max_ms", "loop lag max ms", digits=1),
        Metric("lag_p99_ms", "loop lag p99 ms", digits=1),
    ),
    variants=(
        Variant(
            "invoke 15 MB, RSS",
            params={"mode": "rss"},
            target=Target("peak_mb", max_ratio=1.1, anchor_note="anchor 1.19x"),
        ),
        Variant("invoke 15 MB, tracemalloc", params={"mode": "tracemalloc"}),
        Variant(
            f"ainvoke URL, {FETCH_DELAY:g} s fetch",
            params={"mode": "fetch"},
            # A stall would be the whole fetch delay; 100 ms leaves room for a loaded machine.
            target=Target("lag_max_ms", max_value=100.0, anchor_note="no baseline figure"),
        ),
    ),
)


def data_url(size: int) -> str:
    """``size`` random bytes behind a JPEG header, as a base64 data URL."""
    raw = JPEG_HEADER + os.urandom(size - len(JPEG_HEADER))
    return "data:image/jpeg;base64," + base64.b64encode(raw).decode("ascii")


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak_rss() -> None:
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # 5: reset the peak RSS (VmHWM) to the current RSS


Send = Callable[[str], object]  # data URL -> answer


def _sender(client: str, url: str) -> Send:
    if client == "floor":
        http = c.http_module(client).Client(timeout=60.0)
        endpoint = c.method_url(url, "generateContent")

        def send(image: str) -> object:
            mime, _, data = image.removeprefix("data:").partition(";base64,")
            parts = [{"text": QUESTION}, {"inlineData": {"mimeType": mime, "data": data}}]
            body = json.dumps({"contents": [{"role": "user", "parts": parts}]}).encode()
            response = http.post(endpoint, content=body, headers=c.FLOOR_HEADERS)
            response.raise_for_status()
            return c.floor_text(json.loads(response.content))

        return send
    from langchain_core.messages import HumanMessage

    model = c.chat_model(client, url)

    def invoke(image: str) -> object:
        content: list[str | dict[str, Any]] = [
            {"type": "text", "text": QUESTION},
            {"type": "image_url", "image_url": {"url": image}},
        ]
        return model.invoke([HumanMessage(content)]).content

    return invoke


def _memory(client: str, url: str, mode: str) -> dict[str, float]:
    send = _sender(client, url)
    for _ in range(2):
        send(data_url(1024))  # imports, connection, first-call caches
    image = data_url(IMAGE_BYTES)
    gc.collect()
    if mode == "tracemalloc":
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
    rss_before = _status_kb("VmRSS")
    _reset_peak_rss()
    start = time.perf_counter()
    send(image)
    elapsed = time.perf_counter() - start
    if mode == "tracemalloc":
        return {"tm_peak_mb": (tracemalloc.get_traced_memory()[1] - before) / 1e6, "call_ms": elapsed * 1e3}
    peak = _status_kb("VmHWM")
    return {"peak_mb": (peak - rss_before) * 1024 / 1e6, "abs_peak_mb": peak * 1024 / 1e6, "call_ms": elapsed * 1e3}


def _fetching_model(client: str, url: str) -> Any:
    if client == "ours":
        from langchain_gemini import ChatGemini

        return ChatGemini(
            model=c.MODEL,
            api_key=c.API_KEY,
            base_url=url,
            media_fetch={"mode": "fetch", "allow_loopback": True},
        )
    return c.chat_model(client, url)


def _url_message(client: str, image_url: str) -> Any:
    from langchain_core.messages import HumanMessage

    block = {"type": "image", "url": image_url} if client == "ours" else {"type": "image_url", "image_url": image_url}
    return HumanMessage([{"type": "text", "text": QUESTION}, block])


async def _fetch_lag(client: str, url: str) -> dict[str, float]:
    with SlowMedia(FETCH_DELAY) as media:
        if client == "floor":

            async def call() -> object:
                await asyncio.sleep(FETCH_DELAY)
                return None

        else:
            model = _fetching_model(client, url)
            await model.ainvoke([_url_message(client, f"{media.url}/fast/warm-up.jpg")])

            async def call() -> object:
                return await model.ainvoke([_url_message(client, f"{media.url}/slow/cat.jpg")])

        lags: list[float] = []
        stop = asyncio.Event()
        probe = asyncio.create_task(lag_probe(lags, stop))
        await asyncio.sleep(0.05)  # the probe is ticking before the call starts
        start = time.perf_counter()
        await call()
        elapsed = time.perf_counter() - start
        stop.set()
        await probe
    ordered = sorted(lags)
    return {
        "lag_max_ms": ordered[-1] * 1e3,
        "lag_p99_ms": ordered[int(0.99 * (len(ordered) - 1))] * 1e3,
        "call_ms": elapsed * 1e3,
    }


def run(client: str, params: dict[str, Any], url: str) -> dict[str, float]:
    if params["mode"] == "fetch":
        return asyncio.run(_fetch_lag(client, url))
    return _memory(client, url, params["mode"])
