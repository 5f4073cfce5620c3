"""The request messages the emulator accepts, as data: one table per proto message.

The tables mirror `google/ai/generativelanguage/v1beta/*.proto` (2025) for the fields a REST client sends. Every
field is known by its JSON (lowerCamel) name and by its proto (snake_case) name, because the API accepts both in
request bodies (reference section "Name casing"). Anything not listed is an unknown name and is rejected the way
Google's JSON transcoder rejects it (see `_normalize.py`).

To teach the emulator a new request field, add a row here; nothing else needs to change for it to be accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Value kinds. Scalars are checked and converted by `_normalize`; "struct" is a JSON object kept verbatim
# (google.protobuf.Struct) and "value" any JSON value kept verbatim (google.protobuf.Value).
STRING, INT32, INT64, FLOAT, DOUBLE, BOOL, BYTES = "string", "int32", "int64", "float", "double", "bool", "bytes"
ENUM, MESSAGE, MAP, STRUCT, VALUE = "enum", "message", "map", "struct", "value"
DURATION = "duration"  # google.protobuf.Duration: a JSON string such as "1.5s"

_PACKAGE = "type.googleapis.com/google.ai.generativelanguage.v1beta."


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a request message."""

    camel: str
    snake: str
    kind: str
    ref: str = ""  # message or enum name for MESSAGE/MAP/ENUM
    repeated: bool = False
    oneof: str = ""  # name of the oneof group the field belongs to
    backend: str = ""  # "developer" or "vertex" for a field only that backend's server knows; "" for both


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower()


def _f(camel: str, kind: str, ref: str = "", *, rep: bool = False, oneof: str = "", only: str = "") -> Field:
    return Field(camel, _snake(camel), kind, ref, rep, oneof, only)


def _msg(*fields: Field) -> dict[str, Field]:
    """Index a message's fields by both spellings."""
    table: dict[str, Field] = {}
    for field in fields:
        table[field.camel] = field
        table[field.snake] = field
    return table


_DATA = "data"

