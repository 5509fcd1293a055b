"""The two engines behind `rag.llm.ChatLLM`; both take and return OpenAI chat-completion dicts.

`InProcessEngine` runs llama.cpp's own server engine inside this process (xllamacpp, a prebuilt
wheel): requests go straight to its handler, concurrent requests share parallel slots in one batch.
`HttpEngine` talks to any OpenAI-compatible server (vLLM, Ollama, llama.cpp's server) at `…/v1`.
Each engine turns its own failures into an `LLMError` whose message says where and what to check.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import queue
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import weakref
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, Protocol

import httpx

from rag.errors import LLMError
from rag.llm_slots import SlotPrefixes

__all__ = ["Engine", "InProcessEngine", "HttpEngine", "CHATML_TEMPLATE", "default_threads"]

Body = dict[str, Any]

# The packaged Qwen GGUF's own template adds "You are Qwen, created by Alibaba Cloud…" when a chat has
# no system message; plain ChatML is what the prompts and the eval were tuned with.
CHATML_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


class Engine(Protocol):
    where: str  # names the backend in error messages: a URL or the model file
    context_hint: str  # what to do when a request does not fit the context
    grammars: bool  # takes llama.cpp's "grammar" field (GBNF) to constrain a reply

    def post(self, body: Body) -> Body: ...

    def events(self, body: Body) -> Generator[Body, None, None]: ...  # closing it cancels the generation

    def tokenize(self, messages: list[dict[str, str]]) -> int | None: ...

    def slots(self) -> list[Body]: ...

    def close(self) -> None: ...


class HttpEngine:
    def __init__(self, url: str, *, api_key: str | None, timeout: float, model: str | None = None) -> None:
        self.base = url.rstrip("/")
        self.where = f"The LLM server at {self.base}"
        self.context_hint = "Shorten the question or give the server a larger context per slot."
        # Only llama.cpp's server reads "grammar"; another OpenAI-compatible server may reject the field.
        self.grammars = False
        self.model = model
        # llama.cpp's tokenize/slots endpoints live beside /v1, not under it.
        self._root = self.base.removesuffix("/v1")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # Retries cover refused connections only (a server still starting); a request is never sent twice.
        self._client = httpx.Client(timeout=timeout, headers=headers, transport=httpx.HTTPTransport(retries=2))

    def _unreachable(self, exc: Exception) -> LLMError:
        return LLMError(
            f"{self.where} failed or cannot be reached ({type(exc).__name__}: {exc}). "
            f"Check that it is running and that RAG_LLM_URL ends in /v1."
        )

    def _decoded(self, response: httpx.Response) -> Body:
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code != 200 or not isinstance(data, dict):
            detail = _error_text(data) if isinstance(data, dict) else response.text[:300]
            hint = f" {self.context_hint}" if "context" in detail else ""
            raise LLMError(f"{self.where} answered HTTP {response.status_code} to {response.request.url.path}: {detail}.{hint}")
        return data

    def post(self, body: Body) -> Body:
        try:
            return self._decoded(self._client.post(f"{self.base}/chat/completions", json=self._named(body)))
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc

    def events(self, body: Body) -> Generator[Body, None, None]:
        try:
            with self._client.stream("POST", f"{self.base}/chat/completions", json=self._named(body)) as response:
                if response.status_code != 200:
                    response.read()
                    self._decoded(response)
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue  # SSE comments and keep-alives
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    yield json.loads(data)
            # Leaving the `with` (also on generator close) drops the connection: the server cancels the generation.
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc
        except json.JSONDecodeError as exc:
            raise LLMError(f"{self.where} sent a stream event that is not JSON: {exc}") from exc

    def tokenize(self, messages: list[dict[str, str]]) -> int | None:
        """llama.cpp's /apply-template + /tokenize; None where the server has neither (vLLM, Ollama)."""
        try:
            prompt = self._root_post("/apply-template", {"messages": messages})["prompt"]
            tokens = self._root_post("/tokenize", {"content": prompt, "add_special": True, "parse_special": True})["tokens"]
            return len(tokens)
        except (LLMError, httpx.HTTPError, KeyError, TypeError):
            return None

    def slots(self) -> list[Body]:
        """llama.cpp's /slots: what each parallel slot is doing (for tests and monitoring)."""
        try:
            response = self._client.get(f"{self._root}/slots")
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc
        if response.status_code != 200:
            raise LLMError(f"{self.where} has no /slots endpoint (HTTP {response.status_code}); only llama.cpp servers do.")
        return list(response.json())

    def close(self) -> None:
        self._client.close()

    def root_post(self, path: str, body: Body) -> Body:
        """POST to llama.cpp's own endpoints beside /v1 (/tokenize, /slots/…)."""
        try:
            return self._root_post(path, body)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc

    def _root_post(self, path: str, body: Body) -> Body:
        return self._decoded(self._client.post(f"{self._root}{path}", json=body))

    def _named(self, body: Body) -> Body:
        return {"model": self.model, **body} if self.model else body


