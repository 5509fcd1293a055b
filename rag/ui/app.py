"""Layout and event wiring of the Gradio chat UI; the handlers live in `rag.ui.handlers`.

`build_ui(assistant)` returns queued Blocks that work launched on their own (`launch_options`) or
mounted in a FastAPI app (`gr.mount_gradio_app(app, demo, path, **page_options())`): the page script
rides on `demo.load(js=...)`, and `page_options` holds the theme and CSS that both take.

Example:
    demo = build_ui(assistant)
    demo.launch(**launch_options(assistant.settings))
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from rag.assistant import Assistant
from rag.config import Settings
from rag.ui.handlers import QUESTION_PLACEHOLDER, ChatHandlers
from rag.ui.render import PANEL_PLACEHOLDER
from rag.ui.static import BOOT_JS, PAGE_CSS, PANEL_CSS, SCROLL_TO_MARK
from rag.uploads import ALLOWED_SUFFIXES

__all__ = ["CHAT_CONCURRENCY", "EXAMPLES", "QUESTION_PLACEHOLDER", "build_ui", "launch_options", "page_options"]

EXAMPLES = [
    "What share of the vote did Tokayev win in 2019 and in 2022?",
    "How long is the border between Kazakhstan and Russia?",
    "Who congratulated Tokayev?",
]
# The in-process LLM serialises generation itself; a few slots let others queue visibly meanwhile.
CHAT_CONCURRENCY = 3


def page_options() -> dict[str, Any]:
    """Theme and CSS: what both `Blocks.launch` and `gr.mount_gradio_app` take for the page."""
    return {"theme": gr.themes.Soft(), "css": PAGE_CSS}


def launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `Blocks.launch` that follow the settings (host, port, RAG_AUTH, file cap) and the page."""
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "auth": auth,
        "max_file_size": f"{settings.max_file_mb:g}mb",
        "footer_links": ["api"],
        **page_options(),
    }


