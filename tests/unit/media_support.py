"""Helpers shared by the multimodal-input tests (`test_media.py`, `test_media_fetch.py`).

The sample files, `sent_parts` (what one human message of blocks puts on the wire) and `inline` (the expected
`inlineData` part). Their own module because both test files build requests and expected parts the same way.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage

from tests.fixtures import media
from tests.unit.fake_gemini import FakeGemini

PNG, JPEG, PDF, WAV, MP4 = media.png(), media.jpeg(), media.pdf(), media.wav(), media.mp4()


def sent_parts(blocks: list[Any], **model_kwargs: Any) -> list[dict[str, Any]]:
    """Invoke with one human message of `blocks` and return the parts that went over the wire."""
    fake = FakeGemini()
    fake.model(**model_kwargs).invoke([HumanMessage(blocks)])
    (body,) = fake.bodies()
    return body["contents"][0]["parts"]


def inline(data: bytes, mime: str) -> dict[str, Any]:
    return {"inlineData": {"mimeType": mime, "data": media.b64(data)}}
