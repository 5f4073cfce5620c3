"""Default answers to generateContent: deterministic, plausible, and shaped like the real API's.

* Text: a short reply quoting the last user text and an 8-hex digest of the request body, so tests can tell
  requests apart; the same request always gets the same reply.
* Thinking models report `thoughtsTokenCount` unless thinking is off, and put a `{"text": ..., "thought": true}`
  summary part first when `includeThoughts` is true. `maxOutputTokens` covers thoughts and answer together, so a
  small limit can leave no answer text (finishReason MAX_TOKENS), as on the real 2.5 models.
* `stopSequences` truncate before the earliest match (finishReason STOP); `maxOutputTokens` truncates at 4 chars
  per token (MAX_TOKENS); `candidateCount` > 1 gives that many candidates, each with its `index`.
* `responseMimeType` application/json gives JSON valid against the schema (`_schema_gen`); text/x.enum one enum
  value. Tools follow `_responder`; built-in tools (`googleSearch`, `codeExecution`, `urlContext`) follow
  `_builtin`. Image models add a real PNG (`_media_out`, sized by `imageConfig.aspectRatio`, drawn from the
  prompt, with a thought signature) when IMAGE is requested; TTS models answer with 24 kHz 16-bit PCM.
* Thought signatures (`_signatures`) go where the model family puts them (see `_sign`).
* Magic phrases anywhere in the prompt's text trigger the outcomes a client must handle (see `TRIGGERS`).
* The shape of recorded answers (realwire): every candidate carries `index` (0 included), function-call
  answers `finishMessage` "Model generated function call(s).", `usageMetadata.serviceTier` the tier served
  ("standard" unless the request asked for another); Gemini 1.5 / 2.0 (`ModelInfo.legacy_answers`) instead omit
  `index` 0 and add `avgLogprobs` and `candidatesTokensDetails`. Every response has `modelVersion` (the model
  served: an alias reports its target) and `responseId`.
* `responseLogprobs` adds `avgLogprobs` and `logprobsResult` (`_logprobs`) to every candidate with answer text.
* `[emulator:long-answer:<N>]` (`LONG_ANSWER_TRIGGER`) asks for an answer of N tokens, returned in hops with
  `continuationToken`s on long-decode models (`_long_decode`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from langchain_gemini.testing._builtin import (
    agentic_videos,
    code_execution_parts,
    code_run_id,
    file_search_grounding,
    file_search_invocation,
    grounding,
    maps_grounding,
    media_invocation,
    search_invocation,
    tool_kinds,
    url_context,
    url_grounding,
    url_invocation,
)
from langchain_gemini.testing._logprobs import add_logprobs
from langchain_gemini.testing._long_decode import (
    Checkpoints,
    LongDecode,
    Position,
    asked_tokens,
    long_text,
    plan_hop,
)
from langchain_gemini.testing._media_out import PCM_MIME, PCM_RATE, image_b64, pcm_b64
from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._responder import function_calls, last_user_text, tool_result_reply
from langchain_gemini.testing._schema_gen import Hints, generate, json_without_schema
from langchain_gemini.testing._signatures import Signer, binding_of
from langchain_gemini.testing._tokens import AUDIO_TOKENS_PER_SECOND, IMAGE_TOKENS, Tally, prompt_tally, text_tokens

BLOCK_PROMPT_TRIGGER = "[emulator:block-prompt]"
"""In a prompt: HTTP 200 with no candidates and `promptFeedback.blockReason` SAFETY."""
SAFETY_TRIGGER = "[emulator:finish-safety]"
"""In a prompt: a candidate with finishReason SAFETY, safety ratings and no content."""
RECITATION_TRIGGER = "[emulator:finish-recitation]"
"""In a prompt: half the answer, finishReason RECITATION and citation metadata."""
MALFORMED_CALL_TRIGGER = "[emulator:finish-malformed-function-call]"
"""In a prompt: finishReason MALFORMED_FUNCTION_CALL with a finishMessage and no content."""

_OUTPUT_IMAGE_TOKENS = 1290  # "Output images up to 1024x1024px consume 1290 tokens" [001]
_DANGEROUS_HIGH = [
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
]


def all_text(request: dict[str, Any]) -> str:
    """Every text part of the request (contents and system instruction), joined."""
    contents = list(request.get("contents", ()))
    if "systemInstruction" in request:
        contents.append(request["systemInstruction"])
    return "\n".join(p.get("text", "") for c in contents for p in c.get("parts", ()))


def thinking_state(request: dict[str, Any], model: ModelInfo) -> tuple[bool, bool, int | None]:
    """(thinking on, include thoughts, budget) for a validated request."""
    config = request.get("generationConfig", {}).get("thinkingConfig", {})
    if not model.thinks:
        return False, False, None
    budget = config.get("thinkingBudget")
    level = config.get("thinkingLevel", "THINKING_LEVEL_UNSPECIFIED")
    if budget is None:
        on = model.thinks_by_default or level != "THINKING_LEVEL_UNSPECIFIED"
    else:
        on = budget != 0
    return on, on and bool(config.get("includeThoughts")), budget


@dataclass(frozen=True)
class _Turn:
    """What every candidate of one answer shares."""

    request: dict[str, Any]
    model: ModelInfo
    digest: str
    thoughts: int
    include_thoughts: bool
    prompt: str
    signer: Signer | None
    prompt_tokens: int
    long: LongDecode | None


def default_response(
    request: dict[str, Any],
    model: ModelInfo,
    digest: str,
    response_id: str,
    signer: Signer | None = None,
    *,
    long: LongDecode | None = None,
) -> dict[str, Any]:
    """The emulator's answer to a validated GenerateContentRequest.

    `signer` signs parts (None: no signatures); `long` is the request's long-decode context (None: a request that
    cannot be continued, such as a batch job's).
    """
    tally = prompt_tally(request)
    text = all_text(request)
    if BLOCK_PROMPT_TRIGGER in text:
        usage = {
            "promptTokenCount": tally.total,
            "totalTokenCount": tally.total,
            "promptTokensDetails": tally.details(),
        }
        feedback = {"blockReason": "SAFETY", "safetyRatings": _DANGEROUS_HIGH}
        return {
            "promptFeedback": feedback,
            "usageMetadata": usage,
            "modelVersion": model.version_served,
            "responseId": response_id,
        }
    thinking, include, budget = thinking_state(request, model)
    thoughts = 0
    if long is not None and long.resumed:  # thoughts, their summary and signature came with the first hop
        thinking = include = False
    if thinking:
        thoughts = 32 + int(digest, 16) % 96
        if budget is not None and budget > 0:
            thoughts = min(thoughts, budget)
        limit = request.get("generationConfig", {}).get("maxOutputTokens")
        if limit is not None:  # thoughts are paid from maxOutputTokens (realwire
            thoughts = min(thoughts, limit)  # pydantic-ai-test_google_model_max_tokens_thinking_model_empty_response)
    turn = _Turn(request, model, digest, thoughts, include, text, signer, tally.total, long)
    count = request.get("generationConfig", {}).get("candidateCount", 1)
    candidates = [_candidate(turn, index) for index in range(count)]
    usage = _usage(tally, candidates, thoughts)
    _tool_use(request, candidates, usage)
    _shape(request, model, candidates, usage)
    config = request.get("generationConfig", {})
    if config.get("responseLogprobs"):  # only models with `ModelInfo.logprobs` get here (`_output_rules.logprobs`)
        for candidate in candidates:
            add_logprobs(candidate, config.get("logprobs", 0), f"{digest}:{candidate.get('index', 0)}")
    return {
        "candidates": candidates,
        "usageMetadata": usage,
        "modelVersion": model.version_served,
        "responseId": response_id,
    }


def _candidate(turn: _Turn, index: int) -> dict[str, Any]:
    request, model = turn.request, turn.model
    if SAFETY_TRIGGER in turn.prompt:
        return _indexed({"finishReason": "SAFETY", "safetyRatings": _DANGEROUS_HIGH}, index)
    if MALFORMED_CALL_TRIGGER in turn.prompt:
        message = "Malformed function call: print(default_api.lookup(query='x'"
        malformed = {"content": {"role": "model"}, "finishReason": "MALFORMED_FUNCTION_CALL", "finishMessage": message}
        return _indexed(malformed, index)
    if model.output_modalities == ("AUDIO",):  # TTS: text in, audio only out
        parts = _media_parts(turn, "STOP", index)
        return _indexed({"content": {"parts": parts, "role": "model"}, "finishReason": "STOP"}, index)
    parts = []
    if turn.include_thoughts:
        said = len(last_user_text(request))
        summary = (
            f"**Answering the request**\n\nThe user wrote {said} characters; a short reply will do. [{turn.digest}]"
        )
        parts.append({"text": summary, "thought": True})
    calls = function_calls(request, model, f"{turn.digest}:{index}")
    if calls:
        parts.extend(calls)
        _sign(parts, turn, index)
        called: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "finishReason": "STOP"}
        if not model.legacy_answers:  # realwire: every 2.5 / 3 function-call answer, e.g. llm-gemini-test_tools-0
            called["finishMessage"] = "Model generated function call(s)."
        return _indexed(called, index)
    asked = asked_tokens(turn.prompt)
    if asked is not None:
        return _long_candidate(turn, parts, asked, index)
    answer, finish = _limited(_answer_text(request, turn.digest, index), request, turn.thoughts)
    if RECITATION_TRIGGER in turn.prompt:
        answer, finish = answer[: len(answer) // 2], "RECITATION"
    tools = tool_kinds(request)
    if request.get("generationConfig", {}).get("responseModalities") == ["IMAGE"]:
        answer = ""  # image-only output
    if answer and finish == "STOP":
        parts.extend(_answer_parts(turn, tools, answer, index))
    elif answer:
        parts.append({"text": answer})
    _sign(parts, turn, index)
    parts.extend(_media_parts(turn, finish, index))
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"} if parts else {"role": "model"}}
    candidate["finishReason"] = finish
    if finish == "RECITATION":
        source = {"startIndex": 0, "endIndex": len(answer.encode()), "uri": "https://example.com/recited-source"}
        candidate["citationMetadata"] = {"citationSources": [source]}
    _ground(candidate, parts, tools, turn)
    return _indexed(candidate, index)


def _long_candidate(turn: _Turn, parts: list[dict[str, Any]], asked: int, index: int) -> dict[str, Any]:
    """This request's hop of an answer of `asked` tokens (`_long_decode`); `parts` holds the thought summary."""
    long, model = turn.long, turn.model
    position = long.position if long is not None else Position()
    per_request = long.per_request if long is not None else None
    budget = turn.request.get("generationConfig", {}).get("maxOutputTokens")
    if per_request is not None:  # input and output share the context window (the Gemini 4 Argon guide)
        window = max(model.input_token_limit - turn.prompt_tokens, 0)
        budget = window if budget is None else min(budget, window)
    hop = plan_hop(
        asked,
        position,
        thoughts=turn.thoughts,
        per_request=per_request,
        budget=budget,
        output_limit=model.output_token_limit,
    )
    text = long_text(hop.start, hop.end)
    if text:
        parts.append({"text": text})
    _sign(parts, turn, index)
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"} if parts else {"role": "model"}}
    candidate["finishReason"] = hop.finish
    token = None
    if long is not None and hop.finish != "STOP":
        token = long.token(Position(sent=hop.end, spent=position.spent + turn.thoughts + hop.end - hop.start))
    if token is not None:
        candidate["continuationToken"] = token
    if long is not None and long.stream and long.per_request is not None and index == 0:
        # Taken off by the caller before anything is sent (`CHECKPOINTS_KEY`): placed once split into events
        candidate[CHECKPOINTS_KEY] = Checkpoints(long, Position(hop.start, position.spent + turn.thoughts))
    return _indexed(candidate, index)