# Fields one backend's server rejects are tagged `only=`: google-genai refuses them before sending to the other
# backend ("... parameter is only supported in Gemini Developer API mode" / "... in Gemini Enterprise Agent
# Platform mode": google/genai/models.py, the `_*_to_mldev` and `_*_to_vertex` converters), so the other server
# answers them as unknown names. `MESSAGES` (the Developer API) and `VERTEX_MESSAGES` are derived from this table.
_DEV, _VERTEX = "developer", "vertex"
_ALL_MESSAGES: dict[str, dict[str, Field]] = {
    "GenerateContentRequest": _msg(
        _f("model", STRING),
        _f("contents", MESSAGE, "Content", rep=True),
        _f("systemInstruction", MESSAGE, "Content"),
        _f("tools", MESSAGE, "Tool", rep=True),
        _f("toolConfig", MESSAGE, "ToolConfig"),
        _f("safetySettings", MESSAGE, "SafetySetting", rep=True),
        _f("generationConfig", MESSAGE, "GenerationConfig"),
        _f("cachedContent", STRING),
        # Top-level fields google-genai 3.x puts beside generationConfig (models.py,
        # _GenerateContentConfig_to_mldev: serviceTier, store, labels, continuationToken, modelArmorConfig).
        _f("serviceTier", ENUM, "ServiceTier"),
        _f("store", BOOL, only=_DEV),
        _f("labels", STRUCT),
        _f("continuationToken", BYTES),
        _f("modelArmorConfig", STRUCT, only=_VERTEX),
    ),
    "CountTokensRequest": _msg(
        _f("model", STRING),
        _f("contents", MESSAGE, "Content", rep=True),
        _f("generateContentRequest", MESSAGE, "GenerateContentRequest"),
    ),
    "EmbedContentRequest": _msg(
        _f("model", STRING),
        _f("content", MESSAGE, "Content"),
        _f("taskType", ENUM, "TaskType"),
        _f("title", STRING),
        _f("outputDimensionality", INT32),
    ),
    "BatchEmbedContentsRequest": _msg(
        _f("model", STRING),
        _f("requests", MESSAGE, "EmbedContentRequest", rep=True),
    ),
    # Vertex AI's countTokens (google/cloud/aiplatform/v1beta1/prediction_service.proto, CountTokensRequest).
    "VertexCountTokensRequest": _msg(
        _f("model", STRING),
        _f("contents", MESSAGE, "Content", rep=True),
        _f("systemInstruction", MESSAGE, "Content"),
        _f("tools", MESSAGE, "Tool", rep=True),
        _f("generationConfig", MESSAGE, "GenerationConfig"),
        _f("instances", VALUE, rep=True),
    ),
    # Vertex AI's embedding requests (google/cloud/aiplatform/v1beta1/prediction_service.proto; google-genai
    # models.py `_EmbedContentParametersPrivate_to_vertex` and `_EmbedContentConfig_to_vertex`).
    "VertexEmbedContentRequest": _msg(
        _f("model", STRING),
        _f("content", MESSAGE, "Content"),
        _f("embedContentConfig", MESSAGE, "VertexEmbedContentConfig"),
    ),
    "VertexEmbedContentConfig": _msg(
        _f("taskType", ENUM, "TaskType"),
        _f("title", STRING),
        _f("outputDimensionality", INT32),
        _f("autoTruncate", BOOL),
        _f("documentOcr", BOOL),
        _f("audioTrackExtraction", BOOL),
    ),
    "VertexBatchEmbedContentsRequest": _msg(_f("requests", MESSAGE, "VertexEmbedContentRequest", rep=True)),
    # predict: `instances` and `parameters` are google.protobuf.Value; the text embedding model reads these
    # (cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api).
    "PredictRequest": _msg(_f("instances", VALUE, rep=True), _f("parameters", VALUE)),
    "TextEmbeddingInstance": _msg(
        _f("content", STRING), _f("taskType", ENUM, "TaskType"), _f("title", STRING), _f("mimeType", STRING)
    ),
    "TextEmbeddingPredictParams": _msg(_f("outputDimensionality", INT32), _f("autoTruncate", BOOL)),
    "Content": _msg(_f("role", STRING), _f("parts", MESSAGE, "Part", rep=True)),
    "Part": _msg(
        _f("text", STRING, oneof=_DATA),
        _f("inlineData", MESSAGE, "Blob", oneof=_DATA),
        _f("fileData", MESSAGE, "FileData", oneof=_DATA),
        _f("functionCall", MESSAGE, "FunctionCall", oneof=_DATA),
        _f("functionResponse", MESSAGE, "FunctionResponse", oneof=_DATA),
        _f("executableCode", MESSAGE, "ExecutableCode", oneof=_DATA),
        _f("codeExecutionResult", MESSAGE, "CodeExecutionResult", oneof=_DATA),
        # Gemini 3 server-side tool invocations, replayed in history (realwire
        # pydantic-ai-test_google_model_file_search_grounding_gemini_3_False-1; google-genai types.ToolCall).
        _f("toolCall", MESSAGE, "ToolCall", oneof=_DATA, only=_DEV),
        _f("toolResponse", MESSAGE, "ToolResponse", oneof=_DATA, only=_DEV),
        _f("thought", BOOL),
        _f("thoughtSignature", BYTES),
        _f("videoMetadata", MESSAGE, "VideoMetadata", oneof="metadata"),
        _f("partMetadata", STRUCT, only=_DEV),
        _f("mediaResolution", MESSAGE, "PartMediaResolution"),
        # Agentic video understanding (google-genai types.Part.media_processing; langchain-google-genai 4.4.3's
        # published suite sends "AGENTIC" to gemini-3.7-flash). "Non-video parts ignore this field."
        _f("mediaProcessing", ENUM, "MediaProcessing"),
        _f("speechMetadata", STRUCT),  # google-genai _Part_to_mldev
        _f("audioMetadata", STRUCT),
    ),
    "ToolCall": _msg(_f("id", STRING), _f("toolType", ENUM, "ToolType"), _f("args", STRUCT)),
    "ToolResponse": _msg(_f("id", STRING), _f("toolType", ENUM, "ToolType"), _f("response", STRUCT)),
    "Blob": _msg(_f("mimeType", STRING), _f("data", BYTES)),
    "FileData": _msg(_f("mimeType", STRING), _f("fileUri", STRING)),
    "FunctionCall": _msg(
        _f("id", STRING),
        _f("name", STRING),
        _f("args", STRUCT),
        _f("partialArgs", VALUE, rep=True, only=_VERTEX),
        _f("willContinue", BOOL, only=_VERTEX),
    ),
    "FunctionResponse": _msg(
        _f("id", STRING),
        _f("name", STRING),
        _f("response", STRUCT),
        _f("parts", MESSAGE, "FunctionResponsePart", rep=True),
        _f("willContinue", BOOL, only=_DEV),
        _f("scheduling", ENUM, "Scheduling"),
    ),
    # fileData: realwire pydantic-ai-test_multimodal_tool_return_matrix_direct-uploaded_file-document-google_gemini3-2
    "FunctionResponsePart": _msg(
        _f("inlineData", MESSAGE, "Blob", oneof=_DATA),
        _f("fileData", MESSAGE, "FunctionResponseFileData", oneof=_DATA),
        _f("mediaResolution", MESSAGE, "PartMediaResolution"),
        _f("mediaProcessing", ENUM, "MediaProcessing"),  # google-genai types.FunctionResponsePart
    ),
    "FunctionResponseFileData": _msg(_f("fileUri", STRING), _f("mimeType", STRING), _f("displayName", STRING)),
    # `id` pairs code with its result on Gemini 3 (google-genai types.ExecutableCode.id / CodeExecutionResult.id).
    "ExecutableCode": _msg(_f("language", ENUM, "Language"), _f("code", STRING), _f("id", STRING)),
    "CodeExecutionResult": _msg(_f("outcome", ENUM, "Outcome"), _f("output", STRING), _f("id", STRING)),
    "VideoMetadata": _msg(_f("startOffset", DURATION), _f("endOffset", DURATION), _f("fps", DOUBLE)),
    # Per-part resolution (Gemini 3): its own level enum, which adds ULTRA_HIGH (google-genai PartMediaResolution).
    "PartMediaResolution": _msg(_f("level", ENUM, "PartMediaResolutionLevel"), _f("numTokens", INT32)),
    "Tool": _msg(
        _f("functionDeclarations", MESSAGE, "FunctionDeclaration", rep=True),
        _f("googleSearchRetrieval", MESSAGE, "GoogleSearchRetrieval"),
        _f("codeExecution", MESSAGE, "Empty"),
        _f("googleSearch", MESSAGE, "GoogleSearch"),
        _f("urlContext", MESSAGE, "Empty"),
        # realwire pydantic-ai-test_google_model_file_search_tool-0 (200), google-genai _Tool_to_mldev
        _f("fileSearch", MESSAGE, "FileSearch", only=_DEV),
        # Vertex's grounding tools (google-genai `_Tool_to_mldev` refuses them).
        _f("retrieval", STRUCT, only=_VERTEX),
        _f("enterpriseWebSearch", STRUCT, only=_VERTEX),
        _f("parallelAiSearch", STRUCT, only=_VERTEX),
        _f("exaAiSearch", STRUCT, only=_VERTEX),
        _f("googleMaps", MESSAGE, "GoogleMaps"),
        _f("computerUse", MESSAGE, "ComputerUse"),
        _f("mcpServers", STRUCT, rep=True),
    ),
    "Empty": {},
    "FileSearch": _msg(_f("fileSearchStoreNames", STRING, rep=True), _f("topK", INT32), _f("metadataFilter", STRING)),
    "GoogleMaps": _msg(_f("enableWidget", BOOL), _f("authConfig", STRUCT), _f("groundingTypes", STRUCT)),
    "ComputerUse": _msg(
        _f("environment", ENUM, "Environment"),
        _f("excludedPredefinedFunctions", STRING, rep=True),
        _f("enablePromptInjectionDetection", BOOL),
        _f("disabledSafetyPolicies", STRING, rep=True),
    ),
    "GoogleSearch": _msg(
        _f("timeRangeFilter", MESSAGE, "Interval"),
        _f("searchTypes", MESSAGE, "SearchTypes"),  # google-genai types.SearchTypes (web / image search)
        _f("excludeDomains", STRING, rep=True, only=_VERTEX),
        _f("blockingConfidence", STRING, only=_VERTEX),
    ),
    "SearchTypes": _msg(_f("webSearch", MESSAGE, "Empty"), _f("imageSearch", MESSAGE, "Empty")),
    "Interval": _msg(_f("startTime", STRING), _f("endTime", STRING)),
    "GoogleSearchRetrieval": _msg(_f("dynamicRetrievalConfig", MESSAGE, "DynamicRetrievalConfig")),
    "DynamicRetrievalConfig": _msg(_f("mode", ENUM, "DynamicMode"), _f("dynamicThreshold", FLOAT)),
    "FunctionDeclaration": _msg(
        _f("name", STRING),
        _f("description", STRING),
        _f("behavior", ENUM, "Behavior"),
        _f("parameters", MESSAGE, "Schema"),
        _f("parametersJsonSchema", VALUE),
        _f("response", MESSAGE, "Schema"),
        _f("responseJsonSchema", VALUE),
    ),
    # google.ai.generativelanguage.v1beta.Schema: the OpenAPI subset. JSON-Schema-only keywords such as
    # additionalProperties, $ref, $defs, oneOf, allOf or const are unknown names here, as on the real API.
    "Schema": _msg(
        _f("type", ENUM, "Type"),
        _f("format", STRING),
        _f("title", STRING),
        _f("description", STRING),
        _f("nullable", BOOL),
        _f("enum", STRING, rep=True),
        _f("items", MESSAGE, "Schema"),
        _f("maxItems", INT64),
        _f("minItems", INT64),
        _f("properties", MAP, "Schema"),
        _f("required", STRING, rep=True),
        _f("minProperties", INT64),
        _f("maxProperties", INT64),
        _f("minLength", INT64),
        _f("maxLength", INT64),
        _f("pattern", STRING),
        _f("example", VALUE),
        _f("anyOf", MESSAGE, "Schema", rep=True),
        _f("propertyOrdering", STRING, rep=True),
        _f("default", VALUE),
        _f("minimum", DOUBLE),
        _f("maximum", DOUBLE),
    ),
    "ToolConfig": _msg(
        _f("functionCallingConfig", MESSAGE, "FunctionCallingConfig"),
        _f("retrievalConfig", MESSAGE, "RetrievalConfig"),
        # Gemini 3 tool combination (built-in + function tools) asks for server-side invocations to be returned.
        _f("includeServerSideToolInvocations", BOOL, only=_DEV),
    ),
    "FunctionCallingConfig": _msg(
        _f("mode", ENUM, "Mode"),
        _f("allowedFunctionNames", STRING, rep=True),
        _f("streamFunctionCallArguments", BOOL, only=_VERTEX),
    ),
    "RetrievalConfig": _msg(_f("latLng", MESSAGE, "LatLng"), _f("languageCode", STRING)),
    "LatLng": _msg(_f("latitude", DOUBLE), _f("longitude", DOUBLE)),
    "SafetySetting": _msg(
        _f("category", ENUM, "HarmCategory"),
        _f("threshold", ENUM, "HarmBlockThreshold"),
        _f("method", STRING, only=_VERTEX),  # HarmBlockMethod: SEVERITY or PROBABILITY
    ),
    "GenerationConfig": _msg(
        _f("candidateCount", INT32),
        _f("stopSequences", STRING, rep=True),
        _f("maxOutputTokens", INT32),
        _f("temperature", FLOAT),
        _f("topP", FLOAT),
        _f("topK", INT32),
        _f("seed", INT32),
        _f("responseMimeType", STRING),
        _f("responseSchema", MESSAGE, "Schema"),
        _f("responseJsonSchema", VALUE),
        _f("presencePenalty", FLOAT),
        _f("frequencyPenalty", FLOAT),
        _f("responseLogprobs", BOOL),
        _f("logprobs", INT32),
        _f("enableEnhancedCivicAnswers", BOOL, only=_DEV),
        _f("responseModalities", ENUM, "Modality", rep=True),
        _f("speechConfig", MESSAGE, "SpeechConfig"),
        _f("thinkingConfig", MESSAGE, "ThinkingConfig"),
        _f("mediaResolution", ENUM, "MediaResolution"),
        _f("imageConfig", MESSAGE, "ImageConfig"),
        _f("audioTranscriptionConfig", STRUCT),  # google-genai _GenerateContentConfig_to_mldev
        _f("audioTimestamp", BOOL, only=_VERTEX),
        _f("routingConfig", STRUCT, only=_VERTEX),
        _f("modelSelectionConfig", STRUCT, only=_VERTEX),
    ),
    "ThinkingConfig": _msg(
        _f("includeThoughts", BOOL), _f("thinkingBudget", INT32), _f("thinkingLevel", ENUM, "ThinkingLevel")
    ),
    "ImageConfig": _msg(
        _f("aspectRatio", STRING),
        _f("imageSize", STRING),
        _f("personGeneration", STRING, only=_VERTEX),
        _f("prominentPeople", STRING, only=_VERTEX),
        _f("outputMimeType", STRING, only=_VERTEX),
        _f("outputCompressionQuality", INT32, only=_VERTEX),
        _f("imageOutputOptions", STRUCT, only=_VERTEX),
    ),
    "SpeechConfig": _msg(
        _f("voiceConfig", MESSAGE, "VoiceConfig"),
        _f("multiSpeakerVoiceConfig", MESSAGE, "MultiSpeakerVoiceConfig"),
        _f("languageCode", STRING),
    ),
    "VoiceConfig": _msg(_f("prebuiltVoiceConfig", MESSAGE, "PrebuiltVoiceConfig")),
    "PrebuiltVoiceConfig": _msg(_f("voiceName", STRING)),
    "MultiSpeakerVoiceConfig": _msg(_f("speakerVoiceConfigs", MESSAGE, "SpeakerVoiceConfig", rep=True)),
    "SpeakerVoiceConfig": _msg(_f("speaker", STRING), _f("voiceConfig", MESSAGE, "VoiceConfig")),
    # media.upload / files.create: `{"file": File}`. Output-only File fields are accepted and ignored, as the
    # transcoder accepts any known field.
    "CreateFileRequest": _msg(_f("file", MESSAGE, "File")),
    "File": _msg(
        _f("name", STRING),
        _f("displayName", STRING),
        _f("mimeType", STRING),
        _f("sizeBytes", INT64),
        _f("createTime", STRING),
        _f("updateTime", STRING),
        _f("expirationTime", STRING),
        _f("sha256Hash", BYTES),
        _f("uri", STRING),
        _f("downloadUri", STRING),
        _f("state", ENUM, "FileState"),
        _f("source", ENUM, "FileSource"),
        _f("error", STRUCT),
        _f("videoMetadata", STRUCT),
    ),
}

