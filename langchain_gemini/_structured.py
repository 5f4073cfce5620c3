"""`with_structured_output`: the three methods as runnables (bind + parser), with optional raw output."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from langchain_core.exceptions import ModelRefusalError, OutputParserException
from langchain_core.messages import BaseMessage
from langchain_core.output_parsers import JsonOutputKeyToolsParser, JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import PydanticToolsParser
from langchain_core.runnables import Runnable, RunnableGenerator, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_json_schema
from langchain_core.utils.pydantic import is_basemodel_subclass

from langchain_gemini._nesting import check_nesting
from langchain_gemini._tools import openai_function
from langchain_gemini._translator import refusal_block

if TYPE_CHECKING:
    from langchain_gemini.chat_models import ChatGemini, StructuredMethod


def _is_pydantic(schema: Any) -> bool:
    return isinstance(schema, type) and is_basemodel_subclass(schema)


def _json_schema_of(schema: Any) -> dict[str, Any]:
    """The full JSON Schema (with `$defs`) of a pydantic class, TypedDict or JSON-schema dict."""
    if _is_pydantic(schema):
        raw = schema.model_json_schema() if hasattr(schema, "model_json_schema") else schema.schema()
        return dict(raw)
    try:
        if isinstance(schema, dict) and "function" in schema and schema.get("type") == "function":
            return dict(schema["function"].get("parameters") or {})
        return convert_to_json_schema(schema)
    except (AttributeError, KeyError, TypeError, IndexError) as exc:
        # langchain-core reads odd dicts (`{"type": ["string", "null"]}`) with AttributeErrors of its own.
        msg = f"with_structured_output schema: not a JSON Schema it can use ({type(exc).__name__}: {exc})"
        raise ValueError(msg) from exc


def _refusal_error(refusal: dict[str, Any], message: BaseMessage) -> ModelRefusalError:
    reasons = ", ".join(f"{key}={value}" for key, value in refusal["extras"].items())
    text = f"Gemini blocked the {'prompt' if 'block_reason' in refusal['extras'] else 'answer'} ({reasons})"
    if refusal["refusal"]:
        text += f": {refusal['refusal']}"
    return ModelRefusalError(text, raw_message=message)


def check_answer(message: BaseMessage, *, needs_tool_call: bool) -> None:
    """Raise if `message` cannot hold the structured output, rather than let the parser return None or fail vaguely.

    Raises:
        ModelRefusalError: Gemini blocked the prompt or the answer (see `_translator.refusal_block`).
        OutputParserException: The answer stopped early (MALFORMED_FUNCTION_CALL, MAX_TOKENS, ...) with nothing
            to parse; the message names the finish reason and Gemini's finish message.
    """
    metadata = message.response_metadata
    if refusal := refusal_block(metadata):
        raise _refusal_error(refusal, message)
    finish = metadata.get("finish_reason")
    empty = not getattr(message, "tool_calls", None) if needs_tool_call else not message.text.strip()
    if finish not in {None, "STOP"} and empty:
        detail = f": {metadata['finish_message']}" if metadata.get("finish_message") else ""
        msg = f"Gemini stopped with finish_reason={finish} before giving the structured output{detail}"
        raise OutputParserException(msg, llm_output=message.text)


def _answer_guard(*, needs_tool_call: bool) -> Runnable[Any, Any]:
    """A pass-through step that runs `check_answer` on the whole answer, streamed or not (chunks are merged)."""

    def transform(chunks: Iterator[BaseMessage]) -> Iterator[BaseMessage]:
        whole: Any = None
        for chunk in chunks:
            yield chunk
            whole = chunk if whole is None else whole + chunk
        if whole is not None:
            check_answer(whole, needs_tool_call=needs_tool_call)

    async def atransform(chunks: AsyncIterator[BaseMessage]) -> AsyncIterator[BaseMessage]:
        whole: Any = None
        async for chunk in chunks:
            yield chunk
            whole = chunk if whole is None else whole + chunk
        if whole is not None:
            check_answer(whole, needs_tool_call=needs_tool_call)

    return RunnableGenerator(transform, atransform, name="check_gemini_answer")


def structured_runnable(
    model: ChatGemini,
    schema: Any,
    *,
    method: StructuredMethod,
    include_raw: bool,
    strict: bool | None,
) -> Runnable[Any, Any]:
    """Bind the model for `method` and attach the matching parser.

    Raises:
        ValueError: For an unknown method, or a missing schema where the method needs one.
    """
    if schema is None and method != "json_mode":
        msg = f"with_structured_output(method={method!r}) needs a schema"
        raise ValueError(msg)
    if isinstance(schema, Mapping):
        check_nesting(schema, "with_structured_output schema")
    output_format = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
    parser: Runnable[Any, Any]
    if method == "function_calling":
        name = openai_function(schema, "with_structured_output schema")["name"]
        llm = model.bind_tools([schema], tool_choice=name, ls_structured_output_format=output_format)
        parser = (
            PydanticToolsParser(tools=[schema], first_tool_only=True)
            if _is_pydantic(schema)
            else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
        )
    elif method in {"json_schema", "json_mode"}:
        bound: dict[str, Any] = {"response_mime_type": "application/json"}
        if schema is not None:
            # json_mode with a schema sends it, as json_schema does: in langchain-google-genai json_mode is an alias
            # of json_schema, and code migrated from it must not lose its schema (docs/migration.md).
            bound["response_schema"] = _json_schema_of(schema)
        llm = model.bind(ls_structured_output_format=output_format, **bound)
        parser = PydanticOutputParser(pydantic_object=schema) if _is_pydantic(schema) else JsonOutputParser()
    else:
        msg = f"method must be 'json_schema', 'function_calling' or 'json_mode', not {method!r}"
        raise ValueError(msg)
    parser = _answer_guard(needs_tool_call=method == "function_calling") | parser
    if not include_raw:
        return llm | parser
    parsed = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
    fallback = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | parsed.with_fallbacks([fallback], exception_key="parsing_error")
