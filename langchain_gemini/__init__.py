"""LangChain integration for Google's Gemini Developer API."""

from langchain_gemini._version import __version__

__all__ = ["__version__"]
