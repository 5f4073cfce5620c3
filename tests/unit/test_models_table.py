"""The model table: every id Google lists today, and future-shaped ids, get the right rules and a profile."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langchain_gemini import ChatGemini
from langchain_gemini._models import ROWS, TUNED, UNKNOWN, Thinking, facts_for
from langchain_gemini._request import build_request
from langchain_gemini._schema import schema_mode
from langchain_gemini._thinking import thinking_config
from langchain_gemini._to_gemini import nests_tool_media
from langchain_gemini.data._profiles import get_profile
from langchain_gemini.data._published import PUBLISHED

KEY = "AIzaFAKE-sentinel-0123456789"
GEMINI_3 = (True, True, "json_schema", True)  # signature_strict, nests_tool_media, schema form, server-side tools
GEMINI_25 = (False, False, "json_schema", False)
GEMINI_2 = (False, False, "openapi", False)

# Every id of the Gemini models pages today, with its generation's rules and the thinking it takes.
CURRENT = {
    "gemini-3.5-flash": ((3, 5), "flash", GEMINI_3, ("minimal", "low", "medium", "high")),
    "gemini-3.1-pro-preview": ((3, 1), "pro", GEMINI_3, ("low", "medium", "high")),
    "gemini-3.1-pro-preview-customtools": ((3, 1), "pro", GEMINI_3, ("low", "medium", "high")),
    "gemini-3.1-flash-lite": ((3, 1), "flash-lite", GEMINI_3, ("minimal", "low", "medium", "high")),
    "gemini-3.1-flash-lite-preview": ((3, 1), "flash-lite", GEMINI_3, ("minimal", "low", "medium", "high")),
    "gemini-3.1-flash-image-preview": ((3, 1), "flash-image", GEMINI_3, ("minimal", "low", "medium", "high")),
    "gemini-3-pro-preview": ((3, 0), "pro", GEMINI_3, ("low", "high")),
    "gemini-3-pro-image-preview": ((3, 0), "pro-image", GEMINI_3, ("low", "high")),
    "gemini-3-flash-preview": ((3, 0), "flash", GEMINI_3, ("minimal", "low", "medium", "high")),
    "gemini-2.5-pro": ((2, 5), "pro", GEMINI_25, ()),
    "gemini-2.5-flash": ((2, 5), "flash", GEMINI_25, ()),
    "gemini-2.5-flash-lite": ((2, 5), "flash-lite", GEMINI_25, ()),
    "gemini-2.5-flash-preview-09-2025": ((2, 5), "flash", GEMINI_25, ()),
    "gemini-2.5-flash-lite-preview-09-2025": ((2, 5), "flash-lite", GEMINI_25, ()),
    "gemini-2.0-flash": ((2, 0), "flash", GEMINI_2, None),
    "gemini-2.0-flash-001": ((2, 0), "flash", GEMINI_2, None),
    "gemini-2.0-flash-lite": ((2, 0), "flash-lite", GEMINI_2, None),
    # ai.google.dev/gemini-api/docs/generate-content/latest-model: thinking levels low, medium, high
    "gemini-4-argon": ((4, 0), "argon", GEMINI_3, ("low", "medium", "high")),
    "gemini-4-argon-cyber-permissive": ((4, 0), "argon", GEMINI_3, ("low", "medium", "high")),
}
# Ids Google has not published: the newest generation's rules, never Gemini 2's.
FUTURE = {
    "gemini-3.8-flash": ((3, 8), "flash", ("minimal", "low", "medium", "high")),
    "gemini-3.9-pro": ((3, 9), "pro", ("low", "medium", "high")),
    "gemini-3.9-flash-lite-preview-11-2026": ((3, 9), "flash-lite", ("minimal", "low", "medium", "high")),
    "gemini-4.1-argon": ((4, 1), "argon", ("low", "medium", "high")),
    "gemini-4-xenon": ((4, 0), "other", ("minimal", "low", "medium", "high")),
    "gemini-4-flash": ((4, 0), "flash", ("minimal", "low", "medium", "high")),
    "gemini-4.2-pro-preview": ((4, 2), "pro", ("low", "medium", "high")),
    "models/gemini-10-ultra": ((10, 0), "other", ("minimal", "low", "medium", "high")),
}


def _rules(model: str) -> tuple[bool, bool, str, bool]:
    facts = facts_for(model)
    return facts.signature_strict, facts.nests_tool_media, facts.schema_form, facts.server_side_tools


@pytest.mark.parametrize("model", sorted(CURRENT))
def test_current_models_get_their_generation_and_thinking(model: str) -> None:
    version, family, rules, levels = CURRENT[model]
    facts = facts_for(model)
    assert (facts.version, facts.family, _rules(model)) == (version, family, rules)
    assert facts_for(f"models/{model}") == facts
    if levels is None:
        assert facts.thinking is None
    else:
        assert isinstance(facts.thinking, Thinking)
        assert facts.thinking.levels == levels


@pytest.mark.parametrize("model", sorted(FUTURE))
def test_future_ids_get_the_newest_generations_rules(model: str) -> None:
    version, family, levels = FUTURE[model]
    facts = facts_for(model)
    assert (facts.version, facts.family, facts.status) == (version, family, "unknown")
    assert _rules(model) == GEMINI_3
    assert isinstance(facts.thinking, Thinking)
    assert facts.thinking.levels == levels
    profile = ChatGemini(model=model, api_key=KEY).profile
    assert profile is not None
    assert profile["structured_output"] is True
    assert profile["max_input_tokens"] == 1_048_576


@pytest.mark.parametrize(
    ("alias", "newest"),
    [
        ("gemini-flash-latest", "gemini-3.5-flash"),
        ("gemini-flash-lite-latest", "gemini-3.1-flash-lite"),
        ("gemini-pro-latest", "gemini-3.1-pro-preview"),
    ],
)
def test_latest_aliases_follow_the_newest_row_of_their_family(alias: str, newest: str) -> None:
    facts, row = facts_for(alias), facts_for(newest)
    assert (facts.version, facts.family, facts.thinking, _rules(alias)) == (
        row.version,
        row.family,
        row.thinking,
        _rules(newest),
    )


def test_the_four_rules_agree_on_gemini_4() -> None:
    # Before the table, gemini-4 nested tool media but did not fill missing thought signatures.
    model = "gemini-4-argon"
    assert nests_tool_media(model) is True
    assert schema_mode(model) == "json_schema"
    history = [
        HumanMessage("weather?"),
        AIMessage("", tool_calls=[{"name": "weather", "args": {}, "id": "call_1"}]),
        ToolMessage("sunny", tool_call_id="call_1"),
    ]
    request = build_request(history, {"model": model})
    assert request["contents"][1]["parts"][0]["thoughtSignature"] == "skip_thought_signature_validator"
    assert thinking_config(model, budget=None, level="medium", reasoning_effort=None, include_thoughts=None) == {
        "thinkingLevel": "MEDIUM"
    }
    with pytest.raises(ValueError, match="minimal"):
        thinking_config(model, budget=None, level="minimal", reasoning_effort=None, include_thoughts=None)


def test_tuned_and_unknown_models() -> None:
    assert facts_for("tunedModels/my-classifier-123") is TUNED
    assert _rules("tunedModels/my-classifier-123") == GEMINI_2
    profile = ChatGemini(model="tunedModels/my-classifier-123", api_key=KEY).profile
    assert profile is not None
    assert (profile["reasoning_output"], profile["tool_calling"], profile["text_inputs"]) == (False, True, True)
    assert facts_for("gemma-3-27b-it") is UNKNOWN
    assert facts_for("my-model") is UNKNOWN
    assert get_profile("my-model") is None
    # An old generation parses to its own rules and no thinking, never the newest generation's.
    assert facts_for("gemini-1.5-flash").thinking is None
    assert _rules("gemini-1.5-pro-002") == GEMINI_2


def test_every_row_gets_a_profile_with_the_agent_flags() -> None:
    for model_id in PUBLISHED:
        profile = get_profile(model_id)
        assert profile is not None, model_id
        assert profile["name"] == PUBLISHED[model_id]["name"]
        assert profile.get("max_input_tokens") == PUBLISHED[model_id]["max_input_tokens"]
    chat = ChatGemini(model="gemini-3.1-pro-preview", api_key=KEY).profile
    assert chat is not None
    assert (chat["structured_output"], chat["tool_calling"], chat["reasoning_output"]) == (True, True, True)
    assert chat["reasoning_effort_levels"] == ["low", "medium", "high"]
    tts = get_profile("gemini-2.5-flash-preview-tts")
    assert tts is not None
    assert (tts["audio_outputs"], tts["text_outputs"], tts["structured_output"]) == (True, False, False)
    assert facts_for("gemini-2.5-pro-preview-tts").speaks_only


def test_embedding_facts() -> None:
    assert facts_for("gemini-embedding-001").embedding.max_input_tokens == 2_048  # type: ignore[union-attr]
    two = facts_for("models/gemini-embedding-2").embedding
    assert two is not None
    assert (two.max_input_tokens, two.task_conditioning) == (8_192, "prefix")
    preview = facts_for("gemini-embedding-2-preview").embedding
    assert preview is not None
    assert preview.task_conditioning == "task_type"


def test_rows_are_the_published_ids() -> None:
    assert set(ROWS) == set(PUBLISHED)


def test_update_script_merges_models_dev_and_models_get(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    try:
        import update_profiles
    finally:
        sys.path.pop(0)
    models_dev = {
        "google": {
            "models": {
                "gemini-3.8-flash": {
                    "name": "Gemini 3.8 Flash",
                    "limit": {"context": 2_097_152, "output": 131_072},
                    "modalities": {"input": ["text", "image", "pdf"], "output": ["text"]},
                    "tool_call": True,
                    "structured_output": True,
                },
                "gemini-flash-latest": {"name": "alias"},
                "gemma-3-27b-it": {"name": "Gemma"},
            }
        }
    }
    models_get = {
        "name": "models/gemini-2.5-flash",
        "displayName": "Gemini 2.5 Flash (renamed)",
        "inputTokenLimit": 1_000_000,
        "outputTokenLimit": 65_536,
        "supportedGenerationMethods": ["generateContent"],
    }
    sources = [tmp_path / "api.json", tmp_path / "get.json"]
    sources[0].write_text(json.dumps(models_dev))
    sources[1].write_text(json.dumps(models_get))
    output = tmp_path / "_published.py"
    assert update_profiles.main([*map(str, sources), "--output", str(output)]) == 0
    namespace: dict[str, object] = {}
    exec(compile(output.read_text(), str(output), "exec"), namespace)
    rows = namespace["PUBLISHED"]
    assert isinstance(rows, dict)
    assert rows["gemini-3.8-flash"] == {
        "name": "Gemini 3.8 Flash",
        "max_input_tokens": 2_097_152,
        "max_output_tokens": 131_072,
        "inputs": ["image", "pdf", "text"],
        "outputs": ["text"],
        "tool_calling": True,
        "structured_output": True,
        "status": "stable",
    }
    assert rows["gemini-2.5-flash"]["name"] == "Gemini 2.5 Flash (renamed)"
    assert rows["gemini-2.5-flash"]["max_input_tokens"] == 1_000_000
    assert rows["gemini-2.5-flash"]["inputs"] == PUBLISHED["gemini-2.5-flash"]["inputs"]  # kept
    assert "gemini-flash-latest" not in rows
    assert "gemma-3-27b-it" not in rows
    assert set(PUBLISHED) < set(rows)


def test_published_file_is_in_generated_form() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    try:
        import update_profiles
    finally:
        sys.path.pop(0)
    assert update_profiles.render(PUBLISHED) == update_profiles.TARGET.read_text()


@pytest.mark.parametrize(
    ("model", "with_tools", "provider_strategy"),
    [
        ("gemini-3.8-flash", True, True),
        ("gemini-3.1-pro-preview", True, True),
        ("gemini-flash-latest", False, True),
        ("gemini-4-argon", False, True),
        ("tunedModels/my-classifier-123", False, True),
        ("gemini-2.5-flash", True, False),  # LangChain's own rule: before Gemini 3, no schema together with tools
        ("my-model", False, False),  # no profile
    ],
)
def test_create_agent_picks_provider_strategy_from_the_profile(
    model: str, with_tools: bool, provider_strategy: bool
) -> None:
    from langchain.agents.factory import _supports_provider_strategy

    def lookup(city: str) -> str:
        """Look a city up."""
        return city

    chat = ChatGemini(model=model, api_key=KEY)
    assert _supports_provider_strategy(chat, [lookup] if with_tools else None) is provider_strategy  # type: ignore[list-item]


def test_alias_and_tuned_profiles_are_right() -> None:
    alias = ChatGemini(model="gemini-flash-latest", api_key=KEY).profile
    assert alias is not None
    assert (alias["name"], alias["max_input_tokens"], alias["reasoning_output"]) == (
        "Gemini Flash Latest",
        1_048_576,
        True,
    )
    tuned = ChatGemini(model="tunedModels/abc", api_key=KEY).profile
    assert tuned is not None
    assert (tuned["image_inputs"], tuned["structured_output"], tuned["reasoning_output"]) == (False, True, False)
