"""The language model behind one small interface: llama-index's `LLM`, built from settings.

In-process llama.cpp (the packaged Qwen2.5-Coder-1.5B GGUF) is the default; setting `llm_url`
switches to any OpenAI-compatible server (vLLM, Ollama, llama.cpp's server) with no code change.
Generation is streamed; `generate` turns every backend failure into an `LLMError`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence

from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.llms import LLM

from rag.config import Settings
from rag.errors import LLMError
from rag.models import packaged_llm_path

__all__ = ["make_llm", "generate", "chatml"]


def make_llm(settings: Settings) -> LLM:
    if settings.llm_url:
        from llama_index.llms.openai_like import OpenAILike

        return OpenAILike(
            model=settings.llm_model,
            api_base=settings.llm_url,
            api_key=settings.llm_api_key or "not-needed",
            is_chat_model=True,
            context_window=settings.llm_context,
            max_tokens=settings.max_answer_tokens,
            temperature=0.0,
            timeout=settings.llm_timeout,
            max_retries=2,
        )
    from llama_index.llms.llama_cpp import LlamaCPP

    path = settings.llm_path or packaged_llm_path(settings.model_cache)
    if not path.is_file():
        raise LLMError(f"LLM file {path} does not exist (RAG_LLM_PATH).")
    threads = settings.llm_threads or os.cpu_count() or 2
    # model_path is always given: without it LlamaCPP downloads a default model from the internet.
    return LlamaCPP(
        model_path=str(path),
        temperature=0.0,
        max_new_tokens=settings.max_answer_tokens,
        context_window=settings.llm_context,
        model_kwargs={"n_threads": threads, "n_threads_batch": threads, "n_batch": 512, "seed": 0},
        generate_kwargs={"top_k": 1, "repeat_penalty": 1.0},
        messages_to_prompt=chatml,
        completion_to_prompt=lambda text: chatml([ChatMessage(role="user", content=text)]),
        verbose=False,
    )


def chatml(messages: Sequence[ChatMessage]) -> str:
    """Qwen's chat format. Example: chatml([user "hi"]) -> '<|im_start|>user\\nhi<|im_end|>\\n<|im_start|>assistant\\n'"""
    parts = [f"<|im_start|>{m.role.value}\n{m.content}<|im_end|>\n" for m in messages]
    return "".join(parts) + "<|im_start|>assistant\n"


# llama.cpp's model object is not thread-safe; one generation at a time per process.
_generation_lock = threading.Lock()


def generate(llm: LLM, messages: list[ChatMessage]) -> Iterator[str]:
    """Stream text deltas; serialised for the in-process model, concurrent for a server."""
    local = type(llm).__name__ == "LlamaCPP"
    if local:
        _generation_lock.acquire()
    try:
        for chunk in llm.stream_chat(messages):
            if chunk.delta:
                yield chunk.delta
    except LLMError:
        raise
    except Exception as exc:  # noqa: BLE001 - backends raise their own transport and runtime errors
        if local:
            raise LLMError(f"Generation failed in the local LLM: {type(exc).__name__}: {exc}") from exc
        url = getattr(llm, "api_base", None) or "RAG_LLM_URL"
        raise LLMError(
            f"The LLM server at {url} failed or cannot be reached ({type(exc).__name__}: {exc}). "
            f"Check that it is running and that RAG_LLM_URL ends in /v1."
        ) from exc
    finally:
        if local:
            _generation_lock.release()