CHECKPOINTS_KEY = "_checkpoints"
"""Where a streamed long-decode hop's candidate keeps its `Checkpoints` until the stream is split."""


def take_checkpoints(answer: dict[str, Any]) -> Checkpoints | None:
    """The `Checkpoints` of a default answer's first candidate, removed from it (None when it has none)."""
    candidates = answer.get("candidates") or []
    if not candidates:
        return None
    found = candidates[0].pop(CHECKPOINTS_KEY, None)
    return found if isinstance(found, Checkpoints) else None


def _answer_parts(turn: _Turn, tools: set[str], answer: str, index: int) -> list[dict[str, Any]]:
    """A finished answer: the built-in tools' runs (`_builtin`), then the text (around a code run)."""
    request, model = turn.request, turn.model
    invoked = bool(request.get("toolConfig", {}).get("includeServerSideToolInvocations") and model.combines_tools)
    asked, key = last_user_text(request), f"{turn.digest}:{index}"
    parts = media_invocation(key) if model.combines_tools and agentic_videos(request) else []
    if invoked:
        parts += _invocations(tools, asked, key)
    if "codeExecution" not in tools:
        return [*parts, {"text": answer}]
    run_id = code_run_id(key) if invoked else None
    return parts + code_execution_parts(asked, Hints(asked).quoted, answer, run_id)


