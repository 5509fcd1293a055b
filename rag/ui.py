"""The Gradio chat UI over an `Assistant` (first cut: streaming chat with cited sources)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr

from rag.assistant import Assistant
from rag.errors import RagError
from rag.types import Answer

__all__ = ["build_ui"]


def build_ui(assistant: Assistant) -> gr.Blocks:
    def respond(message: str, history: list[dict[str, Any]]) -> Iterator[str]:
        text = ""
        try:
            for event in assistant.stream(message, history):
                if isinstance(event, Answer):
                    yield _render(event)
                else:
                    text += event
                    yield text
        except RagError as exc:
            yield f"⚠️ {exc}"

    demo: gr.Blocks
    with gr.Blocks(title="News QA") as demo:
        gr.ChatInterface(
            respond, examples=["Who congratulated Tokayev?", "How long is the border between Kazakhstan and Russia?"]
        )
    return demo


def _render(answer: Answer) -> str:
    if answer.refused:
        return answer.text
    sources = "\n".join(f"- [{c.marker}] **{c.source}** (lines {c.lines[0]}–{c.lines[1]}): “{c.quote}”" for c in answer.citations)
    return f"{answer.text}\n\n{sources}"