# Enum values in proto number order (the JSON transcoder also accepts the number).
ENUMS: dict[str, tuple[str, ...]] = {
    "Type": ("TYPE_UNSPECIFIED", "STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"),
    "HarmCategory": (
        "HARM_CATEGORY_UNSPECIFIED",
        "HARM_CATEGORY_DEROGATORY",
        "HARM_CATEGORY_TOXICITY",
        "HARM_CATEGORY_VIOLENCE",
        "HARM_CATEGORY_SEXUAL",
        "HARM_CATEGORY_MEDICAL",
        "HARM_CATEGORY_DANGEROUS",
        "HARM_CATEGORY_HARASSMENT",
        "HARM_CATEGORY_HATE_SPEECH",
        "HARM_CATEGORY_SEXUALLY_EXPLICIT",
        "HARM_CATEGORY_DANGEROUS_CONTENT",
        "HARM_CATEGORY_CIVIC_INTEGRITY",
    ),
    "HarmBlockThreshold": (
        "HARM_BLOCK_THRESHOLD_UNSPECIFIED",
        "BLOCK_LOW_AND_ABOVE",
        "BLOCK_MEDIUM_AND_ABOVE",
        "BLOCK_ONLY_HIGH",
        "BLOCK_NONE",
        "OFF",
    ),
    "Mode": ("MODE_UNSPECIFIED", "AUTO", "ANY", "NONE", "VALIDATED"),
    "DynamicMode": ("MODE_UNSPECIFIED", "MODE_DYNAMIC"),
    "TaskType": (
        "TASK_TYPE_UNSPECIFIED",
        "RETRIEVAL_QUERY",
        "RETRIEVAL_DOCUMENT",
        "SEMANTIC_SIMILARITY",
        "CLASSIFICATION",
        "CLUSTERING",
        "QUESTION_ANSWERING",
        "FACT_VERIFICATION",
        "CODE_RETRIEVAL_QUERY",
    ),
    "Modality": ("MODALITY_UNSPECIFIED", "TEXT", "IMAGE", "AUDIO"),
    "MediaResolution": (
        "MEDIA_RESOLUTION_UNSPECIFIED",
        "MEDIA_RESOLUTION_LOW",
        "MEDIA_RESOLUTION_MEDIUM",
        "MEDIA_RESOLUTION_HIGH",
    ),
    "PartMediaResolutionLevel": (
        "MEDIA_RESOLUTION_UNSPECIFIED",
        "MEDIA_RESOLUTION_LOW",
        "MEDIA_RESOLUTION_MEDIUM",
        "MEDIA_RESOLUTION_HIGH",
        "MEDIA_RESOLUTION_ULTRA_HIGH",
    ),
    "ThinkingLevel": ("THINKING_LEVEL_UNSPECIFIED", "MINIMAL", "LOW", "MEDIUM", "HIGH"),
    "FileState": ("STATE_UNSPECIFIED", "PROCESSING", "ACTIVE", "FAILED"),
    "FileSource": ("SOURCE_UNSPECIFIED", "UPLOADED", "GENERATED", "REGISTERED"),
    "Language": ("LANGUAGE_UNSPECIFIED", "PYTHON"),
    "Outcome": ("OUTCOME_UNSPECIFIED", "OUTCOME_OK", "OUTCOME_FAILED", "OUTCOME_DEADLINE_EXCEEDED"),
    "Behavior": ("UNSPECIFIED", "BLOCKING", "NON_BLOCKING"),
    "Scheduling": ("SCHEDULING_UNSPECIFIED", "SILENT", "WHEN_IDLE", "INTERRUPT"),
    # Lower case is the canonical spelling: Google answers `"serviceTier": "standard"` (realwire
    # pydantic-ai-test_google_model_gemini_3_5_flash) and google-genai's types.ServiceTier sends these.
    "ServiceTier": ("unspecified", "standard", "flex", "priority"),
    "MediaProcessing": ("MEDIA_PROCESSING_UNSPECIFIED", "STATIC", "AGENTIC"),
    "ToolType": (
        "TOOL_TYPE_UNSPECIFIED",
        "GOOGLE_SEARCH_WEB",
        "GOOGLE_SEARCH_IMAGE",
        "URL_CONTEXT",
        "GOOGLE_MAPS",
        "FILE_SEARCH",
        "MEDIA_PROCESSING",
    ),
    "Environment": ("ENVIRONMENT_UNSPECIFIED", "ENVIRONMENT_BROWSER", "ENVIRONMENT_MOBILE", "ENVIRONMENT_DESKTOP"),
}

