"""Start the emulator in its own process and talk to its control plane."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._control import Control

URL_PREFIX = "GEMINI_EMULATOR_URL="


class Server:
    """A running emulator: its URL, control plane and (when we started it) its process."""

    def __init__(self, url: str, process: subprocess.Popen[str] | None = None) -> None:
        self.url = url
        self.process = process
        self.control = Control(url) if url else None

    @classmethod
    def offline(cls) -> Server:
        """No server at all, for runs that need none (import time only)."""
        return cls("")

    @classmethod
    def spawn(cls, command: list[str], cwd: Path, timeout: float = 30.0) -> Server:
        """Run ``command`` and wait for its ``GEMINI_EMULATOR_URL=...`` line."""
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, text=True, bufsize=1)
        deadline = time.monotonic() + timeout
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if line.startswith(URL_PREFIX):
                return cls(line[len(URL_PREFIX) :].strip(), process)
        process.kill()
        raise RuntimeError(f"emulator did not announce its URL: {' '.join(command)}")

    def prepare(self, config: dict[str, object]) -> None:
        """Reset counters and apply one benchmark's configuration before a worker."""
        if self.control is None:
            return
        self.control.reset()
        self.control.configure(**{"latency": 0.0, "stream_events": 5, **config})

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the server process (Linux /proc), or None."""
        if self.process is None:
            return None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.control is not None:
            self.control.close()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def emulator_command(script: str | None, python: str = sys.executable) -> list[str]:
    """The standalone emulator (or a compatible script) on a free loopback port."""
    target = [script] if script else ["-m", "langchain_gemini.testing"]
    return [python, *target, "--host", "127.0.0.1", "--port", "0"]
