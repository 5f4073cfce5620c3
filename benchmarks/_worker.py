"""One measurement in a fresh process: ``python -m benchmarks._worker MODULE CLIENT PARAMS``.

Prints ``RESULT <json>`` on its last stdout line; anything else on stdout or
stderr is for humans.  The emulator URL comes in ``GEMINI_BENCH_URL``.
"""

from __future__ import annotations

import importlib
import json
import os
import sys

RESULT_PREFIX = "RESULT "


def main(argv: list[str]) -> int:
    module_name, client, params_json = argv
    module = importlib.import_module(f"benchmarks.{module_name}")
    metrics = module.run(client, json.loads(params_json), os.environ.get("GEMINI_BENCH_URL", ""))
    sys.stdout.write(RESULT_PREFIX + json.dumps(metrics) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