def _invocations(tools: set[str], said: str, key: str) -> list[dict[str, Any]]:
    """The `toolCall` / `toolResponse` parts of the built-in tools that ran (`_builtin`, server-side invocations)."""
    parts: list[dict[str, Any]] = []
    if "googleSearch" in tools:
        parts += search_invocation(said, key)
    if "fileSearch" in tools:
        parts += file_search_invocation(key)
    if "urlContext" in tools:
        parts += url_invocation(said, key)
    return parts


def _sign(parts: list[dict[str, Any]], turn: _Turn, index: int) -> None:
    """Put thought signatures where the model family puts them (thought-signatures guide, "model behavior").

    Gemini 3 signs the first function call, else the last part, and never a thought summary (realwire: every
    recorded Gemini 3 answer with thought parts, e.g. pydantic-ai-test_google_model_thinking_part_iter). Gemini
    2.5 signs the first part of an answer with function calls ("regardless of type": the guide; no recording
    contradicts it), and the answer text after the turn's function responses (5 of the 10 recorded 2.5 text
    answers after function responses are signed). Only thinking answers carry signatures.
    """
    signer = turn.signer
    if signer is None or not turn.thoughts or not parts:
        return
    calls = [part for part in parts if "functionCall" in part]
    answers = [part for part in parts if not part.get("thought")]
    if turn.model.validates_thought_signatures:
        chosen = [calls[0]] if calls else answers[-1:]
    elif calls:
        chosen = parts[:1]
    else:
        last = (turn.request.get("contents") or [{}])[-1]
        after_results = any("functionResponse" in part for part in last.get("parts", ()))
        chosen = answers[-1:] if after_results else []
    # realwire pydantic-ai-test_thinking_with_native_tool_wire_contract_google: each toolCall / toolResponse is signed;
    # numbered code runs (server-side invocations, `_builtin`) are tool parts too
    chosen += [part for part in parts if "toolCall" in part or "toolResponse" in part or _numbered_code(part)]
    for position, part in enumerate(parts):
        if any(part is c for c in chosen):
            part["thoughtSignature"] = signer.issue(binding_of(part), f"{turn.digest}:{index}:{position}")


