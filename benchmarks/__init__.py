"""Benchmarks for langchain-gemini against a raw-httpx floor and langchain-google-genai.

Run ``python benchmarks/run.py`` (or ``make bench``); ``--help`` lists the options.
Every module imported here at package level must stay stdlib-only: the workers
import this package before timing anything, including import time itself.
"""
