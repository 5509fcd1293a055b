"""The language model behind one small interface, `ChatLLM`, whatever runs it.

In-process llama.cpp (xllamacpp, the packaged Qwen2.5-Coder-1.5B GGUF, parallel slots) is the
default; `llm_url` switches to any OpenAI-compatible server. Both engines take and return OpenAI
chat-completion dicts (`rag.llm_engines`), so requests, JSON-schema constrained output, token
log-probabilities, streaming and cancellation are built here once. Generation is greedy
(temperature 0); with `llm_reproducible` an in-process answer is also the same whatever was asked
before it (`rag.llm_slots`). Every failure is an `LLMError`.

Example:
    llm = make_llm(Settings())
    llm.complete([{"role": "user", "content": "Yes or no?"}], max_tokens=1, top_logprobs=5).logprobs[0].top
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.llms import CustomLLM
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from pydantic import PrivateAttr

from rag.config import Settings
from rag.errors import LLMError
from rag.llm_engines import Body, Engine, HttpEngine, InProcessEngine, default_threads
from rag.models import packaged_llm_path

__all__ = ["TokenLogprob", "Completion", "ChatLLM", "make_llm", "as_llama_index", "generate"]

Messages = Sequence[dict[str, str]]


@dataclass(frozen=True)
class TokenLogprob:
    token: str
    logprob: float
    top: dict[str, float]  # the most likely alternatives at this position (token -> logprob), chosen one included


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    logprobs: list[TokenLogprob]  # one per generated token when top_logprobs > 0, else empty
    cached_tokens: int = 0  # of prompt_tokens, those the engine took from its prompt cache instead of processing


class ChatLLM:
    """Thread-safe: concurrent calls run in parallel (in-process slots, or the server's own batching)."""

    def __init__(self, engine: Engine, *, context_window: int, max_tokens: int) -> None:
        self.engine = engine
        self.context_window = context_window  # tokens one request may use (prompt + answer)
        self.max_tokens = max_tokens  # the settings' answer cap, reported to llama-index
        self.calls: list[Completion] | None = None  # a metered copy's record of its calls

    def metered(self) -> ChatLLM:
        """A copy on the same engine that records every call's `Completion` in `.calls` (one per answer:
        its prompt tokens, cached and processed, are counted in one place, whatever made the call)."""
        copy = ChatLLM(self.engine, context_window=self.context_window, max_tokens=self.max_tokens)
        copy.calls = []
        return copy

    def _record(self, completion: Completion) -> Completion:
        if self.calls is not None:
            self.calls.append(completion)
        return completion

    @property
    def where(self) -> str:
        return self.engine.where

    def complete(
        self,
        messages: Messages,
        *,
        max_tokens: int = 256,
        json_schema: dict[str, Any] | None = None,
        top_logprobs: int = 0,
        stop: list[str] | None = None,
        grammar: str | None = None,
    ) -> Completion:
        """One reply; `grammar` (GBNF) constrains it where the engine takes one, and is left out elsewhere."""
        body = _request(messages, max_tokens, stop)
        if grammar is not None and self.engine.grammars:
            body["grammar"] = grammar
        if json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": json_schema, "strict": True},
            }
        if top_logprobs > 0:
            body.update(logprobs=True, top_logprobs=top_logprobs)
        data = self._checked(self.engine.post(body))
        try:
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
            entries = (choice.get("logprobs") or {}).get("content") or []
            logprobs = [_token_logprob(entry) for entry in entries]
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise LLMError(f"{self.where} returned a chat completion without the expected fields ({exc!r}).") from exc
        prompt, completion = _usage(data)
        return self._record(Completion(text, prompt, completion, logprobs, _cached(data)))

    def stream(
        self,
        messages: Messages,
        *,
        max_tokens: int = 256,
        stop: list[str] | None = None,
        usage: list[Completion] | None = None,
    ) -> Generator[str, None, None]:
        """Text deltas. Closing the generator early cancels the generation and frees its slot."""
        return self._stream(_request(messages, max_tokens, stop, stream=True), usage)

    def _stream(self, body: Body, usage: list[Completion] | None) -> Generator[str, None, None]:
        parts: list[str] = []
        counts: Body = {}
        events = self.engine.events(body)
        try:
            for chunk in events:
                self._checked(chunk)
                if chunk.get("usage"):
                    counts = chunk
                for choice in chunk.get("choices") or []:
                    delta = (choice.get("delta") or {}).get("content")
                    if delta:
                        parts.append(delta)
                        yield delta
        finally:
            events.close()
        done = self._record(Completion("".join(parts), *_usage(counts), [], _cached(counts)))
        if usage is not None:
            usage.append(done)

    def count_tokens(self, messages: Messages) -> int:
        """Prompt tokens of a chat, template included: the tokenizer where the engine has one, else a 1-token request."""
        counted = self.engine.tokenize(list(messages))
        return counted if counted is not None else self.complete(messages, max_tokens=1).prompt_tokens

    def slots(self) -> list[Body]:
        """What each llama.cpp slot is doing (`is_processing`, …); for tests and monitoring."""
        return self.engine.slots()

    def close(self) -> None:
        self.engine.close()

    def _checked(self, data: Body) -> Body:
        error = data.get("error")
        if error is not None:
            message = error.get("message", error) if isinstance(error, dict) else error
            hint = f" {self.engine.context_hint}" if "context" in str(message) else ""
            raise LLMError(f"{self.where} failed: {message}.{hint}")
        return data