def _numbered_code(part: dict[str, Any]) -> bool:
    return any("id" in part.get(key, {}) for key in ("executableCode", "codeExecutionResult"))


def _ground(candidate: dict[str, Any], parts: list[dict[str, Any]], tools: set[str], turn: _Turn) -> None:
    """Grounding and URL-context metadata for built-in tools (`_builtin`).

    One source grounds an answer: Google Search, else File Search, else Google Maps, else the URLs read.
    """
    said, request = last_user_text(turn.request), turn.request
    if candidate["finishReason"] == "STOP":
        shown = "".join(p["text"] for p in parts if "text" in p and not p.get("thought"))
        metadata = None
        if "googleSearch" in tools and shown:
            metadata = grounding(shown, said)
        elif "fileSearch" in tools:
            metadata = file_search_grounding(shown, said, request)
        elif "googleMaps" in tools:
            metadata = maps_grounding(shown, said, request)
        elif "urlContext" in tools:
            metadata = url_grounding(shown, said)
        if metadata is not None:
            candidate["groundingMetadata"] = metadata
    if "urlContext" in tools:
        metadata = url_context(said)
        if metadata is not None:
            candidate["urlContextMetadata"] = metadata


def _limited(answer: str, request: dict[str, Any], thoughts: int) -> tuple[str, str]:
    """Apply stopSequences (STOP) and maxOutputTokens, which also pays for the thoughts (MAX_TOKENS)."""
    config = request.get("generationConfig", {})
    stop_at = _stop_index(answer, config.get("stopSequences", ()))
    if stop_at is not None:
        answer = answer[:stop_at]
    limit = config.get("maxOutputTokens")
    if limit is not None and text_tokens(answer) > limit - thoughts:
        return answer[: max(limit - thoughts, 0) * 4], "MAX_TOKENS"
    return answer, "STOP"


