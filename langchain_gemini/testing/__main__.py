"""Run the Gemini emulator as a process: ``python -m langchain_gemini.testing --port 0``.

Prints one line, ``GEMINI_EMULATOR_URL=http://127.0.0.1:<port>``, once it listens, then serves until SIGINT or
SIGTERM. Drive it from other processes through the control plane under ``/_emulator/``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from langchain_gemini.testing._server import serve


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(prog="python -m langchain_gemini.testing", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay before every API answer")
    parser.add_argument("--api-key", default=None, help="the only key accepted (default: any non-empty key)")
    parser.add_argument("--stream-events", type=int, default=None, help="events per default stream")
    parser.add_argument(
        "--file-processing-polls", type=int, default=None, help="GETs a new video stays PROCESSING (default 1)"
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(
                args.host,
                args.port,
                api_key=args.api_key,
                latency=args.latency_ms / 1000,
                stream_events=args.stream_events,
                file_processing_polls=args.file_processing_polls,
            )
        )


if __name__ == "__main__":
    main()
