"""Pure rendering for the chat UI: answers, refusals, errors and documents as escaped Markdown/HTML.

Nothing here talks to the index or the model. Every piece of document text and model output goes
through `escape_md` (chat Markdown) or `html.escape` (the source panel), so a document containing
`<script>` is shown as text and never runs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from rag.documents import Document
from rag.types import Answer, Citation, Passage

__all__ = [
    "PANEL_PLACEHOLDER",
    "answer_payload",
    "citation_choices",
    "corpus_rows",
    "escape_md",
    "render_answer",
    "render_document",
    "render_draft",
    "render_error",
    "render_passages",
]

PANEL_PLACEHOLDER = (
    '<div class="panel-empty">Pick a cited source to read the whole article here, with the quote highlighted.</div>'
)

# CommonMark treats any backslash-escaped ASCII punctuation as a literal; &, < and > are left to html.escape.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$^=:\"'])")
MAX_UNUSED_SHOWN = 5  # retrieved but not given to the model: a few show why, all would drown the page
_MARKER = re.compile(r"\\\[(\d+)\\\]")


def escape_md(text: str) -> str:
    """`text` as Markdown that renders to exactly that text: no formatting, links, HTML or math."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=False)


def render_draft(text: str) -> str:
    """The answer while it streams: the model's words so far, as text, with a cursor."""
    return escape_md(text) + " ▍"


def render_answer(answer: Answer) -> str:
    """The final chat message: the answer with bold [n] markers, then its sources; refusals look different."""
    if answer.refused:
        return (
            "> **Not in the documents**\n>\n"
            f"> {escape_md(answer.text)}\n>\n"
            "> *Try rephrasing, or ask about something the indexed articles cover (see “Documents”).*"
        )
    body = _MARKER.sub(r"**[\1]**", escape_md(answer.text))
    if not answer.citations:
        return body
    lines = [body, "", "---", "**Sources**", ""]
    for citation in answer.citations:
        where = _line_span(citation.lines)
        title = f" · *{escape_md(_shorten(citation.title, 70))}*" if citation.title else ""
        lines.append(f"**[{citation.marker}]** {escape_md(citation.source)}{title} · {where}  ")
        lines.append(f"> “{escape_md(citation.quote)}”")
        lines.append("")
    return "\n".join(lines).rstrip()


def render_error(message: str) -> str:
    return f"**I couldn't answer that.** {escape_md(message)}"


def citation_choices(message_index: int, citations: Sequence[Citation]) -> list[tuple[str, str]]:
    """(label, value) pairs for the source picker; the value finds the citation again in the session state."""
    return [
        (f"[{c.marker}] {c.source} · {_line_span(c.lines)}", f"{message_index}:{position}")
        for position, c in enumerate(citations)
    ]


def render_document(document: Document, citation: Citation | None = None) -> str:
    """The original text with line numbers; the cited characters marked, the cited lines shaded."""
    start, end = citation.chars if citation else (0, 0)
    first, last = citation.lines if citation else (0, -1)
    if start >= end and citation is not None:
        start, end = _line_chars(document.raw, first, last)
    rows = []
    offset = 0
    for number, line in enumerate(document.raw.split("\n"), start=1):
        line_end = offset + len(line)
        cited = first <= number <= last or (start < line_end and end > offset and start < end)
        rows.append(
            f'<div class="doc-line{" cited" if cited else ""}"><span class="ln">{number}</span>'
            f'<span class="tx">{_marked(line, offset, start, end)}</span></div>'
        )
        offset = line_end + 1
    header = (
        f'<div class="doc-head"><div class="doc-title">{_h(document.title)}</div>'
        f'<div class="doc-file">{_h(document.source)}'
        + (f" · cited {_line_span(citation.lines)}" if citation else "")
        + "</div>"
        + (f'<blockquote class="doc-quote">“{_h(citation.quote)}”</blockquote>' if citation else "")
        + "</div>"
    )
    return f'{header}<div class="doc-view">{"".join(rows)}</div>'


def render_passages(passages: Sequence[Passage]) -> str:
    """A Markdown table of what retrieval found, for the curious."""
    if not passages:
        return "*No passages were retrieved.*"
    used = [p for p in passages if p.number]
    unused = [p for p in passages if not p.number]
    rows = ["| # | File | Lines | Fused score | Similarity | Excerpt |", "|---|---|---|---|---|---|"]
    for passage in [*used, *unused[:MAX_UNUSED_SHOWN]]:
        similarity = f"{passage.similarity:.3f}" if passage.similarity is not None else "–"
        number = str(passage.number) if passage.number else "not used"
        excerpt = " ".join(passage.text.split())
        excerpt = excerpt if len(excerpt) <= 180 else excerpt[:177] + "…"
        rows.append(
            f"| {number} | {escape_md(passage.source)} | {passage.lines[0]}–{passage.lines[1]} | "
            f"{passage.score:.4f} | {similarity} | {escape_md(excerpt)} |"
        )
    if len(unused) > MAX_UNUSED_SHOWN:
        rows.append(f"\n*…and {len(unused) - MAX_UNUSED_SHOWN} more retrieved passages that ranked too low to use.*")
    return "\n".join(rows)


def corpus_rows(sources: Mapping[str, int]) -> list[list[Any]]:
    return [[name, chunks] for name, chunks in sources.items()]


def answer_payload(answer: Answer) -> dict[str, Any]:
    """The `/ask` API's JSON: `rag ask --json`'s shape, with each citation's title and character span."""
    payload = answer.to_dict()
    for entry, citation in zip(payload["citations"], answer.citations, strict=True):
        entry["title"] = citation.title
        entry["chars"] = list(citation.chars)
    return payload


def _shorten(text: str, limit: int) -> str:
    text = text.rstrip(".… ")
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _line_span(lines: tuple[int, int]) -> str:
    return f"line {lines[0]}" if lines[0] == lines[1] else f"lines {lines[0]}–{lines[1]}"


def _line_chars(raw: str, first: int, last: int) -> tuple[int, int]:
    starts = [0] + [i + 1 for i, char in enumerate(raw) if char == "\n"]
    if not 1 <= first <= len(starts):
        return 0, 0
    end = starts[last] - 1 if last < len(starts) else len(raw)
    return starts[first - 1], end


def _marked(line: str, offset: int, start: int, end: int) -> str:
    lo, hi = max(start - offset, 0), min(end - offset, len(line))
    if start >= end or lo >= hi:
        return _h(line) or "&#8203;"
    return f"{_h(line[:lo])}<mark>{_h(line[lo:hi])}</mark>{_h(line[hi:])}"


def _h(text: str) -> str:
    # gr.HTML fills its value through JS/Handlebars templates: template syntax is defused as well as markup.
    return html.escape(text).replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;")