def _indexed(candidate: dict[str, Any], index: int) -> dict[str, Any]:
    candidate["index"] = index
    return candidate


def _shape(request: dict[str, Any], model: ModelInfo, candidates: list[dict[str, Any]], usage: dict[str, Any]) -> None:
    """The fields recorded answers carry beyond content and counts (see the module docstring)."""
    if not model.legacy_answers:
        usage["serviceTier"] = request.get("serviceTier", "standard")
        return
    for candidate in candidates:  # realwire gemini-2.0-flash answers: no index 0, avgLogprobs on each candidate
        if not candidate["index"]:
            del candidate["index"]
        produced = sum(output_tokens(p) for p in candidate.get("content", {}).get("parts", ()))
        if produced:
            candidate["avgLogprobs"] = -round(0.05 + 0.5 / (1 + produced), 6)
    if usage.get("candidatesTokenCount"):
        usage["candidatesTokensDetails"] = [{"modality": "TEXT", "tokenCount": usage["candidatesTokenCount"]}]


def _tool_use(request: dict[str, Any], candidates: list[dict[str, Any]], usage: dict[str, Any]) -> None:
    """Count what a search or URL tool fed back to the model as `toolUsePromptTokenCount` (in the total).

    Realwire: every recorded answer grounded by googleSearch, urlContext or fileSearch without server-side
    invocations carries `toolUsePromptTokenCount` and `toolUsePromptTokensDetails` (TEXT), counted in
    `totalTokenCount` (e.g. pydantic-ai-test_google_model_web_search_tool-0: 17 + 201 + 213 thoughts + 119 tool
    use = 550), on every stream event (pydantic-ai-test_google_model_web_search_tool_stream-0). With
    `includeServerSideToolInvocations` a Google Search's exchange is output (`toolCall` / `toolResponse` parts) and
    no tool-use count is sent (pydantic-ai-test_thinking_with_native_tool_wire_contract_google), while File Search
    still reports one (the four pydantic-ai-test_google_model_file_search_grounding_gemini_3_* recordings).
    """
    fed = Tally()
    invoked = request.get("toolConfig", {}).get("includeServerSideToolInvocations")
    if not (invoked and "googleSearch" in tool_kinds(request)):
        metadata = [c[key] for c in candidates for key in ("groundingMetadata", "urlContextMetadata") if key in c]
        if metadata:
            fed.add("TEXT", text_tokens(json.dumps(metadata, separators=(",", ":"), ensure_ascii=False)))
    if any(_is_media_call(p) for c in candidates for p in c.get("content", {}).get("parts", ())):
        fed.add("VIDEO", IMAGE_TOKENS * agentic_videos(request))  # the frames agentic processing loads (`_builtin`)
    if not fed.total:
        return
    usage["toolUsePromptTokenCount"] = fed.total
    usage["toolUsePromptTokensDetails"] = fed.details()
    usage["totalTokenCount"] += fed.total


def _is_media_call(part: dict[str, Any]) -> bool:
    return "toolCall" in part and "toolType" not in part["toolCall"]


