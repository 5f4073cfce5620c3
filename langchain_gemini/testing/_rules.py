"""Semantic validation of a normalized request, as two tables of small rules.

`FIELD_RULES` yield (path, message) violations that Google's request validator reports together, one
"* GenerateContentRequest.<path>: <message>" line each (see `_errors.validator_error`). `REQUEST_RULES` are
checked one by one afterwards; each returns a complete `ApiError` or None. These are the core rules; media, tool,
output and signature rules live in their own modules and `_validate` assembles the full lists in checking order.
Rules read the camelCase request produced by `_normalize`.

Where Google's wording was found in public reports it is used verbatim and the source is named next to the rule;
wording marked "(ours)" was not found and is the emulator's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from langchain_gemini.testing._errors import ApiError, invalid_argument, validator_error
from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._tokens import prompt_tally

Violations = Iterator[tuple[str, str]]
FieldRule = Callable[[dict[str, Any], ModelInfo], Violations]
RequestRule = Callable[[dict[str, Any], ModelInfo], "ApiError | None"]

_ONEOF_DATA = (
    "text",
    "inlineData",
    "fileData",
    "functionCall",
    "functionResponse",
    "executableCode",
    "codeExecutionResult",
    "toolCall",
    "toolResponse",
)
# The live API's rule and wording (google-gemini/gemini-cli#2966, #6704): first char a letter or "_", then
# letters, digits, "_", "." or "-", at most 64 chars. (The older proto comment said 63 without dots.)
_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")
_FUNCTION_NAME_MESSAGE = (
    "Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), "
    "underscores (_), dots (.) or dashes (-), with a maximum length of 64."
)
_GEMINI_CATEGORIES = frozenset(
    {
        "HARM_CATEGORY_HARASSMENT",
        "HARM_CATEGORY_HATE_SPEECH",
        "HARM_CATEGORY_SEXUALLY_EXPLICIT",
        "HARM_CATEGORY_DANGEROUS_CONTENT",
        "HARM_CATEGORY_CIVIC_INTEGRITY",
    }
)
_SCHEMA_MIME_TYPES = ("application/json", "text/x.enum")


def contents_with_paths(request: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Content of the request (system instruction included) with its proto path."""
    if "systemInstruction" in request:
        yield "system_instruction", request["systemInstruction"]
    for index, content in enumerate(request.get("contents", ())):
        yield f"contents[{index}]", content


