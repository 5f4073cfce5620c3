"""Worker environment, run description and the JSON results file."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks import _report
from benchmarks._server import Server

PACKAGES = (
    "langchain-gemini",
    "langchain-google-genai",
    "google-genai",
    "langchain-core",
    "httpx",
    "httpcore",
    "httpx2",
    "pydantic",
)


def worker_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["GEMINI_BENCH_URL"] = url
    # httpx honours proxy variables (trust_env); loopback traffic must never take a proxy.
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def git_commit(root: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
        "platform": platform.platform(),
    }


def describe(args: argparse.Namespace, server: Server, elapsed: float) -> str:
    v = versions()
    listed = ", ".join(f"{k} {val}" for k, val in v.items() if val)
    mode = "quick" if args.quick else "full"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"\n{mode} run: {args.repeats} repeats, {elapsed:.0f} s, load {load}, "
        f"server {server.url or '-'}\n"
        f"{listed}; Python {platform.python_version()}\n"
        "ratios: median over repeats of client / reference in the same repeat; "
        "best floor = faster of httpx and httpx2 floors\n"
    )


def write_results(args: argparse.Namespace, rows: list[_report.Row], runs: list[_report.Run], started: float) -> Path:
    args.output.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.fromtimestamp(started).strftime("%Y%m%d-%H%M%S")
    path = args.output / f"bench-{stamp}{'-quick' if args.quick else ''}.json"
    root = Path(__file__).resolve().parent.parent
    payload = {
        "started": dt.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "quick": args.quick,
        "repeats": args.repeats,
        "commit": git_commit(root),
        "versions": versions(),
        "machine": machine(),
        **_report.to_json(rows, runs),
    }
    path.write_text(json.dumps(payload, indent=1, default=str) + "\n")
    return path