def _answer_text(request: dict[str, Any], digest: str, index: int) -> str:
    config = request.get("generationConfig", {})
    mime = config.get("responseMimeType", "text/plain")
    schema, dialect_json = config.get("responseSchema"), False
    if schema is None and "responseJsonSchema" in config:
        schema, dialect_json = config["responseJsonSchema"], True
    if mime not in ("application/json", "text/x.enum"):
        return _reply(request, digest, index)
    hints = Hints(last_user_text(request))
    if mime == "application/json":
        if schema is None:
            return json.dumps(json_without_schema(hints, _reply(request, digest, index)), ensure_ascii=False)
        return json.dumps(generate(schema, hints, json_schema=dialect_json), ensure_ascii=False)
    if mime == "text/x.enum" and isinstance(schema, dict) and schema.get("enum"):
        return str(generate({"enum": schema["enum"]}, hints))
    return _reply(request, digest, index)


def _reply(request: dict[str, Any], digest: str, index: int) -> str:
    reply = tool_result_reply(request)
    if reply is None:
        said = " ".join(last_user_text(request).split())
        quoted = said if len(said) <= 60 else said[:57] + "..."
        reply = f'Emulated reply to "{quoted}" (request {digest}). The same request always gets this answer.'
    return reply if index == 0 else f"{reply} (candidate {index + 1})"


def _stop_index(text: str, stops: list[str]) -> int | None:
    found = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    return min(found) if found else None


def _media_parts(turn: _Turn, finish: str, index: int) -> list[dict[str, Any]]:
    """An image (text-and-image models asked for IMAGE) or speech (TTS models), deterministic from the prompt."""
    request, model = turn.request, turn.model
    config = request.get("generationConfig", {})
    # Without responseModalities an image model answers with text and an image: Google's image-generation guide
    # calls gemini-2.5-flash-image with no config at all (ai.google.dev/gemini-api/docs/image-generation).
    wanted = config.get("responseModalities") or model.output_modalities
    if finish != "STOP":
        return []
    said = last_user_text(request) or turn.prompt
    if "IMAGE" in wanted and "IMAGE" in model.output_modalities:
        ratio = config.get("imageConfig", {}).get("aspectRatio")
        part: dict[str, Any] = {"inlineData": {"mimeType": "image/png", "data": image_b64(ratio, said)}}
        if turn.signer is not None:  # image models sign their images (reference 15.4: replayed with signatures)
            part["thoughtSignature"] = turn.signer.issue("media", f"{turn.digest}:{index}:image")
        return [part]
    if "AUDIO" in model.output_modalities:
        seconds = min(2.0, max(0.1, 0.05 * len(said.split())))
        return [{"inlineData": {"mimeType": PCM_MIME, "data": pcm_b64(seconds, said)}}]
    return []


def output_tokens(part: dict[str, Any]) -> int:
    """Tokens an output part costs (thought summaries are billed as thoughtsTokenCount instead)."""
    if part.get("thought"):
        return 0
    if "text" in part:
        return text_tokens(part["text"])
    if "functionCall" in part:
        return text_tokens(json.dumps(part["functionCall"], separators=(",", ":"), ensure_ascii=False))
    if "inlineData" in part:
        blob = part["inlineData"]
        if blob["mimeType"].startswith("image/"):
            return _OUTPUT_IMAGE_TOKENS
        seconds = len(blob.get("data", "")) * 3 // 4 / (2 * PCM_RATE)  # 16-bit samples
        return max(1, math.ceil(seconds * AUDIO_TOKENS_PER_SECOND))
    for key in ("executableCode", "codeExecutionResult"):
        if key in part:
            return text_tokens(json.dumps(part[key], separators=(",", ":"), ensure_ascii=False))
    return 0


def _usage(tally: Tally, candidates: list[dict[str, Any]], thoughts: int) -> dict[str, Any]:
    produced = sum(output_tokens(p) for c in candidates for p in c.get("content", {}).get("parts", ()))
    usage: dict[str, Any] = {"promptTokenCount": tally.total}
    if produced:
        usage["candidatesTokenCount"] = produced
    usage["totalTokenCount"] = tally.total + produced + thoughts
    usage["promptTokensDetails"] = tally.details()
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    return usage