# Enum names are matched without regard to case, as Google's transcoder does: schema types appear in both cases
# in Google's own samples ("object" in [001] Python, "OBJECT" in JS/[004]), the docs' REST samples send
# lowercase thinking levels ("low"/"high"), functionCallingConfig.mode "any" / "none" were answered 200, and
# google-genai's enums are all `CaseInSensitiveEnum`s sent as the user spelled them. Unknown names still fail.
ENUM_LOOKUP: dict[str, dict[str, str]] = {enum: {name.upper(): name for name in names} for enum, names in ENUMS.items()}

TYPE_NAMES = {
    STRING: "TYPE_STRING",
    INT32: "TYPE_INT32",
    INT64: "TYPE_INT64",
    FLOAT: "TYPE_FLOAT",
    DOUBLE: "TYPE_DOUBLE",
    BOOL: "TYPE_BOOL",
    BYTES: "TYPE_BYTES",
    STRUCT: "type.googleapis.com/google.protobuf.Struct",
    DURATION: "type.googleapis.com/google.protobuf.Duration",
}


def type_name(field: Field, package: str = _PACKAGE) -> str:
    """The type label Google prints in "Invalid value at '<path>' (<label>), <value>" errors."""
    if field.kind in (ENUM, MESSAGE, MAP):
        return package + field.ref
    return TYPE_NAMES.get(field.kind, field.kind)


def _for_backend(backend: str) -> dict[str, dict[str, Field]]:
    return {
        name: {key: f for key, f in table.items() if f.backend in ("", backend)}
        for name, table in _ALL_MESSAGES.items()
    }


MESSAGES: dict[str, dict[str, Field]] = _for_backend(_DEV)
"""The Gemini Developer API's request messages."""
VERTEX_MESSAGES: dict[str, dict[str, Field]] = _for_backend(_VERTEX)
"""Vertex AI's: the same messages, less the Developer-only fields, plus Vertex's own."""
VERTEX_PACKAGE = "type.googleapis.com/google.cloud.aiplatform.v1beta1."
"""Where Vertex's messages live, as its transcoder names them in errors."""
