import subprocess
import sys

import langchain_gemini

EXPECTED = {
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
    "GeminiCache",
    "GeminiBatches",
    "GeminiBatchItem",
    "GeminiBatchItemError",
    "GeminiBatchJob",
    "GeminiBatchTimeoutError",
    "GeminiCaches",
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
}


def test_public_surface_is_pinned() -> None:
    assert set(langchain_gemini.__all__) == EXPECTED
    for name in langchain_gemini.__all__:
        assert getattr(langchain_gemini, name) is not None


def test_importing_the_package_warns_about_nothing() -> None:
    # A fresh interpreter, so modules already imported by other tests cannot hide an import-time warning
    # (pydantic < 2.10 warned about the `model_` prefix of CallOverrides.model_kwargs, at the floor of our range).
    code = "import langchain_gemini, langchain_gemini.testing; print(langchain_gemini.ChatGemini.__name__)"
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ChatGemini"
