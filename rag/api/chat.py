"""`POST /v1/chat/completions` and `GET /v1/models`: the assistant behind OpenAI's chat-completions format.

The last user message is the question and earlier user/assistant turns are the history (system
messages are ignored: the answering prompt is fixed, so a client cannot talk it out of citing).
Everything up to the first answer text is awaited before the response starts, so an empty question,
a missing index or an LLM server that is down get a proper status and JSON error, even with
`stream: true`. Later failures arrive as an SSE `error` event, which OpenAI clients raise.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from rag.api.errors import ERROR_RESPONSES, ApiError, error_body, rag_error_status
from rag.api.schemas import (
    MODEL_ID,
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    Choice,
    ChunkChoice,
    CitationOut,
    Delta,
    ModelCard,
    ModelList,
    ResponseMessage,
    Usage,
)
from rag.api.state import assistant_of, slots_of
from rag.assistant import validate_question
from rag.errors import RagError
from rag.streaming import pump
from rag.types import Answer, Citation

__all__ = ["router"]

log = logging.getLogger(__name__)
router = APIRouter(tags=["chat"])


@router.get("/models", response_model=ModelList, responses=ERROR_RESPONSES)
async def list_models() -> ModelList:
    return ModelList(data=[ModelCard()])


@router.get("/models/{model_id}", response_model=ModelCard, responses=ERROR_RESPONSES)
async def get_model(model_id: str) -> ModelCard:
    if model_id != MODEL_ID:
        raise ApiError(404, f"There is no model {model_id!r}; this server has one: {MODEL_ID!r}.", "model_not_found")
    return ModelCard()


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={
        **ERROR_RESPONSES,
        200: {"description": "A chat completion; with `stream: true`, SSE `chat.completion.chunk` events ending in `[DONE]`"},
    },
)
async def chat_completions(body: ChatRequest, request: Request) -> Any:
    """Answer the last user message from the indexed documents, with citations."""
    assistant = assistant_of(request)
    question, history = split_messages(body)
    validate_question(question, assistant.settings.max_question_chars)  # 400 before any work
    events = pump(assistant.stream(question, history, top_k=body.top_k, max_tokens=body.max_tokens), slots_of(request))
    first, answer = await _first_output(events)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if body.stream:
        return StreamingResponse(
            _sse(completion_id, created, first, answer, events),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    deltas = 1 if first else 0
    async for event in events:
        if isinstance(event, Answer):
            answer = event
        elif isinstance(event, str):
            deltas += 1
    if answer is None:
        raise RagError("The answer stream ended without an answer.")
    return ChatCompletion(
        id=completion_id,
        created=created,
        choices=[Choice(message=ResponseMessage(content=answer.text))],
        usage=_usage(answer, deltas),
        citations=[citation_out(c) for c in answer.citations],
        refused=answer.refused,
        standalone_question=answer.standalone_question,
    )


def split_messages(body: ChatRequest) -> tuple[str, list[dict[str, str]]]:
    """The question (last message, which must be the user's) and the user/assistant turns before it."""
    last = body.messages[-1]
    if last.role != "user":
        raise ApiError(400, f"The last message must be the user's question (role 'user'), not {last.role!r}.", "invalid_messages")
    history = [
        {"role": message.role, "content": message.text()}
        for message in body.messages[:-1]
        if message.role in ("user", "assistant") and message.text().strip()
    ]
    return last.text(), history


def citation_out(citation: Citation) -> CitationOut:
    return CitationOut(
        marker=citation.marker,
        source=citation.source,
        title=citation.title,
        quote=citation.quote,
        lines=citation.lines,
        chars=citation.chars,
        score=round(citation.score, 4),
        date=citation.date,
    )


async def _first_output(events: AsyncIterator[Any]) -> tuple[str, Answer | None]:
    """Skip progress events up to the first text delta (or the final Answer, for a refusal without text)."""
    async for event in events:
        if isinstance(event, str):
            return event, None
        if isinstance(event, Answer):
            return "", event
        # anything else is a progress event (rag.types.Progress): nothing in OpenAI's format carries it
    raise RagError("The answer stream ended without an answer.")


async def _sse(
    completion_id: str, created: int, first: str, answer: Answer | None, events: AsyncIterator[Any]
) -> AsyncIterator[str]:
    def chunk(delta: Delta, **extra: Any) -> str:
        event = ChatCompletionChunk(id=completion_id, created=created, choices=[ChunkChoice(delta=delta)], **extra)
        return f"data: {event.model_dump_json(exclude_none=True)}\n\n"

    streamed = [first]
    deltas = 1 if first else 0
    yield chunk(Delta(role="assistant", content=first))
    try:
        async for event in events:
            if isinstance(event, Answer):
                answer = event
            elif isinstance(event, str):
                streamed.append(event)
                deltas += 1
                yield chunk(Delta(content=event))
        if answer is None:
            raise RagError("The answer stream ended without an answer.")
    except RagError as exc:  # after the 200 has gone out, the error travels as an event OpenAI clients raise
        status, code = rag_error_status(exc)
        yield f"data: {json.dumps(error_body(status, str(exc), code))}\n\n"
        return
    except Exception:  # noqa: BLE001 - a bug: logged here, never sent as a traceback
        log.exception("streaming an answer failed")
        yield f"data: {json.dumps(error_body(500, 'Something went wrong on the server; the details are in its log.', 'internal_error'))}\n\n"
        return
    # The checked text is final: unsupported markers or claims may have been removed after streaming.
    final = ChatCompletionChunk(
        id=completion_id,
        created=created,
        choices=[ChunkChoice(delta=Delta(), finish_reason="stop")],
        citations=[citation_out(c) for c in answer.citations],
        refused=answer.refused,
        answer=answer.text,
        answer_replaced="".join(streamed) != answer.text,
        usage=_usage(answer, deltas),
    )
    yield f"data: {final.model_dump_json(exclude_none=True)}\n\n"
    yield "data: [DONE]\n\n"


def _usage(answer: Answer, deltas: int) -> Usage:
    prompt = answer.trace.prompt_tokens
    return Usage(prompt_tokens=prompt, completion_tokens=deltas, total_tokens=prompt + deltas)
