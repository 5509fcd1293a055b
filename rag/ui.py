"""The Gradio chat UI over an `Assistant`: streaming cited answers, a source panel, corpus and uploads.

Layout and event wiring only: every answer, document and ingest comes from the public `Assistant`
API, and all rendering lives in `rag.ui_render`. `build_ui` returns a queued `gr.Blocks`;
`launch_options` holds what Gradio 6 takes at launch (theme, CSS, auth, host, port, upload cap).

Example:
    demo = build_ui(assistant)
    demo.launch(**launch_options(assistant.settings))
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr

from rag.assistant import Assistant
from rag.config import Settings
from rag.errors import RagError
from rag.types import Answer, Citation
from rag.ui_render import (
    PANEL_PLACEHOLDER,
    answer_payload,
    citation_choices,
    corpus_rows,
    escape_md,
    render_answer,
    render_document,
    render_draft,
    render_error,
    render_passages,
)
from rag.ui_uploads import ALLOWED_SUFFIXES, save_uploads

__all__ = ["EXAMPLES", "ChatHandlers", "build_ui", "launch_options"]

log = logging.getLogger(__name__)

EXAMPLES = [
    "Who congratulated Tokayev?",
    "How long is the border between Kazakhstan and Russia?",
    "What did the articles say about the election results?",
]
QUESTION_PLACEHOLDER = "Ask a question about the news articles…"
# The in-process LLM serialises generation itself; a few slots let others queue visibly meanwhile.
CHAT_CONCURRENCY = 3

Cites = dict[str, list[Citation]]  # chat message index -> that answer's citations (per browser session)
Outputs = tuple[Any, ...]

_SCROLL_TO_MARK = (
    "watch('value', () => { const m = element.querySelector('mark') || element.querySelector('.cited');"
    " if (m) m.scrollIntoView({block: 'center'}); });"
)
_PANEL_CSS = """
.panel-empty { color: var(--body-text-color-subdued); padding: 1rem; }
.doc-head { margin-bottom: .5rem; }
.doc-title { font-weight: 600; font-size: 1.05rem; }
.doc-file { font-family: var(--font-mono); font-size: .85rem; color: var(--body-text-color-subdued); }
.doc-quote { margin: .4rem 0; padding-left: .6rem; border-left: 3px solid #f5c518; font-style: italic; }
.doc-view { max-height: 34rem; overflow: auto; font-family: var(--font-mono); font-size: .8rem;
  border: 1px solid var(--border-color-primary); border-radius: 6px; }
.doc-line { display: flex; white-space: pre-wrap; word-break: break-word; }
.doc-line.cited { background: rgba(245, 197, 24, .15); }
.ln { flex: 0 0 3.2rem; text-align: right; padding-right: .6rem; color: var(--body-text-color-subdued);
  user-select: none; border-right: 1px solid var(--border-color-primary); margin-right: .5rem; }
mark { background: #ffe066; color: #111; padding: 0 1px; }
"""
_PAGE_CSS = "#source-col { position: sticky; top: 0; } footer { visibility: hidden; }"


def launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `Blocks.launch` that follow the settings (host, port, RAG_AUTH, file cap)."""
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "auth": auth,
        "max_file_size": f"{settings.max_file_mb:g}mb",
        "theme": gr.themes.Soft(),
        "css": _PAGE_CSS,
        "footer_links": ["api"],
    }


def build_ui(assistant: Assistant) -> gr.Blocks:
    top_k_default = assistant.settings.top_k
    demo: gr.Blocks
    with gr.Blocks(title="News QA — cited answers") as demo:
        gr.Markdown("## News QA\nAnswers come only from the indexed articles, with [n] markers pointing at exact quotes.")
        turns = gr.State([])  # plain (role, text) history for follow-up condensing, without rendered sources
        cites = gr.State({})
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Conversation", elem_id="chat", height=600, latex_delimiters=[], feedback_options=None,
                    buttons=["copy"], placeholder="Ask anything about the indexed news articles.",
                )  # fmt: skip
                question = gr.Textbox(
                    placeholder=QUESTION_PLACEHOLDER, show_label=False, lines=1, max_lines=4, elem_id="question", submit_btn="Ask"
                )
                with gr.Row():
                    new_chat = gr.Button("New conversation", variant="secondary", size="sm", elem_id="new-chat")
                gr.Examples(EXAMPLES, inputs=[question], label="Example questions")
                with gr.Accordion("Settings", open=False):
                    top_k = gr.Slider(1, 8, value=top_k_default, step=1, label="Passages given to the model (top_k)")
                    show_passages = gr.Checkbox(False, label="Show retrieved passages with their scores")
                passages = gr.Markdown(visible=False, elem_id="passages")
            with gr.Column(scale=2, elem_id="source-col"):
                picker = gr.Radio(choices=[], label="Cited sources — pick one to open the article", elem_id="citations")
                panel = gr.HTML(PANEL_PLACEHOLDER, elem_id="source-panel", js_on_load=_SCROLL_TO_MARK, css_template=_PANEL_CSS)
        with gr.Accordion("Documents", open=False):
            corpus = gr.Dataframe(headers=["File", "Chunks"], interactive=False, elem_id="corpus", wrap=True)
            uploads = gr.File(label=f"Add articles ({', '.join(ALLOWED_SUFFIXES)})", file_count="multiple",
                              file_types=list(ALLOWED_SUFFIXES), type="filepath")  # fmt: skip
            add = gr.Button("Add to the index", variant="primary", size="sm")
            upload_status = gr.Markdown()

        handlers = ChatHandlers(assistant)
        respond, open_source, select_message = handlers.respond, handlers.open_source, handlers.select_message
        reset, list_corpus, add_files, ask_api = handlers.reset, handlers.list_corpus, handlers.add_files, handlers.ask_api

        private: dict[str, Any] = {"api_visibility": "undocumented"}
        chat_io = {
            "inputs": [question, chatbot, turns, cites, top_k, show_passages],
            "outputs": [chatbot, question, turns, cites, picker, passages],
            "concurrency_limit": CHAT_CONCURRENCY,
            "concurrency_id": "answers",
            "show_progress": "minimal",
            **private,
        }
        asked = question.submit(respond, **chat_io)
        picker.input(open_source, [picker, cites], [panel], show_progress="hidden", **private)
        chatbot.select(select_message, [cites], [picker], **private)
        new_chat.click(
            reset, None, [chatbot, question, turns, cites, picker, panel, passages], cancels=[asked], queue=False, **private
        )
        show_passages.change(lambda on: gr.update(visible=on), [show_passages], [passages], queue=False, **private)
        add.click(add_files, [uploads], [upload_status, corpus, uploads], concurrency_limit=1, **private)
        demo.load(list_corpus, None, [corpus], **private)
        gr.api(ask_api, api_name="ask", concurrency_limit=CHAT_CONCURRENCY, concurrency_id="answers")  # type: ignore[attr-defined]
    demo.queue(default_concurrency_limit=CHAT_CONCURRENCY)
    return demo


