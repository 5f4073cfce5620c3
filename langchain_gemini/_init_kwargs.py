"""Constructor keywords `ChatGemini` does not define: Gemini request fields go to `model_kwargs`, the rest fail.

A name is looked up in this order, before any request can be built:

1. a name `langchain-google-genai` used for a setting this package has under another name (`request_timeout`) or
   has no use for: refused, naming ours (docs/migration.md holds the same table);
2. the wire name (camelCase) of a request field this class models (`maxOutputTokens`, `thinking_config`):
   refused, naming the field to use;
3. any other `GenerationConfig` or `GenerateContentRequest` field (`response_logprobs`): moved to `model_kwargs`
   and sent, as LangChain does with unknown arguments (`_build_model_kwargs`, with its warning);
4. anything else: refused, suggesting the closest field name (`temprature` -> `temperature`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from langchain_gemini._request import API_FIELDS
from langchain_gemini._settings import wire_names
from langchain_gemini._to_gemini import camel_case
from langchain_gemini._unknown_kwargs import CLIENT_MIGRATED_NAMES

# langchain-google-genai's ChatGoogleGenerativeAI arguments that are spelt differently here, or have no equivalent.
MIGRATED_NAMES: Mapping[str, str] = {
    **CLIENT_MIGRATED_NAMES,
    "generation_config": "pass the settings as arguments (temperature=..., ...) or in model_kwargs",
    "response_json_schema": "use response_schema",
    "thinking_config": "use thinking_budget, thinking_level or include_thoughts",
    "model_name": "use model",
    "convert_system_message_to_human": "drop it: system messages are always sent as the system instruction",
}

# Wire names of request fields this class sets from its own fields: a raw value would bypass their checks.
_MODELED_WIRE_NAMES: Mapping[str, str] = {
    **dict(wire_names()),
    "responseSchema": "response_schema",
    "responseJsonSchema": "response_schema",
    "thinkingConfig": "thinking_budget, thinking_level or include_thoughts",
    "thinkingBudget": "thinking_budget",
    "thinkingLevel": "thinking_level",
    "includeThoughts": "include_thoughts",
    "continuationToken": "nothing: long answers are continued automatically",
    "systemInstruction": "a SystemMessage in the conversation",
    "contents": "the messages you invoke the model with",
    "generationConfig": "the settings as arguments (temperature=..., ...) or model_kwargs",
}

# Fields of the request the API defines (camelCase) that no field of ours sets: these travel through model_kwargs.
PASSTHROUGH_FIELDS = frozenset(API_FIELDS - _MODELED_WIRE_NAMES.keys())
_SNAKE_PASSTHROUGH = tuple(sorted(re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() for name in PASSTHROUGH_FIELDS))


def check_unknown_kwargs(owner: str, values: Mapping[str, object], known: Collection[str]) -> None:
    """Raise for constructor keywords that are neither fields of `owner` (`known`) nor API request fields.

    Raises:
        TypeError: Naming every refused keyword, with the name to use or the closest field name.
    """
    refused = [
        name
        for name in values
        if name not in known and (name in MIGRATED_NAMES or camel_case(name) not in PASSTHROUGH_FIELDS)
    ]
    if refused:
        problems = [_problem(name, owner, known) for name in refused]
        plural = "s" if len(problems) > 1 else ""
        msg = f"{owner} got unknown argument{plural}: {'; '.join(problems)}"
        raise TypeError(msg)


def _problem(name: str, owner: str, known: Collection[str]) -> str:
    if name in MIGRATED_NAMES:
        return f"{name!r}: {MIGRATED_NAMES[name]}"
    wire = camel_case(name)
    if wire in _MODELED_WIRE_NAMES:
        return f"{name!r}: use {_MODELED_WIRE_NAMES[wire]}"
    import difflib  # only when reporting a mistake

    close = difflib.get_close_matches(name, [*sorted(known), *_SNAKE_PASSTHROUGH], n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"neither a {owner} field nor a Gemini request field"
    return f"{name!r}: {hint}"
