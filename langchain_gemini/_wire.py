"""TypedDicts of the Gemini REST wire format (v1beta, JSON names). Types only, no logic.

Field names follow the proto3 JSON mapping (lowerCamelCase). Every field of a response is optional: proto3 omits
zero and default values.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

Role = Literal["user", "model"]
# The two forms a tool or response schema can take on the wire, and the user's choice between them.
SchemaMode = Literal["json_schema", "openapi"]
SchemaOverride = Literal["auto", "json_schema", "openapi"]


class Blob(TypedDict):
    mimeType: str
    data: str  # base64


class FileData(TypedDict):
    fileUri: str
    mimeType: NotRequired[str]


class FunctionCall(TypedDict):
    name: str
    args: NotRequired[dict[str, Any]]
    id: NotRequired[str]


class FunctionResponse(TypedDict):
    name: str
    response: dict[str, Any]
    id: NotRequired[str]


class Part(TypedDict, total=False):
    text: str
    inlineData: Blob
    fileData: FileData
    functionCall: FunctionCall
    functionResponse: FunctionResponse
    executableCode: dict[str, Any]
    codeExecutionResult: dict[str, Any]
    thought: bool
    thoughtSignature: str  # base64
    videoMetadata: dict[str, Any]


class Content(TypedDict):
    parts: list[Part]
    role: NotRequired[Role]


class SafetySetting(TypedDict):
    category: str
    threshold: str


class GenerationConfig(TypedDict, total=False):
    stopSequences: list[str]
    responseMimeType: str
    responseSchema: dict[str, Any]
    responseJsonSchema: dict[str, Any]
    candidateCount: int
    maxOutputTokens: int
    temperature: float
    topP: float
    topK: int
    seed: int
    presencePenalty: float
    frequencyPenalty: float
    responseLogprobs: bool
    logprobs: int
    responseModalities: list[str]
    thinkingConfig: dict[str, Any]
    speechConfig: dict[str, Any]
    mediaResolution: str
    imageConfig: dict[str, Any]
    enableEnhancedCivicAnswers: bool
    audioTranscriptionConfig: dict[str, Any]
    audioTimestamp: bool


class ThinkingConfig(TypedDict, total=False):
    includeThoughts: bool
    thinkingBudget: int
    thinkingLevel: str


class ToolConfig(TypedDict, total=False):
    functionCallingConfig: dict[str, Any]
    retrievalConfig: dict[str, Any]
    includeServerSideToolInvocations: bool


class GenerateContentRequest(TypedDict, total=False):
    contents: list[Content]
    systemInstruction: Content
    tools: list[dict[str, Any]]
    toolConfig: ToolConfig
    safetySettings: list[SafetySetting]
    generationConfig: GenerationConfig
    cachedContent: str
    # Request-level on the Developer API (google-genai's _GenerateContentConfig_to_mldev moves them here).
    serviceTier: str
    labels: dict[str, str]
    store: bool
    continuationToken: str


class UsageMetadata(TypedDict, total=False):
    promptTokenCount: int
    cachedContentTokenCount: int
    candidatesTokenCount: int
    toolUsePromptTokenCount: int
    thoughtsTokenCount: int
    totalTokenCount: int
    promptTokensDetails: list[dict[str, Any]]
    candidatesTokensDetails: list[dict[str, Any]]
    cacheTokensDetails: list[dict[str, Any]]
    toolUsePromptTokensDetails: list[dict[str, Any]]


class Candidate(TypedDict, total=False):
    content: Content
    finishReason: str
    finishMessage: str
    safetyRatings: list[dict[str, Any]]
    citationMetadata: dict[str, Any]
    groundingMetadata: dict[str, Any]
    urlContextMetadata: dict[str, Any]
    avgLogprobs: float
    logprobsResult: dict[str, Any]
    tokenCount: int
    index: int
    continuationToken: str


class GenerateContentResponse(TypedDict, total=False):
    candidates: list[Candidate]
    promptFeedback: dict[str, Any]
    usageMetadata: UsageMetadata
    modelVersion: str
    responseId: str