def parts_with_paths(request: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Part with its proto path."""
    for path, content in contents_with_paths(request):
        for index, part in enumerate(content.get("parts", ())):
            yield f"{path}.parts[{index}]", part


def declarations_with_paths(request: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every FunctionDeclaration with its proto path."""
    for t, tool in enumerate(request.get("tools", ())):
        for d, declaration in enumerate(tool.get("functionDeclarations", ())):
            yield f"tools[{t}].function_declarations[{d}]", declaration


def schemas_with_paths(schema: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """A Schema and every Schema nested in it, depth first."""
    yield path, schema
    if "items" in schema:
        yield from schemas_with_paths(schema["items"], f"{path}.items")
    for index, sub in enumerate(schema.get("properties", {}).values()):
        yield from schemas_with_paths(sub, f"{path}.properties[{index}].value")
    for index, sub in enumerate(schema.get("anyOf", ())):
        yield from schemas_with_paths(sub, f"{path}.any_of[{index}]")


def _request_schemas(request: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, declaration in declarations_with_paths(request):
        for key, snake in (("parameters", "parameters"), ("response", "response")):
            if key in declaration:
                yield from schemas_with_paths(declaration[key], f"{path}.{snake}")
    config = request.get("generationConfig", {})
    if "responseSchema" in config:
        yield from schemas_with_paths(config["responseSchema"], "generation_config.response_schema")


# --- field rules (reported together) -------------------------------------------------------------------


def contents_specified(request: dict[str, Any], model: ModelInfo) -> Violations:
    """vercel/ai#3775: "* GenerateContentRequest.contents: contents is not specified"."""
    if not request.get("contents"):
        yield "contents", "contents is not specified"


def parts_not_empty(request: dict[str, Any], model: ModelInfo) -> Violations:
    """langchain-ai/langchain-google#691: "contents.parts must not be empty."."""
    for path, content in contents_with_paths(request):
        if not content.get("parts"):
            yield f"{path}.parts", "contents.parts must not be empty."


def part_has_data(request: dict[str, Any], model: ModelInfo) -> Violations:
    """QuantumNous/new-api#632, boldsoftware/sketch#68: a part needs one member of the `data` oneof set.

    Setting a member counts even when its value is empty, as in proto3 oneofs: `{"text": ""}` is accepted in user
    and model turns (realwire pydantic-ai-test_google_model_empty_user_prompt and
    pydantic-ai-test_google_model_empty_assistant_response, both 200), and so is the empty signed text part a
    Gemini 3 stream ends on when replayed (llm-gemini-test_tools_with_gemini_3_thought_signatures-1). A part
    with no member at all (`{}`, or only `thought` / `thoughtSignature`) is what is rejected.
    """
    for path, part in parts_with_paths(request):
        if not any(key in part for key in _ONEOF_DATA):
            yield f"{path}.data", "required oneof field 'data' must have one initialized field"


def blob_fields(request: dict[str, Any], model: ModelInfo) -> Violations:
    """InlineData needs mimeType and data; fileData needs fileUri (wording ours)."""
    for path, part in parts_with_paths(request):
        blob = part.get("inlineData")
        if blob is not None:
            if not blob.get("mimeType"):
                yield f"{path}.inline_data.mime_type", "required field is not set"
            if not blob.get("data"):
                yield f"{path}.inline_data.data", "required field is not set"
        file = part.get("fileData")
        if file is not None and not file.get("fileUri"):
            yield f"{path}.file_data.file_uri", "required field is not set"


def call_names(request: dict[str, Any], model: ModelInfo) -> Violations:
    """FunctionCall / functionResponse need a name ("Name cannot be empty.")."""
    for path, part in parts_with_paths(request):
        for key, snake in (("functionCall", "function_call"), ("functionResponse", "function_response")):
            if key in part and not part[key].get("name"):
                yield f"{path}.{snake}.name", "Name cannot be empty."


def declaration_names(request: dict[str, Any], model: ModelInfo) -> Violations:
    """Function names follow the live API's pattern (google-gemini/gemini-cli#2966)."""
    for path, declaration in declarations_with_paths(request):
        if not _FUNCTION_NAME.fullmatch(declaration.get("name", "")):
            yield f"{path}.name", _FUNCTION_NAME_MESSAGE


def declaration_schema_forms(request: dict[str, Any], model: ModelInfo) -> Violations:
    """`parameters` and `parametersJsonSchema` are mutually exclusive (reference 3.4; wording ours)."""
    for path, declaration in declarations_with_paths(request):
        if "parameters" in declaration and "parametersJsonSchema" in declaration:
            yield f"{path}.parameters_json_schema", "parameters_json_schema and parameters cannot both be set."
        if "response" in declaration and "responseJsonSchema" in declaration:
            yield f"{path}.response_json_schema", "response_json_schema and response cannot both be set."


def schema_objects(request: dict[str, Any], model: ModelInfo) -> Violations:
    """`required` must name a property (wording ours).

    An OBJECT with empty (or no) `properties` is accepted: 33 recorded 200s across Gemini 2.0, 2.5 and 3 (e.g.
    realwire llm-gemini-test_tools-0, pydantic-ai-test_google_tool_config_any_with_tool_without_args-0). The
    "should be non-empty for OBJECT type" error of brainlid/langchain#183 (2024) is no longer what Google does.
    """
    for path, schema in _request_schemas(request):
        properties = schema.get("properties", {})
        for index, name in enumerate(schema.get("required", ())):
            if name not in properties:
                yield f"{path}.required[{index}]", "property is not defined"


_RANGES: tuple[tuple[str, str, float, float, bool], ...] = (
    # (field, proto path, low, high, high inclusive); ranges from the 2025 proto comments (reference 3.1)
    ("temperature", "temperature", 0.0, 2.0, True),
    ("topP", "top_p", 0.0, 1.0, True),
    ("topK", "top_k", 1, 2**31, True),
    ("candidateCount", "candidate_count", 1, 8, True),
    ("maxOutputTokens", "max_output_tokens", 1, 2**31, True),
    ("presencePenalty", "presence_penalty", -2.0, 2.0, False),
    ("frequencyPenalty", "frequency_penalty", -2.0, 2.0, False),
    ("logprobs", "logprobs", 0, 20, True),
)


def generation_ranges(request: dict[str, Any], model: ModelInfo) -> Violations:
    """Numeric generationConfig fields stay in their documented ranges (wording ours)."""
    config = request.get("generationConfig", {})
    for key, snake, low, high, inclusive in _RANGES:
        value = config.get(key)
        if value is None:
            continue
        above = value > high if inclusive else value >= high
        if value < low or above:
            close = "]" if inclusive else ")"
            yield f"generation_config.{snake}", f"must be in the range [{low:g}, {high:g}{close}."
    if len(config.get("stopSequences", ())) > 5:
        yield "generation_config.stop_sequences", "the number of stop sequences must not exceed 5."
    if "logprobs" in config and not config.get("responseLogprobs"):
        yield "generation_config.logprobs", "logprobs is only supported when response_logprobs is true."


def response_schema_forms(request: dict[str, Any], model: ModelInfo) -> Violations:
    """A schema needs a compatible MIME type; the two schema forms are exclusive (reference 3.1, 7.5)."""
    config = request.get("generationConfig", {})
    has_schema = "responseSchema" in config or "responseJsonSchema" in config
    if "responseSchema" in config and "responseJsonSchema" in config:
        yield "generation_config.response_json_schema", "response_json_schema and response_schema cannot both be set."
    if has_schema and config.get("responseMimeType") not in _SCHEMA_MIME_TYPES:
        yield (
            "generation_config.response_mime_type",
            "response_mime_type must be one of [application/json, text/x.enum] when a response schema is set.",
        )


def safety_categories(request: dict[str, Any], model: ModelInfo) -> Violations:
    """One setting per Gemini category ([002]: "There should not be more than one setting for each ...")."""
    seen: set[str] = set()
    for index, setting in enumerate(request.get("safetySettings", ())):
        category = setting.get("category", "HARM_CATEGORY_UNSPECIFIED")
        if category not in _GEMINI_CATEGORIES:
            yield f"safety_settings[{index}].category", f"category {category} is not supported by Gemini models."
        elif category in seen:
            yield f"safety_settings[{index}].category", f"duplicate setting for category {category}."
        seen.add(category)


def tool_config_names(request: dict[str, Any], model: ModelInfo) -> Violations:
    """AllowedFunctionNames "should only be set when the Mode is ANY" (proto comment; wording ours)."""
    config = request.get("toolConfig", {}).get("functionCallingConfig", {})
    names = config.get("allowedFunctionNames")
    if not names:
        return
    path = "tool_config.function_calling_config.allowed_function_names"
    if config.get("mode") not in ("ANY", "VALIDATED"):
        yield path, "allowed_function_names should only be set when the mode is ANY."
    declared = {d.get("name") for _, d in declarations_with_paths(request)}
    for index, name in enumerate(names):
        if name not in declared:
            yield f"{path}[{index}]", f"function {name} is not declared in tools."


FIELD_RULES: list[FieldRule] = [
    contents_specified,
    parts_not_empty,
    part_has_data,
    blob_fields,
    call_names,
    declaration_names,
    declaration_schema_forms,
    schema_objects,
    generation_ranges,
    response_schema_forms,
    safety_categories,
    tool_config_names,
]

# Rules that apply to a bare list of contents (countTokens with `contents`, the embed content).
CONTENT_RULES: list[FieldRule] = [contents_specified, parts_not_empty, part_has_data, blob_fields, call_names]


# --- request rules (first failure wins) ----------------------------------------------------------------


def roles(request: dict[str, Any], model: ModelInfo) -> ApiError | None:
    """Only "user" and "model" (or no role).

    "function", "tool" and "system" are rejected with this message: one-api#1385, router-for-me/CLIProxyAPI#17,
    MoonLadderStudios/MoonMind#8 (system/assistant), genkit-ai/genkit-dart#340 (tool), sashiko-dev/sashiko#500
    and kurojs/Gemini-Kchat#5 (function; older models accepted "function", newer ones do not).
    """
    for content in request.get("contents", ()):
        if content.get("role", "user") not in ("user", "model"):
            return invalid_argument("Please use a valid role: user, model.")
    return None


def function_turns(request: dict[str, Any], model: ModelInfo) -> ApiError | None:
    """Function calls and responses must alternate properly, with Google's three messages.

    Verbatim from google-gemini/gemini-cli#11814 (a history that starts with a call is rejected), #4217 and
    #17857 (part counts), langchain-ai/langchain#27799 (a response without a preceding call).
    """
    previous: dict[str, Any] | None = None
    for content in request.get("contents", ()):
        parts = content.get("parts", ())
        calls = sum("functionCall" in p for p in parts)
        responses = sum("functionResponse" in p for p in parts)
        if calls and (previous is None or previous.get("role", "user") != "user"):
            return invalid_argument(
                "Please ensure that function call turn comes immediately after a user turn or after a function "
                "response turn."
            )
        if responses:
            called = sum("functionCall" in p for p in previous.get("parts", ())) if previous else 0
            if not called:
                return invalid_argument(
                    "Please ensure that function response turn comes immediately after a function call turn."
                )
            if called != responses:
                return invalid_argument(
                    "Please ensure that the number of function response parts is equal to the number of function "
                    "call parts of the function call turn."
                )
        previous = content
    return None


def thinking(request: dict[str, Any], model: ModelInfo) -> ApiError | None:
    """ThinkingConfig against the model's budget table (reference 8.2), with Google's messages."""
    config = request.get("generationConfig", {}).get("thinkingConfig")
    if config is None:
        return None
    if not model.thinks:
        return invalid_argument("thinking_config is not supported.")  # immersive-translate#2976
    budget, level = config.get("thinkingBudget"), config.get("thinkingLevel")
    if level is not None and level != "THINKING_LEVEL_UNSPECIFIED":
        if budget is not None:  # sterlp/eclipse-peon-ai#115
            return invalid_argument("You can only set only one of thinking budget and thinking level.")
        if not model.thinking_levels:  # RooCodeInc/Roo-Code#10700
            return invalid_argument("Thinking level is not supported for this model.")
        if level not in model.thinking_levels:  # heyhuynhgiabuu/proxypal#170
            return invalid_argument(f"Thinking level {level} is not supported for this model.")
    if budget is None or budget == -1 or model.thinking_budget is None:
        return None
    if budget == 0:
        if model.can_disable_thinking:
            return None
        return invalid_argument("Budget 0 is invalid. This model only works in thinking mode.")  # gemini-balance#206
    low, high = model.thinking_budget
    if not low <= budget <= high:
        return invalid_argument(  # "The thinking budget 32000 is invalid. Please choose a value between 0 and 24576"
            f"The thinking budget {budget} is invalid. Please choose a value between {low} and {high}."
        )
    return None


def modalities(request: dict[str, Any], model: ModelInfo) -> ApiError | None:
    """ResponseModalities must be a combination the model produces (wording as recalled, unverified).

    Image models take TEXT, TEXT + IMAGE, or IMAGE alone (the image-generation guide's image-only output); TTS
    models AUDIO only ("TTS models accept text-only inputs and produce audio-only outputs", reference 10.3).
    """
    requested = request.get("generationConfig", {}).get("responseModalities") or ["TEXT"]
    wanted = {m for m in requested if m != "MODALITY_UNSPECIFIED"} or {"TEXT"}
    offered = set(model.output_modalities)
    allowed = [{"AUDIO"}] if offered == {"AUDIO"} else [{"TEXT"}]
    if "IMAGE" in offered:
        allowed += [offered, {"IMAGE"}]
    if wanted in allowed:
        return None
    combos = "".join(f"* {', '.join(sorted(c))}\n" for c in allowed if c)
    return invalid_argument(
        f"The requested combination of response modalities ({', '.join(sorted(wanted))}) is not supported by "
        f"the model. models/{model.id} accepts the following combination of response modalities:\n{combos}"
    )


def cached_content(request: dict[str, Any], model: ModelInfo) -> ApiError | None:
    """No caches exist yet: Google answers 403 PERMISSION_DENIED, not 404, for a missing cache.

    "CachedContent not found (or permission denied)" is what clients match on in public code (several
    repositories test for exactly this 403 body), so the emulator serves that.
    """
    if request.get("cachedContent"):
        return ApiError(403, "CachedContent not found (or permission denied)")
    return None


def input_tokens(request: dict[str, Any], model: ModelInfo) -> ApiError | None:
    """Google's context-overflow message (reliability.md section 7)."""
    count = prompt_tally(request).total
    if count > model.input_token_limit:
        return invalid_argument(
            f"The input token count ({count}) exceeds the maximum number of tokens allowed ({model.input_token_limit})."
        )
    return None


REQUEST_RULES: list[RequestRule] = [roles, function_turns, thinking, modalities, cached_content, input_tokens]


def check(
    request: dict[str, Any],
    model: ModelInfo,
    prefix: str = "GenerateContentRequest",
    *,
    field_rules: list[FieldRule] | None = None,
    request_rules: list[RequestRule] | None = None,
) -> None:
    """Run the rule tables over a normalized request.

    Raises:
        ApiError: The validator's combined 400, or the first failing request rule's error.
    """
    violations = [v for rule in (FIELD_RULES if field_rules is None else field_rules) for v in rule(request, model)]
    if violations:
        raise validator_error(prefix, violations)
    for request_rule in REQUEST_RULES if request_rules is None else request_rules:
        error = request_rule(request, model)
        if error is not None:
            raise error
