"""Gemini -> LangChain: responses and stream events become messages, chunks and usage (pure functions).

Content shape: when a candidate holds only answer text, `content` is that text, the parts joined exactly (no
stripping). Otherwise `content` is a list of blocks in part order: `{"type": "text"}` for text and
`{"type": "thinking"}` for thought summaries, each carrying its `thoughtSignature`, in the shapes langchain-core's
`google_genai` block translator reads, so `content_blocks` yields standard blocks.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, InvalidToolCall, ToolCall
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_gemini._replay import FUNCTION_CALL_SIGNATURES_KEY
from langchain_gemini._response_check import check_event, check_response
from langchain_gemini._text_chunks import text_chunk
from langchain_gemini._translator import MODEL_PROVIDER
from langchain_gemini._wire import Candidate, GenerateContentResponse, Part

logger = logging.getLogger("langchain_gemini")


# Finish reasons that end an answer early or empty; they are logged so a short answer is never unexplained.
_NOTABLE_FINISH_REASONS = frozenset(
    {
        "MAX_TOKENS",
        "SAFETY",
        "RECITATION",
        "LANGUAGE",
        "OTHER",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "MALFORMED_FUNCTION_CALL",
        "IMAGE_SAFETY",
        "UNEXPECTED_TOOL_CALL",
        "TOO_MANY_TOOL_CALLS",
    }
)
# Candidate fields kept in response_metadata (snake_cased) when the API returns them.
_CANDIDATE_METADATA = (
    "safetyRatings",
    "citationMetadata",
    "groundingMetadata",
    "urlContextMetadata",
    "finishMessage",
    "avgLogprobs",
    "logprobsResult",
    "continuationToken",
)
_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")


def snake_case(name: str) -> str:
    """`blockReason` -> `block_reason`."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def snake_case_keys(value: Any) -> Any:
    """Recursively rename camelCase dict keys to snake_case."""
    if isinstance(value, dict):
        return {snake_case(key): snake_case_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [snake_case_keys(item) for item in value]
    return value


def model_name(body: GenerateContentResponse, requested_model: str) -> str:
    """The served model version when the API reports it, else the requested model without `models/`."""
    return body.get("modelVersion") or requested_model.removeprefix("models/")


def usage_metadata(body: GenerateContentResponse) -> UsageMetadata | None:
    """LangChain usage from Gemini's `usageMetadata`; thoughts count as output, tool-use prompts as input."""
    usage = body.get("usageMetadata")
    if not usage:
        return None
    prompt = usage.get("promptTokenCount", 0) + usage.get("toolUsePromptTokenCount", 0)
    thoughts = usage.get("thoughtsTokenCount", 0)
    output = usage.get("candidatesTokenCount", 0) + thoughts
    result = UsageMetadata(
        input_tokens=prompt,
        output_tokens=output,
        total_tokens=usage.get("totalTokenCount", prompt + output),
    )
    # Gemini omits counts that are zero. Cache reads and reasoning are reported as 0 rather than left out, as
    # langchain-openai always sets them, so code written for any provider can read them without a KeyError.
    input_details = InputTokenDetails(cache_read=usage.get("cachedContentTokenCount", 0))
    if audio_in := _modality_tokens(usage.get("promptTokensDetails"), "AUDIO"):
        input_details["audio"] = audio_in
    output_details = OutputTokenDetails(reasoning=thoughts)
    if audio_out := _modality_tokens(usage.get("candidatesTokensDetails"), "AUDIO"):
        output_details["audio"] = audio_out
    result["input_token_details"] = input_details
    result["output_token_details"] = output_details
    return result


def _modality_tokens(details: list[dict[str, Any]] | None, modality: str) -> int:
    return sum(int(item.get("tokenCount", 0)) for item in details or [] if item.get("modality") == modality)


def candidate_metadata(candidate: Candidate) -> dict[str, Any]:
    """finish_reason plus the optional candidate fields, snake_cased."""
    metadata: dict[str, Any] = {}
    if finish := candidate.get("finishReason"):
        metadata["finish_reason"] = finish
    for key in _CANDIDATE_METADATA:
        if key in candidate:
            metadata[snake_case(key)] = snake_case_keys(candidate[key])  # type: ignore[literal-required]
    if "logprobsResult" in candidate:
        metadata["logprobs"] = {"content": openai_logprobs(candidate["logprobsResult"])}
    return metadata


def _token_logprob(item: Any) -> dict[str, Any]:
    token = str(item.get("token", "")) if isinstance(item, dict) else ""
    logprob = item.get("logProbability", 0.0) if isinstance(item, dict) else 0.0
    return {"token": token, "bytes": list(token.encode("utf-8")), "logprob": float(logprob)}


def openai_logprobs(result: Any) -> list[dict[str, Any]]:
    """Gemini's `logprobsResult` in langchain-openai's `response_metadata["logprobs"]["content"]` shape.

    One entry per chosen token, `{"token", "bytes", "logprob", "top_logprobs": [{"token", "bytes", "logprob"}]}`
    (the OpenAI chat completion `logprobs.content` format); `top_logprobs` is empty unless `logprobs` was set.
    """
    if not isinstance(result, dict):
        return []
    chosen = result.get("chosenCandidates") or []
    top = result.get("topCandidates") or []
    entries = []
    for position, item in enumerate(chosen if isinstance(chosen, list) else []):
        alternatives = (
            top[position].get("candidates", []) if position < len(top) and isinstance(top[position], dict) else []
        )
        entries.append({**_token_logprob(item), "top_logprobs": [_token_logprob(alt) for alt in alternatives]})
    return entries


def response_metadata(body: GenerateContentResponse, requested_model: str) -> dict[str, Any]:
    """Response-level metadata: provider, served model, response id and prompt feedback."""
    metadata: dict[str, Any] = {
        "model_provider": MODEL_PROVIDER,
        "model_name": model_name(body, requested_model),
    }
    if response_id := body.get("responseId"):
        metadata["response_id"] = response_id
    if feedback := body.get("promptFeedback"):
        metadata["prompt_feedback"] = snake_case_keys(feedback)
    return metadata


def _explain_empty_or_cut(body: GenerateContentResponse, metadata: dict[str, Any]) -> None:
    feedback = body.get("promptFeedback") or {}
    if block_reason := feedback.get("blockReason"):
        logger.warning("Gemini blocked the prompt (block_reason=%s); the answer is empty", block_reason)
    finish = metadata.get("finish_reason")
    if finish in _NOTABLE_FINISH_REASONS:
        logger.warning("Gemini stopped early (finish_reason=%s)", finish)


@dataclass
class _ConvertedParts:
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    plain: bool = True
    tool_calls: list[dict[str, Any]] = field(default_factory=list)

    def content(self) -> str | list[str | dict[str, Any]]:
        return self.text if self.plain else list(self.blocks)


def _executable_code_block(part: Part) -> dict[str, Any]:
    code = part["executableCode"]
    block = {
        "type": "executable_code",
        "executable_code": code.get("code", ""),
        "language": code.get("language", "PYTHON"),
    }
    # Gemini 3 numbers code runs; Google's clients send the id back with the part, so it is kept for replay.
    return {**block, "id": code["id"]} if "id" in code else block


def _code_result_block(part: Part) -> dict[str, Any]:
    result = part["codeExecutionResult"]
    block = {
        "type": "code_execution_result",
        "code_execution_result": result.get("output", ""),
        "outcome": result.get("outcome", "OUTCOME_UNSPECIFIED"),
    }
    return {**block, "id": result["id"]} if "id" in result else block


def _server_tool_call_block(part: Part) -> dict[str, Any]:
    # Gemini 3 server-side tool invocations (ai.google.dev/gemini-api/docs/tool-combination): the raw `toolCall`
    # rides in extras so replay sends exactly what the API sent.
    call: dict[str, Any] = part["toolCall"]  # type: ignore[typeddict-item]
    return {
        "type": "server_tool_call",
        "id": str(call.get("id", "")),
        "name": str(call.get("toolType", "tool")).lower(),
        "args": call.get("args") or {},
        "extras": {"tool_call": call},
    }


def _server_tool_result_block(part: Part) -> dict[str, Any]:
    response: dict[str, Any] = part["toolResponse"]  # type: ignore[typeddict-item]
    block: dict[str, Any] = {
        "type": "server_tool_result",
        "tool_call_id": str(response.get("id", "")),
        "status": "success",
        "extras": {"tool_response": response},
    }
    if "response" in response:
        block["output"] = response["response"]
    return block


def _media_block(part: Part) -> dict[str, Any]:
    from langchain_gemini._media_output import media_output_block  # only answers with media need it

    return media_output_block(part)


# Part field -> content block. Parts of any other kind are kept whole as `non_standard` blocks, so nothing the API
# returns is lost, and they are sent back unchanged when the message is replayed.
PART_CONVERTERS: dict[str, Callable[[Part], dict[str, Any]]] = {
    "executableCode": _executable_code_block,
    "codeExecutionResult": _code_result_block,
    "toolCall": _server_tool_call_block,
    "toolResponse": _server_tool_result_block,
    "inlineData": _media_block,
    "fileData": _media_block,
}


def _block_for(part: Part) -> dict[str, Any]:
    if part.get("thought") and "text" in part:
        block: dict[str, Any] = {"type": "thinking", "thinking": part["text"]}
        if signature := part.get("thoughtSignature"):
            block["signature"] = signature
        return block
    if "text" in part:
        block = {"type": "text", "text": part["text"]}
    else:
        kind = next((key for key in PART_CONVERTERS if key in part), None)
        block = PART_CONVERTERS[kind](part) if kind else {"type": "non_standard", "value": dict(part)}
    if (signature := part.get("thoughtSignature")) and block["type"] != "non_standard":
        block["extras"] = {**block.get("extras", {}), "signature": signature}
    return block


def convert_parts(parts: list[Part]) -> _ConvertedParts:
    """Sort parts into answer text, content blocks (one per non-call part, in order) and raw function calls."""
    result = _ConvertedParts()
    for part in parts:
        if "functionCall" in part:
            signature = part.get("thoughtSignature")
            result.tool_calls.append({**part["functionCall"], **({"thoughtSignature": signature} if signature else {})})
            continue
        block = _block_for(part)
        if block["type"] == "text" and not part.get("thought"):
            result.text += block["text"]
        if block["type"] != "text" or "extras" in block:
            result.plain = False
        result.blocks.append(block)
    return result


def _parts_of(candidate: Candidate) -> list[Part]:
    content = candidate.get("content")
    return (content.get("parts") if content else None) or []


def _tool_call_id(call: dict[str, Any]) -> str:
    # Gemini omits ids on generateContent calls; LangChain needs one to pair results with calls.
    return str(call.get("id") or uuid.uuid4())


def _calls_and_signatures(
    raw_calls: list[dict[str, Any]],
) -> tuple[list[ToolCall], list[InvalidToolCall], dict[str, str]]:
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    signatures: dict[str, str] = {}
    for raw in raw_calls:
        call_id = _tool_call_id(raw)
        args = raw.get("args", {})
        if isinstance(args, dict):
            calls.append(tool_call(name=raw.get("name", ""), args=args, id=call_id))
        else:
            error = f"arguments must be a JSON object, got {type(args).__name__}"
            invalid.append(invalid_tool_call(name=raw.get("name"), args=json.dumps(args), id=call_id, error=error))
        if signature := raw.get("thoughtSignature"):
            signatures[call_id] = signature
    return calls, invalid, signatures


def candidate_message(candidate: Candidate) -> AIMessage:
    """One candidate as an AIMessage (content and tool calls; metadata is added by the caller)."""
    converted = convert_parts(_parts_of(candidate))
    calls, invalid, signatures = _calls_and_signatures(converted.tool_calls)
    additional = {FUNCTION_CALL_SIGNATURES_KEY: signatures} if signatures else {}
    return AIMessage(
        content=converted.content(), tool_calls=calls, invalid_tool_calls=invalid, additional_kwargs=additional
    )


def to_chat_result(body: GenerateContentResponse, requested_model: str) -> ChatResult:
    """A whole generateContent response as a ChatResult, one generation per candidate.

    Raises:
        GeminiResponseValidationError: A field the conversion reads has the wrong type.
    """
    body = check_response(body)
    shared = response_metadata(body, requested_model)
    usage = usage_metadata(body)
    candidates = body.get("candidates") or []
    if not candidates:
        _explain_empty_or_cut(body, shared)
        message = AIMessage("", response_metadata=shared, usage_metadata=usage, id=body.get("responseId"))
        return ChatResult(generations=[ChatGeneration(message=message)])
    generations = []
    for position, candidate in enumerate(candidates):
        message = candidate_message(candidate)
        message.response_metadata = {**shared, **candidate_metadata(candidate)}
        _explain_empty_or_cut(body, message.response_metadata)
        if position == 0:
            message.usage_metadata = usage  # usage covers the whole response: count it once
        message.id = body.get("responseId")
        generations.append(ChatGeneration(message=message))
    return ChatResult(generations=generations)


@dataclass
class StreamState:
    """What a stream has seen so far; Gemini repeats cumulative usage and metadata on every event."""

    requested_model: str
    last_body: GenerateContentResponse = field(default_factory=dict)  # type: ignore[assignment]
    candidate: Candidate = field(default_factory=dict)  # type: ignore[assignment]
    calls_seen: int = 0
    logprobs: list[dict[str, Any]] = field(default_factory=list)  # every event's tokens, in the OpenAI shape
    # Once a block other than plain text appears, chunks carry block lists so they merge by index.
    list_mode: bool = False
    block_index: int = -1
    previous_block: tuple[str, bool] | None = None

    def index_block(self, block: dict[str, Any]) -> dict[str, Any]:
        """Give a block the stream index it merges under.

        Consecutive text (or thinking) blocks share an index, so streamed text merges into one block. Other blocks,
        and any block carrying a thought signature, get their own: merging concatenates strings, which would corrupt
        code, results and signatures.
        """
        signed = "signature" in block or "signature" in block.get("extras", {})
        key = (str(block["type"]), signed)
        mergeable = key[0] in {"text", "thinking"} and not signed
        if self.previous_block is None or not mergeable or self.previous_block[1] or key != self.previous_block:
            self.block_index += 1
        self.previous_block = key
        return {**block, "index": self.block_index}


def _plain_text(parts: list[Part]) -> str | None:
    """The text of parts that are all plain answer text (`{"text": ...}` alone), else None."""
    if len(parts) == 1:  # nearly every stream event
        part = parts[0]
        return part["text"] if len(part) == 1 and "text" in part else None
    if all(len(part) == 1 and "text" in part for part in parts):
        return "".join(part["text"] for part in parts)
    return None


def to_chunk(event: GenerateContentResponse, state: StreamState) -> ChatGenerationChunk | None:
    """The new content of one stream event, or None when it carries only metadata.

    Raises:
        GeminiResponseValidationError: A field the conversion reads has the wrong type.
    """
    state.last_body = check_event(event)
    candidates = event.get("candidates")
    if not candidates:
        return None
    candidate = candidates[0]
    state.candidate.update(candidate)  # the latest finish reason and metadata; content is taken per event below
    state.candidate.pop("content", None)
    if "logprobsResult" in candidate:  # each event carries the log probabilities of its own tokens
        state.logprobs.extend(openai_logprobs(candidate["logprobsResult"]))
    parts = _parts_of(candidate)
    if not state.list_mode and (text := _plain_text(parts)) is not None:
        # The common event, plain answer text: nothing to sort, index or sign.
        return text_chunk(text, event.get("responseId")) if text else None
    converted = convert_parts(parts)
    state.list_mode = state.list_mode or not converted.plain
    chunks = []
    signatures: dict[str, str] = {}
    for call in converted.tool_calls:
        call_id = _tool_call_id(call)
        chunks.append(
            tool_call_chunk(name=call.get("name"), args=_json(call.get("args", {})), id=call_id, index=state.calls_seen)
        )
        if signature := call.get("thoughtSignature"):
            signatures[call_id] = signature
        state.calls_seen += 1
    content: str | list[str | dict[str, Any]]
    if state.list_mode:
        content = [state.index_block(block) for block in converted.blocks]
    else:
        content = converted.text
    if not content and not chunks:
        return None
    additional = {FUNCTION_CALL_SIGNATURES_KEY: signatures} if signatures else {}
    message = AIMessageChunk(
        content=content, tool_call_chunks=chunks, additional_kwargs=additional, id=event.get("responseId")
    )
    return ChatGenerationChunk(message=message)


def final_chunk(state: StreamState) -> ChatGenerationChunk:
    """The closing chunk: usage, finish reason and metadata, exactly once for the whole stream.

    A stream that ends without a finish reason never gets here: the client raises `GeminiStreamError` for it.

    Raises:
        GeminiResponseValidationError: A field of the last event (usage, feedback, model version) has the wrong type.
    """
    check_response(state.last_body)
    metadata = {
        **response_metadata(state.last_body, state.requested_model),
        **candidate_metadata(state.candidate),
    }
    if state.logprobs:
        metadata["logprobs"] = {"content": state.logprobs}
    _explain_empty_or_cut(state.last_body, metadata)
    message = AIMessageChunk(
        content="",
        response_metadata=metadata,
        usage_metadata=usage_metadata(state.last_body),
        id=state.last_body.get("responseId"),
        chunk_position="last",
    )
    return ChatGenerationChunk(message=message)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
