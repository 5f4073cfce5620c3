"""Generated media for image and speech answers: real, tiny and deterministic.

Images are true PNG files (signature, IHDR, one zlib-compressed IDAT, IEND, each chunk with its CRC) whose size
follows the requested aspect ratio (8 pixels per unit: 16:9 is 128x72) and whose colours come from a digest of the
prompt, so the same prompt always draws the same picture. Speech is 16-bit little-endian mono PCM at 24 kHz (the
TTS output of reference 10.3), a quiet tone whose pitch also depends on the prompt.
"""

from __future__ import annotations

import base64
import hashlib
import math
import struct
import zlib

PCM_RATE = 24_000
PCM_MIME = f"audio/L16;codec=pcm;rate={PCM_RATE}"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_UNIT = 8


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, seed: str) -> bytes:
    """An RGB PNG of `width` x `height`: a diagonal two-colour stripe pattern chosen by `seed`."""
    digest = hashlib.sha256(seed.encode()).digest()
    first, second = digest[:3], digest[3:6]
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type None
        for x in range(width):
            rows += first if ((x + y) // 4) % 2 == 0 else second
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return _PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(rows))) + _chunk(b"IEND", b"")


def png_size(aspect_ratio: str | None) -> tuple[int, int]:
    """Pixel size for an aspect ratio such as "16:9" (square when unset)."""
    if not aspect_ratio:
        return 4 * _UNIT, 4 * _UNIT
    wide, _, high = aspect_ratio.partition(":")
    return int(wide) * _UNIT, int(high) * _UNIT


def image_b64(aspect_ratio: str | None, seed: str) -> str:
    """`png` for the aspect ratio, base64-encoded."""
    return base64.b64encode(png(*png_size(aspect_ratio), seed)).decode()


def pcm_b64(seconds: float, seed: str) -> str:
    """`seconds` of a quiet sine tone at 24 kHz, 16-bit little-endian mono, base64-encoded."""
    pitch = 220 + hashlib.sha256(seed.encode()).digest()[0]
    count = int(PCM_RATE * seconds)
    samples = (int(1000 * math.sin(2 * math.pi * pitch * n / PCM_RATE)) for n in range(count))
    return base64.b64encode(struct.pack(f"<{count}h", *samples)).decode()