class ChatHandlers:
    """The UI's event handlers, bound to one `Assistant`; plain methods so tests can call them directly."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def respond(
        self, message: str, chat: list[Any], history: list[dict[str, str]], known: Cites, k: float, show: bool
    ) -> Iterator[Outputs]:
        chat = [*(chat or []), {"role": "user", "content": escape_md(message or "")}, {"role": "assistant", "content": "…"}]
        answer: Answer | None = None
        draft = ""
        yield chat, "", history, known, gr.update(), gr.update()
        try:
            for event in self.assistant.stream(message or "", history, top_k=int(k)):
                if isinstance(event, Answer):
                    answer = event
                else:
                    draft += event
                    chat[-1] = {"role": "assistant", "content": render_draft(draft)}
                    yield chat, gr.update(), history, known, gr.update(), gr.update()
        except RagError as exc:
            chat[-1] = {"role": "assistant", "content": render_error(str(exc))}
            yield chat, gr.update(), history, known, gr.update(), gr.update()
            return
        except Exception:  # noqa: BLE001 - a bug must reach the log, not the user as a traceback
            log.exception("answering %r failed", message)
            chat[-1] = {"role": "assistant", "content": render_error("Something went wrong on our side; see the server log.")}
            yield chat, gr.update(), history, known, gr.update(), gr.update()
            return
        assert answer is not None  # stream always ends with an Answer
        chat[-1] = {"role": "assistant", "content": render_answer(answer)}
        history = [*history, {"role": "user", "content": message}, {"role": "assistant", "content": answer.text}]
        index = len(chat) - 1
        known = {**known, str(index): list(answer.citations)}
        choices = citation_choices(index, answer.citations)
        shown = gr.update(value=render_passages(answer.passages), visible=bool(show))
        yield chat, gr.update(), history, known, gr.update(choices=choices, value=None), shown

    def open_source(self, choice: str | None, known: Cites) -> str:
        if not choice:
            return PANEL_PLACEHOLDER
        message, _, position = choice.partition(":")
        try:
            citation = known[message][int(position)]
            return render_document(self.assistant.document(citation.source), citation)
        except (KeyError, IndexError, ValueError):
            return PANEL_PLACEHOLDER
        except RagError as exc:
            return f'<div class="panel-empty">{escape_md(str(exc))}</div>'

    def select_message(self, known: Cites, evt: gr.SelectData) -> Any:
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        found = known.get(str(index))
        if not found:
            return gr.update()
        return gr.update(choices=citation_choices(int(index), found), value=None)

    def reset(self) -> Outputs:
        return [], "", [], {}, gr.update(choices=[], value=None), PANEL_PLACEHOLDER, gr.update(value="", visible=False)

    def list_corpus(self) -> list[list[Any]]:
        try:
            return corpus_rows(self.assistant.sources())
        except RagError:
            return []

    def add_files(self, files: list[str] | None, progress: gr.Progress = gr.Progress()) -> Outputs:  # noqa: B008 - Gradio's idiom
        if not files:
            return "Choose one or more files first.", gr.update(), None
        try:
            result = save_uploads(files, self.assistant.settings)
            lines = [f"- ✗ {escape_md(name)}: {escape_md(why)}" for name, why in result.rejected]
            if result.saved:
                progress(0, desc="Indexing…")
                report = self.assistant.ingest(
                    self.assistant.settings.upload_dir,
                    progress=lambda done, total, name: progress((done, max(total, 1)), desc=f"Indexing {name}"),
                )
                lines.insert(0, f"Indexed {', '.join(map(escape_md, result.saved))}: {escape_md(report.summary())}")
                lines += [f"- ✗ {escape_md(s.path)}: {escape_md(s.reason)}" for s in report.skipped]
        except RagError as exc:
            return render_error(str(exc)), gr.update(), None
        return "\n".join(lines), self.list_corpus(), None

    def ask_api(self, question: str, top_k: int | None = None) -> dict[str, Any]:
        """Answer `question` from the documents: {"answer", "refused", "citations": [...], ...}."""
        try:
            return answer_payload(self.assistant.ask(question, top_k=top_k))
        except RagError as exc:
            return {"error": str(exc), "error_type": type(exc).__name__, "answer": "", "refused": True, "citations": []}
