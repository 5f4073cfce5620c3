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
