"""Run the benchmarks: ``python benchmarks/run.py [--quick] [--only NAME,...]``.

Starts the emulator in its own process, then runs every (benchmark, variant,
client, repeat) in a fresh worker process, clients interleaved with their order
alternating per repeat.  Prints medians, the median of per-repeat ratios and
PASS/FAIL per target, and writes everything to ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the ``benchmarks`` package importable
    sys.path.insert(0, str(ROOT))

from benchmarks import _env, _report  # noqa: E402
from benchmarks._server import Server, emulator_command  # noqa: E402
from benchmarks._spec import ALL_CLIENTS, Spec, Variant  # noqa: E402
from benchmarks._worker import RESULT_PREFIX  # noqa: E402

# One module per benchmark; later issues add theirs here.
MODULES = (
    "bench_import",
    "bench_invoke",
    "bench_stream",
    "bench_abatch",
    "bench_embed",
    "bench_history",
    "bench_image",
    "bench_pool",
    "bench_batch_retries",
    "bench_batch_memory",
)
WORKER_TIMEOUT = 300.0


def load_specs(only: list[str] | None) -> list[Spec]:
    """The default benchmarks, or exactly those named (opt-in ones included)."""
    specs = [importlib.import_module(f"benchmarks.{name}").SPEC for name in MODULES]
    if not only:
        return [s for s in specs if s.default]
    unknown = set(only) - {s.name for s in specs}
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    return [s for s in specs if s.name in only]


def clients_for(spec: Spec, requested: list[str] | None) -> tuple[str, ...]:
    clients = tuple(c for c in spec.clients if requested is None or c in requested)
    # The httpx2 floor only when httpx2 is installed (langsmith brings it in).
    if importlib.util.find_spec("httpx2") is None:
        clients = tuple(c for c in clients if c != "floor_httpx2")
    return clients


def run_worker(server: Server, spec: Spec, variant: Variant, client: str, repeat: int, quick: bool) -> _report.Run:
    server.prepare(variant.server)
    params = json.dumps(variant.resolved(quick))
    command = [sys.executable, "-m", "benchmarks._worker", spec.module, client, params]
    cpu_before, start = server.cpu_seconds(), time.perf_counter()
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT,
            env=_env.worker_env(server.url),
            check=False,
        )
        output, errors, code = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired:
        output, errors, code = "", f"timed out after {WORKER_TIMEOUT:.0f} s", -1
    wall = time.perf_counter() - start
    cpu_after = server.cpu_seconds()
    server_cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    result = [line for line in output.splitlines() if line.startswith(RESULT_PREFIX)]
    if code != 0 or not result:
        tail = (errors.strip().splitlines() or [f"exit {code}"])[-1]
        return _report.Run(spec.name, variant.name, client, repeat, None, tail, wall, server_cpu)
    metrics = json.loads(result[-1][len(RESULT_PREFIX) :])
    return _report.Run(spec.name, variant.name, client, repeat, metrics, None, wall, server_cpu)


def measure(
    server: Server, specs: list[Spec], clients: dict[str, tuple[str, ...]], args: argparse.Namespace
) -> list[_report.Run]:
    """Every (benchmark, variant, client, repeat) once; client order alternates per repeat."""
    runs: list[_report.Run] = []
    for spec in specs:
        if spec.prime:
            for client in clients[spec.name]:
                run_worker(server, spec, spec.variants[0], client, -1, args.quick)
    for repeat in range(args.repeats):
        for spec in specs:
            order = clients[spec.name] if repeat % 2 == 0 else tuple(reversed(clients[spec.name]))
            for variant in spec.variants:
                for client in order:
                    if variant.clients is not None and client not in variant.clients:
                        continue
                    run = run_worker(server, spec, variant, client, repeat, args.quick)
                    runs.append(run)
                    _progress(run, args.verbose)
    return runs


def _progress(run: _report.Run, verbose: bool) -> None:
    if run.error:
        print(
            f"  [{run.repeat}] {run.bench}/{run.variant}/{run.client}: ERROR {run.error}",
            file=sys.stderr,
        )
    elif verbose:
        print(
            f"  [{run.repeat}] {run.bench}/{run.variant}/{run.client}: {run.metrics}",
            file=sys.stderr,
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 repeats, fewer calls: a smoke test")
    parser.add_argument("--repeats", type=int, help="repeats per (benchmark, client); default 5, quick 2")
    parser.add_argument(
        "--only",
        help="comma-separated benchmarks: " + ", ".join(m.removeprefix("bench_") for m in MODULES),
    )
    parser.add_argument("--clients", help="comma-separated subset, e.g. " + ",".join(ALL_CLIENTS))
    parser.add_argument("--server-script", help="run this script as the server instead of langchain_gemini.testing")
    parser.add_argument("--url", help="use an already running emulator (needs its /_emulator control plane)")
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "benchmarks" / "results",
        help="JSON results directory",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 unless every target passes")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every worker's metrics")
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 5
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    specs = load_specs(args.only.split(",") if args.only else None)
    requested = args.clients.split(",") if args.clients else None
    clients = {spec.name: clients_for(spec, requested) for spec in specs}
    if args.url:
        server = Server(args.url)
    elif any(spec.needs_server for spec in specs):
        server = Server.spawn(emulator_command(args.server_script), ROOT)
    else:
        server = Server.offline()
    started = time.time()
    try:
        runs = measure(server, specs, clients, args)
    finally:
        server.stop()
    _report.add_derived(specs, runs)
    rows = _report.summarize(specs, runs, clients)
    print(_env.describe(args, server, time.time() - started))
    print(_report.render(rows, specs))
    print(_report.render_targets(rows))
    path = _env.write_results(args, rows, runs, started)
    print(f"\nresults: {path}")
    failed = any(r.result != "PASS" for r in rows if r.target)
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
