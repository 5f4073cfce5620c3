"""Client peak memory and CPU for a large inline Batch API job, against the emulator in its own process.

    .venv/bin/python benchmarks/batch_memory.py [items]   # default 100,000

Measures, in this process only (tracemalloc peak, process CPU time): building the requests and submitting the job
(`ChatGemini.batch_submit`), then waiting and reading every result (`GeminiBatches.results`). Inline jobs carry
their requests in one create request and their results in one operation, so both phases hold the whole job in
memory: the figure grows with the job. Bounded memory needs the JSONL-file form, which is not implemented yet.
"""

from __future__ import annotations

import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from langchain_gemini import ChatGemini, GeminiBatches

ROOT = Path(__file__).resolve().parents[1]


def _phase(label: str, start_cpu: float) -> None:
    _, peak = tracemalloc.get_traced_memory()
    print(f"{label}: peak {peak / 2**20:.1f} MiB, cpu {time.process_time() - start_cpu:.2f} s")
    tracemalloc.reset_peak()


def main(items: int) -> None:
    command = [sys.executable, "-m", "langchain_gemini.testing", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT) as server:
        try:
            assert server.stdout is not None
            url = server.stdout.readline().strip().split("=", 1)[1]
            with ChatGemini(model="gemini-2.5-flash", api_key="bench", base_url=url, timeout=3600) as model:
                inputs = [f"Question {i}: name a colour." for i in range(items)]
                tracemalloc.start()
                cpu = time.process_time()
                job = model.batch_submit(inputs)
                _phase(f"build + submit {items} items", cpu)
                batches = GeminiBatches.from_model(model)
                cpu = time.process_time()
                job = batches.wait_until_done(job, poll_interval=0.01, timeout=3600)
                answered = sum(1 for _ in batches.results(job))
                _phase(f"wait + read {answered} results", cpu)
                tracemalloc.stop()
        finally:
            server.terminate()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