def _request(messages: Messages, max_tokens: int, stop: list[str] | None, stream: bool = False) -> Body:
    # temperature 0 is greedy decoding on llama.cpp, vLLM and Ollama alike; the seed covers servers that sample anyway.
    body: Body = {"messages": [dict(m) for m in messages], "max_tokens": max_tokens, "temperature": 0.0, "seed": 0}
    if stop:
        body["stop"] = list(stop)
    if stream:
        body.update(stream=True, stream_options={"include_usage": True})
    return body


def _usage(data: Body) -> tuple[int, int]:
    usage = data.get("usage") or {}
    return int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)


def _cached(data: Body) -> int:
    """Prompt tokens served from the engine's prompt cache: OpenAI's usage field, else llama.cpp's timings."""
    details = (data.get("usage") or {}).get("prompt_tokens_details") or {}
    return int(details.get("cached_tokens") or (data.get("timings") or {}).get("cache_n") or 0)


def _token_logprob(entry: Body) -> TokenLogprob:
    top = {alt["token"]: float(alt["logprob"]) for alt in entry.get("top_logprobs") or []}
    return TokenLogprob(entry["token"], float(entry["logprob"]), top)


def make_llm(settings: Settings) -> ChatLLM:
    if settings.llm_url:
        engine: Engine = HttpEngine(
            settings.llm_url, api_key=settings.llm_api_key, timeout=settings.llm_timeout, model=settings.llm_model
        )
    else:
        path = settings.llm_path or packaged_llm_path(settings.model_cache)
        if not path.is_file():
            raise LLMError(f"LLM file {path} does not exist (RAG_LLM_PATH).")
        engine = InProcessEngine(
            path,
            parallel=settings.llm_parallel,
            context_per_slot=settings.llm_context,
            threads=default_threads(settings.llm_threads),
            chatml=settings.llm_path is None,  # another GGUF brings its own chat template
            reproducible=settings.llm_reproducible,
        )
    return ChatLLM(engine, context_window=settings.llm_context, max_tokens=settings.max_answer_tokens)


def _as_dicts(messages: Sequence[ChatMessage | dict[str, str]]) -> list[dict[str, str]]:
    return [dict(m) if isinstance(m, dict) else {"role": MessageRole(m.role).value, "content": m.content or ""} for m in messages]


def generate(llm: ChatLLM, messages: Sequence[ChatMessage | dict[str, str]], max_tokens: int | None = None) -> Iterator[str]:
    """Text deltas of one answer (the older entry point; `ChatLLM.stream` is the same with more options)."""
    return llm.stream(_as_dicts(messages), max_tokens=max_tokens or llm.max_tokens)


class LlamaIndexLLM(CustomLLM):
    """A `ChatLLM` as llama-index's LLM, for its stock pipelines (the eval's baseline); chats go through unchanged."""

    _chat: ChatLLM = PrivateAttr()

    def __init__(self, llm: ChatLLM) -> None:
        super().__init__()
        self._chat = llm

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self._chat.context_window,
            num_output=self._chat.max_tokens,
            is_chat_model=True,
            model_name="rag-chat-llm",
        )

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        text = "".join(generate(self._chat, messages))
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text))

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        def responses() -> ChatResponseGen:
            text = ""
            for delta in generate(self._chat, messages):
                text += delta
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=delta)

        return responses()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text="".join(generate(self._chat, [{"role": "user", "content": prompt}])))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        def responses() -> CompletionResponseGen:
            text = ""
            for delta in generate(self._chat, [{"role": "user", "content": prompt}]):
                text += delta
                yield CompletionResponse(text=text, delta=delta)

        return responses()


def as_llama_index(llm: ChatLLM) -> CustomLLM:
    return LlamaIndexLLM(llm)