def build_ui(assistant: Assistant) -> gr.Blocks:
    handlers = ChatHandlers(assistant)
    private: dict[str, Any] = {"api_visibility": "undocumented"}
    demo: gr.Blocks
    with gr.Blocks(title="News QA — cited answers") as demo:
        gr.HTML(
            "<h1 class='rag-title'>News QA</h1><p>Answers come only from the indexed articles. "
            "Each claim carries a numbered citation: click it to read the quoted passage in its article.</p>",
            elem_id="intro",
        )
        turns = gr.State([])  # plain {"role", "content"} history for follow-up condensing, without rendered HTML
        cites = gr.State({})
        with gr.Row(equal_height=False, elem_id="main-row"):
            with gr.Column(scale=3, min_width=300, elem_id="chat-col"):
                chatbot = gr.Chatbot(
                    label="Conversation", show_label=False, elem_id="chat", height="min(64vh, 620px)",
                    render_markdown=False, latex_delimiters=[], feedback_options=None, buttons=["copy"],
                    examples=[{"text": text} for text in EXAMPLES],
                    placeholder="Ask anything about the indexed news articles, or pick an example.",
                )  # fmt: skip
                with gr.Row(elem_id="ask-row"):
                    question = gr.Textbox(
                        placeholder=QUESTION_PLACEHOLDER, label="Question", show_label=False, container=False,
                        lines=1, max_lines=4, scale=8, elem_id="question",
                    )  # fmt: skip
                    ask = gr.Button("Ask", variant="primary", scale=0, min_width=64, elem_id="ask")
                    stop = gr.Button("Stop", variant="stop", scale=0, min_width=64, visible=False, elem_id="stop")
                new_chat = gr.Button("New conversation", variant="secondary", size="sm", elem_id="new-chat")
                # Carries a clicked chip ("message:position:nonce") from the page script to Python.
                picked = gr.Textbox(visible="hidden", label="Open citation", elem_id="cite-pick")
            with gr.Column(scale=2, min_width=300, elem_id="source-col"):
                panel = gr.HTML(
                    PANEL_PLACEHOLDER, label="Source", elem_id="source-panel", js_on_load=SCROLL_TO_MARK, css_template=PANEL_CSS
                )
        with gr.Accordion("Settings", open=False):
            top_k = gr.Slider(1, 8, value=assistant.settings.top_k, step=1, label="Passages given to the model (top_k)")
            show_passages = gr.Checkbox(False, label="Show retrieved passages, their scores and the citation checks")
        passages = gr.Markdown(visible=False, elem_id="passages")
        with gr.Accordion("Documents", open=False, elem_id="documents") as documents:
            uploads = gr.File(
                label=f"Add articles ({', '.join(ALLOWED_SUFFIXES)}): drop or choose, they are indexed at once",
                file_count="multiple", file_types=list(ALLOWED_SUFFIXES), type="filepath", elem_id="upload",
            )  # fmt: skip
            upload_status = gr.Markdown(elem_id="upload-status")
            listing = gr.Dataframe(
                headers=["Title", "Date", "File", "Chunks"], interactive=False, wrap=True, elem_id="doc-list", label="Indexed documents"
            )
            with gr.Row(equal_height=True):
                doomed = gr.Dropdown(choices=[], label="Remove a document from the index", scale=4, elem_id="remove-pick")
                remove = gr.Button("Remove…", variant="secondary", scale=1, elem_id="remove")
            with gr.Row(visible=False, elem_id="confirm-row") as confirm_row:
                confirm_text = gr.Markdown()
                yes = gr.Button("Yes, remove it", variant="stop", elem_id="confirm-remove")
                no = gr.Button("Cancel", elem_id="cancel-remove")
            removed = gr.Markdown(elem_id="remove-status")

        chat_outputs = [chatbot, question, turns, cites, panel, passages, ask, stop]
        answering: dict[str, Any] = {
            "concurrency_limit": CHAT_CONCURRENCY,
            "concurrency_id": "answers",
            "show_progress": "hidden",  # the pending message shows its own stage and elapsed time
            **private,
        }
        # While an answer runs the box and Ask are disabled by the handler itself ("once" would also drop the
        # first question after a Stop: a cancelled event stays pending in the page).
        asked = gr.on(
            [question.submit, ask.click], handlers.respond, [question, chatbot, turns, cites, top_k, show_passages],
            chat_outputs, trigger_mode="multiple", **answering,
        )  # fmt: skip
        example = chatbot.example_select(
            handlers.respond_example, [chatbot, turns, cites, top_k, show_passages], chat_outputs, **answering
        )
        running = [asked, example]
        stop.click(handlers.stop, [chatbot], [chatbot, question, ask, stop], cancels=running, queue=False, **private)
        picked.change(handlers.open_source, [picked, cites], [panel], show_progress="hidden", queue=False, **private)
        for clear in (new_chat.click, chatbot.clear):  # the chatbot's own bin icon starts afresh too
            clear(handlers.reset, None, [*chat_outputs[:6], ask, stop], cancels=running, queue=False, **private)
        show_passages.change(lambda on: gr.update(visible=on), [show_passages], [passages], queue=False, **private)

        doc_outputs = [listing, doomed, documents]
        uploads.upload(handlers.upload, [uploads], [upload_status, *doc_outputs, uploads], concurrency_limit=1, **private)
        remove.click(handlers.ask_remove, [doomed], [confirm_row, confirm_text], queue=False, **private)
        yes.click(handlers.remove, [doomed], [confirm_row, removed, *doc_outputs], concurrency_limit=1, **private)
        no.click(lambda: gr.update(visible=False), None, [confirm_row], queue=False, **private)
        demo.load(handlers.list_documents, None, doc_outputs, **private)
        demo.load(None, None, None, js=BOOT_JS, **private)
        gr.api(handlers.ask_api, api_name="ask", concurrency_limit=CHAT_CONCURRENCY, concurrency_id="answers")  # type: ignore[attr-defined]
    demo.queue(default_concurrency_limit=CHAT_CONCURRENCY)
    return demo
