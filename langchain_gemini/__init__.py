"""LangChain integration for Google's Gemini Developer API.

`ChatGemini` is the chat model, `GeminiEmbeddings` the embeddings model; both talk to the REST API through a
small httpx client. Errors raised by either are the classes of `langchain_gemini.errors`.
"""

from typing import TYPE_CHECKING, Any

from langchain_gemini._version import __version__
from langchain_gemini.chat_models import ChatGemini
from langchain_gemini.errors import (
    GeminiAPIError,
    GeminiAuthenticationError,
    GeminiBadRequestError,
    GeminiConnectionError,
    GeminiContextOverflowError,
    GeminiError,
    GeminiNotFoundError,
    GeminiPermissionDeniedError,
    GeminiRateLimitError,
    GeminiResponseValidationError,
    GeminiServerError,
    GeminiStreamError,
    GeminiTimeoutError,
)
from langchain_gemini.multimodal import MediaFetchPolicy, MediaResolution, Modality
from langchain_gemini.safety import HarmBlockThreshold, HarmCategory

if TYPE_CHECKING:
    from langchain_gemini._media_output import wav_bytes
    from langchain_gemini.batches import (
        GeminiBatches,
        GeminiBatchItem,
        GeminiBatchItemError,
        GeminiBatchJob,
        GeminiBatchTimeoutError,
    )
    from langchain_gemini.caches import GeminiCache, GeminiCaches
    from langchain_gemini.embeddings import GeminiEmbeddings
    from langchain_gemini.files import GeminiFile, GeminiFileError, GeminiFiles, GeminiFileTimeoutError

# Loaded on first access (PEP 562): a chat-only program does not pay for embeddings, files, caches or audio helpers.
_LAZY = {
    "GeminiBatches": "langchain_gemini.batches",
    "GeminiBatchItem": "langchain_gemini.batches",
    "GeminiBatchItemError": "langchain_gemini.batches",
    "GeminiBatchJob": "langchain_gemini.batches",
    "GeminiBatchTimeoutError": "langchain_gemini.batches",
    "GeminiCache": "langchain_gemini.caches",
    "GeminiCaches": "langchain_gemini.caches",
    "GeminiEmbeddings": "langchain_gemini.embeddings",
    "GeminiFile": "langchain_gemini.files",
    "GeminiFileError": "langchain_gemini.files",
    "GeminiFileTimeoutError": "langchain_gemini.files",
    "GeminiFiles": "langchain_gemini.files",
    "wav_bytes": "langchain_gemini._media_output",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    msg = f"module 'langchain_gemini' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "ChatGemini",
    "GeminiAPIError",
    "GeminiAuthenticationError",
    "GeminiBadRequestError",
    "GeminiBatchItem",
    "GeminiBatchItemError",
    "GeminiBatchJob",
    "GeminiBatchTimeoutError",
    "GeminiBatches",
    "GeminiCache",
    "GeminiCaches",
    "GeminiConnectionError",
    "GeminiContextOverflowError",
    "GeminiEmbeddings",
    "GeminiError",
    "GeminiFile",
    "GeminiFileError",
    "GeminiFileTimeoutError",
    "GeminiFiles",
    "GeminiNotFoundError",
    "GeminiPermissionDeniedError",
    "GeminiRateLimitError",
    "GeminiResponseValidationError",
    "GeminiServerError",
    "GeminiStreamError",
    "GeminiTimeoutError",
    "HarmBlockThreshold",
    "HarmCategory",
    "MediaFetchPolicy",
    "MediaResolution",
    "Modality",
    "__version__",
    "wav_bytes",
]
