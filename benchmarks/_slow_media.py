"""A slow media server on loopback: ``python -m benchmarks._slow_media --delay 1.0``.

Serves one small JPEG-headed image for any GET; paths under ``/slow/`` wait ``--delay``
seconds before answering, others answer at once (for warm-up).  It runs in its own
process so that neither its threads nor its sleeps share the measured worker's GIL.
Prints ``SLOW_MEDIA_URL=http://127.0.0.1:<port>`` once listening.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

URL_PREFIX = "SLOW_MEDIA_URL="
# A JPEG start-of-image and JFIF header, so content sniffing finds image/jpeg; the rest is noise.
JPEG_HEADER = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
IMAGE = JPEG_HEADER + random.Random(0).randbytes(64 * 1024)


class _Handler(BaseHTTPRequestHandler):
    delay = 1.0

    def do_GET(self) -> None:
        if self.path.startswith("/slow/"):
            time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(IMAGE)))
        self.end_headers()
        self.wfile.write(IMAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(delay: float) -> None:
    _Handler.delay = delay
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    print(f"{URL_PREFIX}http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


class SlowMedia:
    """The server in a child process; a context manager that stops it."""

    def __init__(self, delay: float) -> None:
        root = Path(__file__).resolve().parent.parent
        command = [sys.executable, "-m", "benchmarks._slow_media", "--delay", str(delay)]
        self._process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith(URL_PREFIX):
            self._process.kill()
            raise RuntimeError(f"slow media server did not start: {line!r}")
        self.url = line[len(URL_PREFIX) :].strip()

    def __enter__(self) -> SlowMedia:
        return self

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()
        self._process.wait(timeout=5)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=1.0)
    serve(parser.parse_args().delay)
