"""Kept for older imports: the chat UI's rendering lives in `rag.ui.render`."""

from rag.ui.render import escape_md, render_answer, render_document, render_draft, render_passages

__all__ = ["escape_md", "render_answer", "render_document", "render_draft", "render_passages"]
