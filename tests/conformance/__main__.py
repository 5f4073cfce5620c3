"""`make conformance`: the emulator against its judges, one `N/M` line per part; exit 1 when a target is missed.

(a) recorded requests accepted / rejected as Google did (target 100%), (b) answer shapes: JSON paths shared
with Google's recorded answers (target 95%), (c) the google-genai battery (target 100%). Parts (a) and (b) need
the recorded traffic (`../shared/realwire` next to the checkout, or `GEMINI_REALWIRE_DIR`); without it they are
reported as not run and only (c) decides.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conformance.realwire import load_cases, needs_cache, realwire_dir, run_a, run_b

_B_TARGET = 0.95
_SHOWN = 25


def _message(body: object) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message", "")).replace("\n", " | ")[:200]
    return str(body)[:200]


def main() -> int:
    """Run the three parts; 0 when every target is met."""
    ok = True
    directory = realwire_dir()
    if directory is None:
        print("realwire: recorded traffic not found (../shared/realwire or GEMINI_REALWIRE_DIR): (a) and (b) NOT RUN")
    else:
        cases = load_cases(directory)
        outcomes = run_a(cases)
        unsendable = sum(c["request"] is None for c in cases)
        cached = [c["name"] for c in cases if c["request"] is not None and needs_cache(c)]
        adjusted = [(o.name, a) for o in outcomes for a in o.adjustments]
        print(f"realwire: {len(cases)} cases in {directory} ({unsendable} without a request body: not sendable)")
        for name in cached:
            print(
                f"  NOT SENT: {name}: names a cache of the recording account "
                "(tests/integration/test_emulator_caches.py replays it against a cache of our own)"
            )
        for name, adjustment in adjusted:
            print(f"  adjustment: {name}: {adjustment}")
        agreed = [o for o in outcomes if o.agrees]
        print(f"(a) recorded requests answered as Google did: {len(agreed)}/{len(outcomes)}")
        for outcome in outcomes:
            if not outcome.agrees:
                print(f"  {outcome.name}: Google {outcome.expected}, emulator {outcome.got}: {_message(outcome.body)}")
        ok &= len(agreed) == len(outcomes)
        shapes = run_b({c["name"]: c for c in cases}, outcomes)
        share = shapes.found / shapes.google if shapes.google else 1.0
        print(
            f"(b) Google's answer JSON paths the emulator sends too: {shapes.found}/{shapes.google} "
            f"({share:.1%}, target {_B_TARGET:.0%}); paths only the emulator sends: {shapes.extra}"
        )
        for path, count in shapes.misses.most_common(_SHOWN):
            print(f"  {count:4d} {path}")
        ok &= share >= _B_TARGET
    battery = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/conformance",
            "-q",
            "-p",
            "no:cacheprovider",
            "--allow-hosts=127.0.0.1,localhost,::1",
            "--timeout",
            "120",
        ],
        check=False,
    )
    ok &= battery.returncode == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