class InProcessEngine:
    def __init__(
        self, path: Path, *, parallel: int, context_per_slot: int, threads: int, chatml: bool, reproducible: bool = False
    ) -> None:
        import xllamacpp as xlc

        params = xlc.CommonParams()
        params.model.path = str(path)
        params.n_parallel = parallel
        params.n_ctx = context_per_slot * parallel  # llama.cpp splits n_ctx evenly across the slots
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.verbosity = -1  # its default (3) logs every request, slot and timing to stderr
        # The engine always opens an HTTP listener too: loopback, a free port, and a key only this object knows.
        params.hostnames = ["127.0.0.1"]
        params.port = 0
        key = secrets.token_urlsafe(24)
        params.api_keys = [key]
        if chatml:
            params.chat_template = CHATML_TEMPLATE
        self._saved_states = Path(tempfile.mkdtemp(prefix="rag-llm-slots-")) if reproducible else None
        # Removed on close, at collection or at exit: a one-shot `rag ask` never closes its engine.
        self._remove_saved_states = weakref.finalize(self, shutil.rmtree, self._saved_states, True) if self._saved_states else None
        if self._saved_states:
            # Answers must not depend on earlier requests (rag.llm_slots): no host-memory prompt cache, and slot
            # states saved here, one per system prompt, restored before each request.
            params.cache_ram_mib = 0
            params.slot_save_path = f"{self._saved_states}{os.sep}"
        self.where = f"The in-process LLM ({path.name})"
        self.context_hint = "Shorten the question or raise RAG_LLM_CONTEXT (tokens per slot)."
        self.grammars = True
        try:
            with _signal_handlers_kept():
                self._server: Any = xlc.Server(params)
        except Exception as exc:  # noqa: BLE001 - the engine reports every load failure as one RuntimeError
            self._forget_saved_states()
            raise LLMError(
                f"{self.where} could not be loaded from {path} ({type(exc).__name__}: {exc}). The file may be damaged "
                f"(reinstall with `make install`) or memory short: lower RAG_LLM_PARALLEL or RAG_LLM_CONTEXT."
            ) from exc
        self._local = HttpEngine(f"{self._server.listening_address}/v1", api_key=key, timeout=30.0)
        self._slots = (
            SlotPrefixes(self._local.root_post, self._server.handle_completions, directory=self._saved_states, slots=parallel)
            if self._saved_states
            else None
        )

    @contextlib.contextmanager
    def _pinned(self, body: Body) -> Iterator[Body]:
        """The request as sent: with `reproducible`, pinned to a slot restored to its prefix, held until exit."""
        if self._slots is None:
            yield body
            return
        with self._slots.slot(body.get("messages", [])) as slot:
            yield {**body, "id_slot": slot}

    def post(self, body: Body) -> Body:
        try:
            with self._pinned(body) as request:
                result = self._server.handle_chat_completions(request)
        except LLMError:
            raise
        except Exception as exc:  # noqa: BLE001 - the binding raises ValueError/RuntimeError for rejected requests
            raise LLMError(f"{self.where} rejected the request: {exc}") from exc
        if not isinstance(result, dict):
            raise LLMError(f"{self.where} returned {type(result).__name__}, not a chat completion.")
        return result

    def events(self, body: Body) -> Generator[Body, None, None]:
        # The engine pushes chunks to a callback on its own thread; a queue turns that into an iterator,
        # and the callback's return value (True = stop) carries a close() back into the engine.
        chunks: queue.Queue[tuple[str, Any]] = queue.Queue()
        cancelled = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            chunks.put(("chunk", chunk))
            return cancelled.is_set()

        held = contextlib.ExitStack()
        request = held.enter_context(self._pinned(body))

        def run() -> None:
            try:
                self._server.handle_chat_completions(request, on_chunk)
            except Exception as exc:  # noqa: BLE001 - handed to the consumer, which raises it as an LLMError
                chunks.put(("error", exc))
            finally:
                # The slot is freed when the engine is done with it, not when the consumer stops reading: a
                # cancelled generation runs on until its next chunk, and the slot's next restore must not race it.
                held.close()
                chunks.put(("end", None))

        worker = threading.Thread(target=run, name="llm-stream", daemon=True)
        worker.start()
        try:
            while True:
                kind, item = chunks.get()
                if kind == "end":
                    return
                if kind == "error":
                    raise LLMError(f"{self.where} rejected the request: {item}")
                yield item
        finally:
            cancelled.set()

    def tokenize(self, messages: list[dict[str, str]]) -> int | None:
        return self._local.tokenize(messages)

    def slots(self) -> list[Body]:
        return self._local.slots()

    def close(self) -> None:
        self._local.close()
        self._server = None  # the binding's destructor stops the engine's loop and frees the model
        self._forget_saved_states()

    def _forget_saved_states(self) -> None:
        if self._remove_saved_states is not None:
            self._remove_saved_states()  # runs once: a second close does nothing


def _error_text(data: Body) -> str:
    error = data.get("error", data)
    return str(error.get("message", error)) if isinstance(error, dict) else str(error)


@contextlib.contextmanager
def _signal_handlers_kept() -> Iterator[None]:
    """Undo the engine's SIGINT/SIGTERM handlers, installed when it starts.

    They would stop only the engine's loop: Ctrl-C would no longer raise KeyboardInterrupt and SIGTERM
    would leave `rag serve` running without its LLM. `signal.signal` works only in the main thread and
    the model may load lazily in a worker, so the C-level actions are saved and restored as they are.
    """
    if not sys.platform.startswith("linux"):
        yield
        return
    libc = ctypes.CDLL(None, use_errno=True)
    saved = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        action = ctypes.create_string_buffer(512)  # larger than any libc's struct sigaction
        if libc.sigaction(int(number), None, action) == 0:
            saved[number] = action
    try:
        yield
    finally:
        for number, action in saved.items():
            if libc.sigaction(int(number), action, None) != 0:
                print(f"rag: could not restore the {number.name} handler (errno {ctypes.get_errno()})", file=sys.stderr)


def default_threads(configured: int) -> int:
    return configured or os.cpu_count() or 2
