"""The UI's event handlers, bound to one `Assistant`: plain methods, so tests call them without a browser.

They call only the public `Assistant` API (stream, ask, document, documents, ingest, remove) and the
upload rules of `rag.uploads`; all HTML comes from `rag.ui.render`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

import gradio as gr

from rag.assistant import Assistant
from rag.errors import RagError
from rag.streaming import AnswerSlots, pump
from rag.types import Answer, Citation, DocumentInfo
from rag.ui.render import (
    PANEL_PLACEHOLDER,
    escape_html,
    escape_md,
    render_answer,
    render_document,
    render_documents,
    render_error,
    render_panel_note,
    render_passages,
    render_status,
    render_stopped,
    renumbered,
)
from rag.uploads import save_uploads

QUESTION_PLACEHOLDER = "Ask about the news articles…"  # short enough for a 390 px phone

__all__ = ["QUESTION_PLACEHOLDER", "STAGES", "ChatHandlers", "Cites", "Outputs"]

log = logging.getLogger(__name__)

Cites = dict[str, list[Citation]]  # chat message index -> that answer's citations, renumbered (per session)
Outputs = tuple[Any, ...]
_PENDING_RUN = re.compile(r'data-run="([0-9a-f]+)"')  # the run id that rag.ui.render.render_status writes
# What the status line says for each stage when the stream gives no message of its own.
STAGES = {
    "searching": "Searching the articles…",
    "reading": "Reading the passages found…",
    "writing": "Writing…",
    "checking": "Checking citations…",
}
# Ask and Stop, with no answer running and while one is: the box is locked too, so that a question
# cannot be sent twice or silently dropped; its placeholder says what to do instead. Functions, not
# constants: Gradio pops keys out of the update dicts it is given.


def _idle() -> tuple[Any, ...]:
    return gr.update(interactive=True), gr.update(visible=False)


def _busy() -> tuple[Any, ...]:
    return gr.update(interactive=False), gr.update(visible=True)


def _box_idle() -> Any:
    return gr.update(value="", interactive=True, placeholder=QUESTION_PLACEHOLDER)


def _box_busy() -> Any:
    return gr.update(value="", interactive=False, placeholder="Answering… press Stop to ask something else")


class ChatHandlers:
    """respond (stream one answer), open_source (a chip), stop, reset, and the document list."""

    def __init__(self, assistant: Assistant, slots: AnswerSlots | None = None) -> None:
        self.assistant = assistant
        self.slots = slots or AnswerSlots(assistant.settings.llm_parallel)  # more would only queue inside the LLM
        # Gradio cancels an answer's task as an event of its own, beside Stop's: an update the answer sends
        # meanwhile can reach the page after "Stopped" and paint the status back over it, Ask locked. So
        # Stop ends the run itself (its task, by run id) and returns only once it is over.
        self._stopped: set[str] = set()
        self._running: dict[str, asyncio.Task[Any]] = {}

    # --- answering ------------------------------------------------------------------------------
    async def respond(
        self, message: str, chat: list[Any], history: list[dict[str, str]], known: Cites, k: float, show: bool
    ) -> AsyncIterator[Outputs]:
        """Yields (chat, question box, history, citations, panel, passages, Ask, Stop) as the answer progresses.

        Async, with the answer worked on in a thread of its own (`rag.streaming.pump`): Stop cancels this
        coroutine at once, even while the model is busy on a step that yields nothing for seconds; a
        synchronous handler would hold Stop until that step ended.
        """
        message = message or ""
        chat = [*_plain_chat(chat), {"role": "user", "content": escape_html(message)}, {"role": "assistant", "content": ""}]
        run = uuid.uuid4().hex[:12]
        task = asyncio.current_task()
        if task is not None:
            self._running[run] = task
        try:
            async with aclosing(self._answer(message, chat, history, known, k, show, run)) as updates:
                async for update in updates:
                    if run in self._stopped:  # closing `updates` cancels the model call too
                        return
                    yield update
        finally:
            self._stopped.discard(run)
            self._running.pop(run, None)

    async def _answer(
        self, message: str, chat: list[Any], history: list[dict[str, str]], known: Cites, k: float, show: bool, run: str
    ) -> AsyncGenerator[Outputs, None]:
        """`respond`'s updates, whether or not the user has stopped the run meanwhile."""
        started, stage, draft, answer = time.monotonic(), STAGES["searching"], "", None

        def pending() -> Outputs:
            chat[-1] = {"role": "assistant", "content": render_status(stage, run, time.monotonic() - started, draft)}
            return [*chat], _box_busy(), history, known, gr.update(), gr.update(), *_busy()  # a copy: chat changes on

        yield pending()
        try:
            async with aclosing(pump(self.assistant.stream(message, history, top_k=int(k)), self.slots)) as events:
                async for event in events:
                    if isinstance(event, Answer):
                        answer = event
                        continue
                    if isinstance(event, str):
                        draft += event
                        stage = stage if stage != STAGES["searching"] else STAGES["writing"]
                    else:  # a progress event (rag.types.Progress): its stage and message
                        stage = getattr(event, "message", "") or STAGES.get(getattr(event, "stage", ""), stage)
                    yield pending()
        except RagError as exc:
            chat[-1] = {"role": "assistant", "content": render_error(str(exc))}
            yield chat, _box_idle(), history, known, gr.update(), gr.update(), *_idle()
            return
        except Exception:  # noqa: BLE001 - a bug must reach the log, not the user as a traceback
            log.exception("answering %r failed", message)
            chat[-1] = {"role": "assistant", "content": render_error("Something went wrong on our side; see the server log.")}
            yield chat, _box_idle(), history, known, gr.update(), gr.update(), *_idle()
            return
        assert answer is not None  # the stream always ends with an Answer
        index = len(chat) - 1
        chat[-1] = {"role": "assistant", "content": render_answer(answer, index)}
        history = [*history, {"role": "user", "content": message}, {"role": "assistant", "content": answer.text}]
        _, citations = renumbered(answer)
        known = {**known, str(index): citations}
        shown = gr.update(value=render_passages(answer.passages, answer.trace.lines()), visible=bool(show))
        yield chat, _box_idle(), history, known, self._newest_panel(answer, index, known), shown, *_idle()

    async def respond_example(
        self, chat: list[Any], history: list[dict[str, str]], known: Cites, k: float, show: bool, evt: gr.SelectData
    ) -> AsyncIterator[Outputs]:
        """An example question clicked in the empty chat is asked at once."""
        value = evt.value if isinstance(evt.value, dict) else {}
        async for update in self.respond(str(value.get("text", "")), chat, history, known, k, show):
            yield update

    def _newest_panel(self, answer: Answer, index: int, known: Cites) -> str:
        """The panel follows the newest answer (chat message `index`): its first source, or why there is none."""
        if answer.refused:
            why = answer.trace.refusal_reason or "No passage in the indexed articles supports an answer."
            return render_panel_note("No source for this answer", why)
        if not known.get(str(index)):
            return render_panel_note("No source for this answer", "The answer cites no passage.")
        return self.open_source(f"{index}:0", known)

    async def stop(self, chat: list[Any]) -> Outputs:
        """After Stop: the pending answer keeps its words so far, marked stopped; Ask is back."""
        chat = _plain_chat(chat)
        if chat and chat[-1].get("role") == "assistant":
            content = str(chat[-1].get("content", ""))
            if 'class="rag-status"' in content:  # still pending: keep the words streamed so far, drop the status
                await self._end_runs(_PENDING_RUN.findall(content))
                _, _, words = content.partition('<div class="rag-answer">')
                chat[-1] = {"role": "assistant", "content": render_stopped(f'<div class="rag-answer">{words}' if words else "")}
        return chat, _box_idle(), *_idle()

    async def _end_runs(self, runs: list[str]) -> None:
        self._stopped.update(runs)
        tasks = [self._running[run] for run in runs if run in self._running]
        tasks = [task for task in tasks if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()  # as Gradio's own cancel does; its model call is closed with it (rag.streaming.pump)
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- the source panel -----------------------------------------------------------------------
    def open_source(self, choice: str | None, known: Cites) -> str:
        """`choice` is "message:position[:nonce]" from a chip; the panel shows that citation's article."""
        if not choice:
            return PANEL_PLACEHOLDER
        message, position, *_ = [*choice.split(":"), "", ""]
        try:
            citation = known[message][int(position)]
            heading = f"Answer {(int(message) + 1) // 2} · source {citation.marker}"  # the chat alternates question, answer
            return render_document(self.assistant.document(citation.source), citation, heading)
        except (KeyError, IndexError, ValueError):
            return PANEL_PLACEHOLDER
        except RagError as exc:
            return render_panel_note("This source cannot be shown", str(exc))

    def reset(self) -> Outputs:
        return [], _box_idle(), [], {}, PANEL_PLACEHOLDER, gr.update(value="", visible=False), *_idle()

    # --- documents ------------------------------------------------------------------------------
    def list_documents(self) -> Outputs:
        """(rows of the list, choices of the remove picker, the accordion's label)."""
        try:
            documents = self.assistant.documents()
        except RagError:
            documents = []
        choices = [(f"{d.title or d.source} ({d.source})", d.source) for d in documents]
        return render_documents(documents), gr.update(choices=choices, value=None), gr.update(label=f"Documents ({len(documents)})")

    def upload(self, files: list[str] | None, progress: Callable[..., Any] = gr.Progress()) -> Outputs:  # noqa: B008 - Gradio's idiom
        """One step: the chosen files are saved, indexed (a progress bar per file) and listed."""
        if not files:
            return ("", *self.list_documents(), None)
        lines: list[str] = []
        try:
            result = save_uploads(files, self.assistant.settings)
            lines += [f"✗ {name}: {why}" for name, why in result.rejected]
            if result.saved:
                progress(0, desc=f"Indexing {result.saved[0]}")
                report = self.assistant.ingest(
                    self.assistant.settings.upload_dir,
                    progress=lambda done, total, name: progress((done, max(total, 1)), desc=f"Indexing {name}"),
                )
                lines += [f"✗ {s.path}: {s.reason}" for s in report.skipped]
                lines.insert(0, _added_line(self.assistant.documents(), result.saved, self.assistant.settings.upload_dir.name))
        except RagError as exc:
            lines.append(f"✗ {exc}")
        return ("\n".join(f"- {escape_md(line)}" for line in lines), *self.list_documents(), None)

    def ask_remove(self, source: str | None) -> Outputs:
        """The confirmation row for removing `source` (or a hint to pick one first)."""
        if not source:
            return gr.update(visible=False), "Pick a document to remove first."
        title = next((d.title for d in self.assistant.documents() if d.source == source), source)
        return gr.update(visible=True), f"Remove **{escape_md(title)}** ({escape_md(source)}) from the index?"

    def remove(self, source: str | None) -> Outputs:
        """(confirmation row, result line, list rows, picker, accordion label) after removing `source`."""
        if not source:
            return (gr.update(visible=False), "", *self.list_documents())
        try:
            self.assistant.remove(source)
            done = f"Removed {escape_md(source)} from the index."
        except RagError as exc:
            done = f"✗ {escape_md(str(exc))}"
        return (gr.update(visible=False), done, *self.list_documents())

    # --- the HTTP API (gradio_client) -----------------------------------------------------------
    def ask_api(self, question: str, top_k: int | None = None) -> dict[str, Any]:
        """Answer `question` from the documents: {"answer", "refused", "citations": [...], ...}."""
        try:
            return self.assistant.ask(question, top_k=top_k).to_dict()
        except RagError as exc:
            return {"error": str(exc), "error_type": type(exc).__name__, "answer": "", "refused": True, "citations": []}


def _added_line(documents: list[DocumentInfo], saved: list[str], folder: str) -> str:
    """What the upload added, file by file: its title and chunk count."""
    by_source = {d.source: d for d in documents}
    parts = []
    for name in saved:
        info = by_source.get(f"{folder}/{name}") or by_source.get(name)
        parts.append(f"“{info.title}” ({name}, {info.chunks} chunks)" if info else f"{name} (not indexed)")
    return f"Added {len(saved)} file{'s' if len(saved) != 1 else ''}: " + "; ".join(parts)


def _plain_chat(chat: list[Any] | None) -> list[dict[str, Any]]:
    """Chat messages as {"role", "content": str}: Gradio hands them back with content as a list of parts."""
    out = []
    for message in chat or []:
        content = message.get("content") if isinstance(message, dict) else getattr(message, "content", "")
        if isinstance(content, list):
            content = "".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content)
        role = message.get("role") if isinstance(message, dict) else getattr(message, "role", "assistant")
        out.append({"role": role, "content": content if isinstance(content, str) else str(content)})
    return out
