"""A short tour of ChatGemini: invoke, stream, batch and async (`make demo` / `python -m langchain_gemini.demo`).

With `GOOGLE_API_KEY` or `GEMINI_API_KEY` set it talks to the real Gemini API; otherwise it starts the bundled
emulator on loopback and says so.
"""

from __future__ import annotations

import asyncio
import os
import sys
from contextlib import ExitStack
from typing import TextIO

from langchain_core.messages import HumanMessage, SystemMessage

from langchain_gemini import ChatGemini
from langchain_gemini._base import API_KEY_ENV_VARS

MODEL = "gemini-2.5-flash"


def _model(stack: ExitStack, out: TextIO) -> ChatGemini:
    if any(os.environ.get(name, "").strip() for name in API_KEY_ENV_VARS):
        out.write(f"Using the real Gemini API (key from {' or '.join(API_KEY_ENV_VARS)}).\n\n")
        return ChatGemini(model=MODEL, temperature=0)
    from langchain_gemini.testing import GeminiEmulator

    emulator = stack.enter_context(GeminiEmulator())
    out.write(f"No API key set: using the bundled Gemini emulator at {emulator.base_url}.\n")
    out.write(f"Set {' or '.join(API_KEY_ENV_VARS)} to run this against the real API.\n\n")
    return ChatGemini(model=MODEL, api_key="emulator-key", base_url=emulator.base_url, temperature=0)


async def _async_part(model: ChatGemini, out: TextIO) -> None:
    answer = await model.ainvoke("Name a colour.")
    out.write(f"ainvoke -> {answer.text!r}\n")
    out.write("astream -> ")
    async for chunk in model.astream("Count to three."):
        out.write(chunk.text)
    out.write("\n")


def main(out: TextIO = sys.stdout) -> None:
    """Run the tour, writing to `out`."""
    with ExitStack() as stack:
        model = _model(stack, out)

        answer = model.invoke([SystemMessage("You translate English to French."), HumanMessage("I love programming.")])
        out.write(f"invoke -> {answer.text!r}\n")
        out.write(f"   usage: {answer.usage_metadata}\n")
        metadata = answer.response_metadata
        out.write(f"   model: {metadata.get('model_name')}, finish: {metadata.get('finish_reason')}\n")

        out.write("stream -> ")
        for chunk in model.stream("Write one short sentence about the sea."):
            out.write(chunk.text)
            out.flush()
        out.write("\n")

        answers = model.batch(["Say hi.", "Say bye."])
        out.write(f"batch  -> {[a.text for a in answers]!r}\n")

        asyncio.run(_async_part(model, out))


if __name__ == "__main__":
    main()
