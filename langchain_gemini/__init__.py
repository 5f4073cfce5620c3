"""LangChain integration for Google's Gemini Developer API.

`ChatGemini` is the chat model, `GeminiEmbeddings` the embeddings model; both talk to the REST API through a
small httpx client. Errors raised by either are the classes of `langchain_gemini.errors`.
"""

from langchain_gemini._media_output import wav_bytes
from langchain_gemini._version import __version__
from langchain_gemini.chat_models import ChatGemini
from langchain_gemini.embeddings import GeminiEmbeddings
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
from langchain_gemini.files import GeminiFile, GeminiFileError, GeminiFiles, GeminiFileTimeoutError
from langchain_gemini.multimodal import MediaFetchPolicy, MediaResolution, Modality
from langchain_gemini.safety import HarmBlockThreshold, HarmCategory

__all__ = [
    "ChatGemini",
    "GeminiAPIError",
    "GeminiAuthenticationError",
    "GeminiBadRequestError",
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
