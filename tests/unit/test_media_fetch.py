"""Media URLs through ChatGemini: the fetch policy, address checks, redirects and limits, and the pre-pass.

DNS and HTTP are faked (`FakeWeb` patches the resolver and the fetch clients of `_media_fetch`), so no test opens
a socket. Separate from `test_media.py` (block forms, MIME types, part fields) because these tests exercise the
fetcher and `prepare_media`, not the block translation.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langchain_gemini import ChatGemini
from langchain_gemini import _media_fetch as fetch_module
from langchain_gemini._media_prepare import prepare_media
from tests.fixtures import media
from tests.unit.fake_gemini import FakeGemini
from tests.unit.media_support import JPEG, PDF, PNG, inline, sent_parts


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


# -- URL fetching: the policy ------------------------------------------------------------------------------------

Page = httpx.Response | Callable[[httpx.Request], httpx.Response]


class FakeWeb:
    """DNS answers and pages behind MockTransport; records what the fetcher connected to."""

    def __init__(self, dns: dict[str, list[str]], pages: dict[str, Page]) -> None:
        self.dns = dns
        self.pages = pages
        self.requests: list[httpx.Request] = []
        self.resolved: list[str] = []

    def resolve(self, host: str, port: int, timeout: float) -> list[str]:
        self.resolved.append(host)
        if host not in self.dns:
            raise fetch_module.MediaFetchError(f"media URL host did not resolve: {host}")
        return self.dns[host]

    async def aresolve(self, host: str, port: int, timeout: float) -> list[str]:
        return self.resolve(host, port, timeout)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        page = self.pages.get(f"{request.headers['host']}{request.url.path}")
        if page is None:
            return httpx.Response(404)
        return page(request) if callable(page) else page

    async def ahandler(self, request: httpx.Request) -> httpx.Response:
        return self.handler(request)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeWeb:
        monkeypatch.setattr(fetch_module, "resolve", self.resolve)
        monkeypatch.setattr(fetch_module, "aresolve", self.aresolve)
        monkeypatch.setattr(
            fetch_module, "new_client", lambda s: httpx.Client(transport=httpx.MockTransport(self.handler))
        )
        monkeypatch.setattr(
            fetch_module, "new_async_client", lambda s: httpx.AsyncClient(transport=httpx.MockTransport(self.ahandler))
        )
        return self


PUBLIC = "93.184.215.14"


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> FakeWeb:
    return FakeWeb(
        {"img.example.com": [PUBLIC], "v6.example.com": ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"]},
        {
            "img.example.com/cat.png": httpx.Response(200, content=PNG, headers={"content-type": "image/png"}),
            "img.example.com/mislabelled": httpx.Response(200, content=JPEG, headers={"content-type": "text/html"}),
            "img.example.com/data.csv": httpx.Response(
                200, content=b"a,b\n", headers={"content-type": "text/csv; charset=utf-8"}
            ),
            "img.example.com/blob": httpx.Response(
                200, content=b"\x00\x01", headers={"content-type": "application/octet-stream"}
            ),
            "v6.example.com/doc.pdf": httpx.Response(200, content=PDF),
        },
    ).install(monkeypatch)


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_http_url_is_fetched_and_sent_inline(web: FakeWeb, sync: bool) -> None:
    fake = FakeGemini()
    model = fake.model()
    message = HumanMessage([{"type": "image_url", "image_url": "https://img.example.com/cat.png?sig=SECRET"}, "what?"])
    if sync:
        model.invoke([message])
    else:
        asyncio.run(model.ainvoke([message]))
    assert fake.bodies()[0]["contents"][0]["parts"][0] == inline(PNG, "image/png")
    (request,) = web.requests
    assert request.url.host == PUBLIC  # connected to the address that was checked
    assert request.url.params["sig"] == "SECRET"
    assert request.headers["host"] == "img.example.com"
    assert request.extensions["sni_hostname"] == "img.example.com"
    assert message.content[0]["image_url"] == "https://img.example.com/cat.png?sig=SECRET"  # not mutated


def test_ipv6_host_is_pinned_with_brackets(web: FakeWeb) -> None:
    assert sent_parts([{"type": "file", "url": "https://v6.example.com/doc.pdf"}]) == [inline(PDF, "application/pdf")]
    assert web.requests[0].url.host == "2606:2800:21f:cb07:6820:80da:af6b:8b2c"


@pytest.mark.parametrize(
    ("path", "expected"),
    [("mislabelled", "image/jpeg"), ("data.csv", "text/csv")],
)
def test_fetched_type_comes_from_content_then_header(web: FakeWeb, path: str, expected: str) -> None:
    parts = sent_parts([{"type": "file", "url": f"https://img.example.com/{path}"}])
    assert parts[0]["inlineData"]["mimeType"] == expected


def test_fetched_block_with_a_given_mime_type_keeps_it(web: FakeWeb) -> None:
    parts = sent_parts([{"type": "image", "url": "https://img.example.com/cat.png", "mime_type": "image/webp"}])
    assert parts[0]["inlineData"]["mimeType"] == "image/webp"


def test_fetched_content_of_unknown_type_is_an_error(web: FakeWeb) -> None:
    with pytest.raises(ValueError, match=r"cannot tell the MIME type of https://img\.example\.com/blob"):
        sent_parts([{"type": "file", "url": "https://img.example.com/blob"}])


def test_pass_through_sends_the_url_as_file_data(web: FakeWeb) -> None:
    parts = sent_parts([{"type": "image", "url": "https://img.example.com/cat.png"}], media_fetch="pass_through")
    assert parts == [{"fileData": {"fileUri": "https://img.example.com/cat.png", "mimeType": "image/png"}}]
    assert web.requests == []


def test_refuse_fails_before_any_request(web: FakeWeb) -> None:
    fake = FakeGemini()
    with pytest.raises(ValueError, match=r"content\[0\]: media URL refused by media_fetch='refuse'"):
        fake.model(media_fetch="refuse").invoke(
            [HumanMessage([{"type": "image", "url": "https://img.example.com/cat.png?t=1"}])]
        )
    assert web.requests == []
    assert fake.requests == []


def test_references_are_never_fetched(web: FakeWeb) -> None:
    blocks = [
        {"type": "video", "url": "https://www.youtube.com/watch?v=x"},
        {"type": "image", "url": "gs://b/c.png"},
        {
            "type": "file",
            "url": "https://generativelanguage.googleapis.com/v1beta/files/abc",
            "mime_type": "application/pdf",
        },
    ]
    assert [set(part) for part in sent_parts(blocks, media_fetch="refuse")] == [{"fileData"}] * 3
    assert web.resolved == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.1",
        "10.0.0.8",
        "172.16.4.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::",
        # 6to4 (2002::/16), NAT64 (64:ff9b::/96, local-use 64:ff9b:1::/48) and Teredo (2001::/32) reaching a
        # non-public IPv4 address through a relay (issue 16)
        "2002:7f00:1::1",  # 127.0.0.1
        "2002:a9fe:a9fe::1",  # 169.254.169.254
        "2002:c0a8:0101::",  # 192.168.1.1
        "64:ff9b::7f00:1",  # 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # 169.254.169.254
        "64:ff9b:1::808:808",  # local-use prefix: a private network's translator
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # client 192.0.2.45 (documentation range)
        "2001:0:808:808::3fff:fffe",  # server 8.8.8.8, client 192.0.0.1 (obfuscated)
    ],
)
def test_non_public_addresses_are_refused(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    web = FakeWeb({"evil.example": [PUBLIC, address]}, {}).install(monkeypatch)
    fake = FakeGemini()
    with pytest.raises(ValueError, match=r"resolves to a non-public address"):
        fake.model().invoke([HumanMessage([{"type": "image", "url": "http://evil.example/x.png"}])])
    assert web.requests == []
    assert fake.requests == []


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_allow_loopback_admits_loopback_only(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    page = httpx.Response(200, content=PNG)
    FakeWeb({"localhost": [address], "lan": ["10.1.2.3"]}, {"localhost/a.png": page}).install(monkeypatch)
    policy = {"mode": "fetch", "allow_loopback": True}
    assert sent_parts([{"type": "image", "url": "http://localhost/a.png"}], media_fetch=policy) == [
        inline(PNG, "image/png")
    ]
    with pytest.raises(ValueError, match="non-public address"):
        sent_parts([{"type": "image", "url": "http://lan/a.png"}], media_fetch=policy)


def test_literal_ip_urls_are_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_module, "new_client", lambda s: pytest.fail("must not connect"))
    with pytest.raises(ValueError, match="non-public address"):
        sent_parts([{"type": "image", "url": "http://169.254.169.254/latest/meta-data"}])


def test_redirects_are_rechecked(monkeypatch: pytest.MonkeyPatch) -> None:
    web = FakeWeb(
        {"a.example": [PUBLIC], "b.example": ["8.8.8.8"], "inside.example": ["10.0.0.1"]},
        {
            "a.example/hop": httpx.Response(302, headers={"location": "https://b.example/cat.png"}),
            "b.example/cat.png": httpx.Response(200, content=PNG),
            "a.example/sneaky": httpx.Response(307, headers={"location": "http://inside.example/admin"}),
            "a.example/relative": httpx.Response(301, headers={"location": "/hop"}),
        },
    ).install(monkeypatch)
    assert sent_parts([{"type": "image", "url": "https://a.example/relative"}]) == [inline(PNG, "image/png")]
    assert [r.headers["host"] for r in web.requests] == ["a.example", "a.example", "b.example"]
    web.requests.clear()
    with pytest.raises(ValueError, match="non-public address"):
        sent_parts([{"type": "image", "url": "https://a.example/sneaky"}])
    assert [r.headers["host"] for r in web.requests] == ["a.example"]


def test_redirect_loops_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    web = FakeWeb({"a.example": [PUBLIC]}, {"a.example/loop": httpx.Response(302, headers={"location": "/loop"})})
    web.install(monkeypatch)
    with pytest.raises(ValueError, match="more than 2 redirects"):
        sent_parts([{"type": "image", "url": "https://a.example/loop"}], media_fetch={"max_redirects": 2})
    assert len(web.requests) == 3


@pytest.mark.parametrize(
    ("response", "match"),
    [
        (httpx.Response(404), "answered 404"),
        (httpx.Response(200, content=PNG, headers={"content-length": "999999"}), "over the 100-byte media_fetch limit"),
        (httpx.Response(200, content=bytes(150)), "over the 100-byte media_fetch limit"),
    ],
)
def test_failed_or_oversized_downloads(monkeypatch: pytest.MonkeyPatch, response: httpx.Response, match: str) -> None:
    FakeWeb({"a.example": [PUBLIC]}, {"a.example/x": response}).install(monkeypatch)
    with pytest.raises(ValueError, match=match) as caught:
        sent_parts([{"type": "image", "url": "https://a.example/x?token=SECRET"}], media_fetch={"max_bytes": 100})
    assert "SECRET" not in str(caught.value)


def test_transport_errors_become_value_errors_without_the_query(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    FakeWeb({"a.example": [PUBLIC]}, {"a.example/x": broken}).install(monkeypatch)
    with pytest.raises(ValueError, match=r"GET https://a.example/x failed: ConnectError") as caught:
        sent_parts([{"type": "image", "url": "https://a.example/x?token=SECRET"}])
    assert "SECRET" not in str(caught.value)


def test_download_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter(range(0, 10_000, 20))
    monkeypatch.setattr(fetch_module.time, "monotonic", lambda: float(next(ticks)))
    FakeWeb({"a.example": [PUBLIC]}, {"a.example/x": httpx.Response(200, content=PNG)}).install(monkeypatch)
    with pytest.raises(ValueError, match="download took longer than 30 s"):
        sent_parts([{"type": "image", "url": "https://a.example/x"}])


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("https://user:pw@a.example/x.png", "must not embed credentials"),
        ("https://a.example:99999/x.png", "invalid port"),
    ],
)
def test_bad_urls_are_refused_before_resolving(web: FakeWeb, url: str, match: str) -> None:
    with pytest.raises(ValueError, match=match) as caught:
        sent_parts([{"type": "image", "url": url}])
    assert "pw" not in str(caught.value)
    assert web.resolved == []


def test_unresolvable_host(web: FakeWeb) -> None:
    with pytest.raises(ValueError, match=r"did not resolve: nowhere\.example"):
        sent_parts([{"type": "image", "url": "https://nowhere.example/x.png"}])


@pytest.mark.parametrize(
    ("policy", "match"),
    [
        ("download", "Input should be"),
        ({"mode": "fetch", "max_bytes": 0}, "must be positive"),
        ({"colour": 1}, "Extra inputs"),
    ],
)
def test_bad_fetch_policies_fail_at_construction(policy: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ChatGemini(model="gemini-2.5-flash", api_key="k", media_fetch=policy)


def test_real_resolver_checks_literal_addresses_without_network() -> None:
    assert fetch_module.resolve("127.0.0.1", 80, 1.0) == ["127.0.0.1"]
    with pytest.raises(fetch_module.MediaFetchError, match="non-public"):
        fetch_module.fetch("http://127.0.0.1:9/x", fetch_module.FetchSettings())


async def test_async_resolution_runs_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    # getaddrinfo blocks until a coroutine on the loop releases it: if resolution ran on the loop, it would stall.
    released = threading.Event()

    def slow_getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        assert host == "slow.example"
        assert released.wait(timeout=5), "the event loop was blocked during DNS resolution"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port))]

    async def release() -> None:
        await asyncio.sleep(0)
        released.set()

    monkeypatch.setattr(socket, "getaddrinfo", slow_getaddrinfo)
    addresses, _ = await asyncio.gather(fetch_module.aresolve("slow.example", 443, 5.0), release())
    assert addresses == [PUBLIC]


async def test_async_download_uses_the_async_client(monkeypatch: pytest.MonkeyPatch) -> None:
    web = FakeWeb({"a.example": [PUBLIC]}, {"a.example/x.png": httpx.Response(200, content=PNG)}).install(monkeypatch)
    monkeypatch.setattr(fetch_module, "new_client", lambda s: pytest.fail("sync client used on the async path"))
    fake = FakeGemini()
    await fake.model().ainvoke([HumanMessage([{"type": "image", "url": "https://a.example/x.png"}])])
    assert len(web.requests) == 1
    assert fake.bodies()[0]["contents"][0]["parts"] == [inline(PNG, "image/png")]


# -- the pre-pass as a function ----------------------------------------------------------------------------------------


def test_prepare_media_copies_only_changed_messages(web: FakeWeb) -> None:
    text = HumanMessage("plain")
    local = HumanMessage([{"type": "image", "base64": media.b64(PNG), "mime_type": "image/png"}])
    remote = HumanMessage([{"type": "image", "url": "https://img.example.com/cat.png", "extras": {"signature": "s"}}])
    prepared = prepare_media([text, local, remote])
    assert prepared[0] is text
    assert prepared[1] is local
    assert prepared[2] is not remote
    assert prepared[2].content == [
        {"type": "image", "base64": media.b64(PNG), "mime_type": "image/png", "extras": {"signature": "s"}}
    ]
    assert remote.content[0]["url"] == "https://img.example.com/cat.png"


def test_prepare_media_without_files_client_refuses_oversized_requests() -> None:
    big = HumanMessage([{"type": "image", "base64": "A" * 2000, "mime_type": "image/png"}])
    with pytest.raises(ValueError, match="no Files API client is available"):
        prepare_media([big], max_request_bytes=1000)
    assert prepare_media([big], max_request_bytes=10**9)[0] is big


def test_large_text_counts_toward_the_cap() -> None:
    image = {"type": "image", "base64": "A" * 400, "mime_type": "image/png"}
    small = [HumanMessage("x" * 100), HumanMessage([image])]
    assert prepare_media(small, upload_large_media=False, max_request_bytes=300_000)[1] is small[1]
    large = [
        HumanMessage("é" * 30_000),
        AIMessage("", tool_calls=[{"name": "f", "args": {"q": "y" * 1000}, "id": "1"}]),
        HumanMessage([image]),
    ]
    with pytest.raises(ValueError, match="over Gemini's 20 MB limit"):
        prepare_media(large, upload_large_media=False, max_request_bytes=300_000)


def test_data_url_payload_is_passed_through_without_reencoding() -> None:
    fake = FakeGemini()
    payload = media.b64(PNG)
    fake.model().invoke([HumanMessage([{"type": "image_url", "image_url": f"data:image/png;base64,{payload}"}])])
    assert json.loads(fake.requests[0].content)["contents"][0]["parts"][0]["inlineData"]["data"] == payload
    assert base64.b64decode(payload) == PNG


@pytest.mark.parametrize("address", ["2002:808:808::1", "64:ff9b::808:808"])
def test_translated_addresses_of_public_hosts_are_fetched(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    FakeWeb({"a.example": [address]}, {"a.example/x.png": httpx.Response(200, content=PNG)}).install(monkeypatch)
    assert sent_parts([{"type": "image", "url": "https://a.example/x.png"}]) == [inline(PNG, "image/png")]


def _streamed(body: bytes, encoding: str) -> httpx.Response:
    """A response whose body arrives in pieces, as from a socket (not already in memory)."""
    pieces = [body[i : i + 4096] for i in range(0, len(body), 4096)]
    return httpx.Response(200, content=iter(pieces), headers={"content-encoding": encoding})


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_bombs_stop_at_max_bytes(monkeypatch: pytest.MonkeyPatch, encoding: str) -> None:
    import gzip
    import zlib

    raw = bytes(50_000_000)  # 50 MB of zeros: about 50 KB compressed
    bomb = gzip.compress(raw) if encoding == "gzip" else zlib.compress(raw)
    web = FakeWeb({"a.example": [PUBLIC]}, {"a.example/x": lambda request: _streamed(bomb, encoding)})
    web.install(monkeypatch)
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="over the 100000-byte media_fetch limit"):
            sent_parts([{"type": "image", "url": "https://a.example/x"}], media_fetch={"max_bytes": 100_000})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"decoding held {peak} bytes for a 100 KB cap"
    assert web.requests[0].headers["accept-encoding"] == "identity"


def test_compressed_bodies_within_the_cap_are_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip

    web = FakeWeb({"a.example": [PUBLIC]}, {"a.example/x.png": lambda r: _streamed(gzip.compress(PNG), "gzip")})
    web.install(monkeypatch)
    assert sent_parts([{"type": "image", "url": "https://a.example/x.png"}]) == [inline(PNG, "image/png")]


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, gzip", "compress"])
def test_encodings_we_cannot_bound_are_refused(monkeypatch: pytest.MonkeyPatch, encoding: str) -> None:
    FakeWeb({"a.example": [PUBLIC]}, {"a.example/x": lambda r: _streamed(b"abc", encoding)}).install(monkeypatch)
    with pytest.raises(ValueError, match=r"content-encoding .* refused"):
        sent_parts([{"type": "image", "url": "https://a.example/x"}])


def test_a_body_that_is_not_what_its_encoding_says_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeWeb({"a.example": [PUBLIC]}, {"a.example/x": lambda r: _streamed(b"not gzip", "gzip")}).install(monkeypatch)
    with pytest.raises(ValueError, match="does not decode as its content-encoding says"):
        sent_parts([{"type": "image", "url": "https://a.example/x"}])


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_name_resolution_is_bounded_by_the_timeout(monkeypatch: pytest.MonkeyPatch, sync: bool) -> None:
    release = threading.Event()

    def hung_getaddrinfo(*args: Any, **kwargs: Any) -> Any:
        release.wait(timeout=10)
        raise socket.gaierror("too late")

    monkeypatch.setattr(socket, "getaddrinfo", hung_getaddrinfo)
    settings = fetch_module.FetchSettings(timeout=0.2)
    url = "https://slow.example/x.png"
    try:
        with pytest.raises(fetch_module.MediaFetchError, match="did not resolve within the media_fetch timeout"):
            fetch_module.fetch(url, settings) if sync else asyncio.run(fetch_module.afetch(url, settings))
    finally:
        release.set()
