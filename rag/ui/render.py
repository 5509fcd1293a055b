"""Pure rendering for the chat UI: answers with citation chips, progress, refusals, documents, as escaped HTML.

Nothing here talks to the index or the model. The chatbot shows our HTML as is (no Markdown pass), so
every piece of model output and document text goes through `_h`: a document containing `<script>` or
`**bold**` is shown as text and never runs or formats. Markers `[n]` become chips numbered 1..n in
reading order (`renumber`), by the same rule for the streamed draft and for the final answer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from rag.documents import Document
from rag.types import Answer, Citation, DocumentInfo, EventAnswer, Passage

__all__ = [
    "PANEL_PLACEHOLDER",
    "escape_html",
    "escape_md",
    "render_answer",
    "render_document",
    "render_documents",
    "render_draft",
    "render_error",
    "render_panel_note",
    "render_passages",
    "render_status",
    "render_stopped",
    "renumber",
    "renumbered",
]

PANEL_PLACEHOLDER = (
    '<div class="panel-empty">Click a numbered citation in an answer to read the whole article here, '
    "with the quoted passage highlighted.</div>"
)
MAX_UNUSED_SHOWN = 5  # retrieved but not given to the model: a few show why, all would drown the page
_MARKER = re.compile(r"\[(\d+)\]")
# Markdown the 1.5B model sometimes writes: shown as plain text it would leak `**` onto the page.
_EMPHASIS = re.compile(r"(\*\*|__|\*)(?=\S)(.+?)(?<=\S)\1")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.MULTILINE)
_LEFTOVER = re.compile(r"[*`#]+")
_ChipFn = Callable[[int], str]  # old marker -> the HTML that stands for it


def renumber(text: str, start: dict[int, int] | None = None) -> dict[int, int]:
    """Old marker -> new marker, numbered 1..n by first appearance in `text`."""
    mapping = dict(start or {})
    for match in _MARKER.finditer(text):
        mapping.setdefault(int(match.group(1)), len(mapping) + 1)
    return mapping


def renumbered(answer: Answer) -> tuple[dict[int, int], list[Citation]]:
    """The answer's marker mapping and its citations carrying the new markers, in marker order.

    A citation whose marker is not in the text (the pipeline should not produce one) is numbered after
    the others, so every citation still has a chip in the source list.
    """
    mapping = renumber(answer.text)
    for citation in answer.citations:
        mapping.setdefault(citation.marker, len(mapping) + 1)
    cited = [replace(c, marker=mapping[c.marker]) for c in answer.citations]
    return mapping, sorted(cited, key=lambda c: c.marker)


def render_status(message: str, run: str, seconds: float, draft: str = "") -> str:
    """The pending answer: the stage it is in with elapsed seconds (ticked by the page script), then the text."""
    status = (
        f'<div class="rag-status" role="status"><span class="rag-spinner" aria-hidden="true"></span>'
        f'<span class="rag-stage">{_h(message)}</span> '
        f'<span class="rag-elapsed" data-run="{_h(run)}" data-s="{int(seconds)}">{int(seconds)} s</span></div>'
    )
    return status + (f'<div class="rag-answer">{render_draft(draft)}</div>' if draft.strip() else "")


def render_draft(text: str) -> str:
    """Streamed text so far: plain text with its markers as (not yet clickable) chips."""
    mapping = renumber(text)
    return _paragraphs(text, lambda old: f'<span class="cite pending">{mapping[old]}</span>')


def render_answer(answer: Answer, message: int = 0) -> str:
    """The final answer: text with clickable chips, per-event answers, then its sources; refusals differ.

    `message` is the answer's index in the chat: chips carry it, so a click finds this answer's citations.
    """
    if answer.refused:
        reason = answer.trace.refusal_reason
        return (
            '<div class="refusal"><p class="refusal-head">Not in the documents</p>'
            f"<p>{_h(_plain(answer.text))}</p>"
            + (f'<p class="refusal-why">Why: {_h(reason)}</p>' if reason else "")
            + '<p class="refusal-hint">Try rephrasing, or ask about something the indexed articles cover '
            "(see “Documents”).</p></div>"
        )
    mapping, citations = renumbered(answer)
    position = {c.marker: i for i, c in reversed(list(enumerate(citations)))}  # first citation of each marker

    def chip(old: int) -> str:
        new = mapping.get(old)
        if new is None or new not in position:
            return ""  # a marker without a citation points nowhere: dropped rather than shown dead
        return _chip(message, position[new], citations[position[new]])

    parts = [f'<div class="rag-answer">{_paragraphs(answer.text, chip)}</div>']
    if answer.events:
        parts.append(_events(answer.events, chip))
    if citations:
        items = "".join(
            f'<li>{_chip(message, i, c)} <span class="src-title">{_h(_shorten(c.title or c.source, 90))}</span>'
            f'<span class="src-meta">{_h(c.source)} · {_line_span(c.lines)}{f" · {_h(c.date)}" if c.date else ""}</span>'
            f'<q class="src-quote">{_h(c.quote)}</q></li>'
            for i, c in enumerate(citations)
        )
        parts.append(f'<div class="rag-sources"><p class="src-head">Sources</p><ol>{items}</ol></div>')
    return "".join(parts)


def render_error(message: str) -> str:
    return f'<div class="rag-error"><strong>I couldn\'t answer that.</strong> {_h(message)}</div>'


def render_stopped(shown: str = "") -> str:
    """What a stopped answer leaves in the chat: the already rendered words so far, marked as stopped."""
    return shown + '<p class="rag-stopped">Stopped. Ask again, or ask something else.</p>'


def render_panel_note(title: str, text: str) -> str:
    return f'<div class="panel-empty"><p class="panel-note-head">{_h(title)}</p><p>{_h(text)}</p></div>'


def render_document(document: Document, citation: Citation | None = None, heading: str = "") -> str:
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
        (f'<div class="doc-which">{_h(heading)}</div>' if heading else "")
        + f'<div class="doc-head"><div class="doc-title">{_h(document.title)}</div>'
        f'<div class="doc-file">{_h(document.source)}'
        + (f" · cited {_line_span(citation.lines)}" if citation else "")
        + (f" · {_h(citation.date)}" if citation and citation.date else "")
        + "</div>"
        + (f'<blockquote class="doc-quote">“{_h(citation.quote)}”</blockquote>' if citation else "")
        + "</div>"
    )
    return f'{header}<div class="doc-view" tabindex="0" aria-label="Article text">{"".join(rows)}</div>'


def render_documents(documents: Sequence[DocumentInfo]) -> list[list[object]]:
    """Rows for the document list: title, event date, file, chunks."""
    return [[d.title or d.source, d.date or "–", d.source, d.chunks] for d in documents]


def render_passages(passages: Sequence[Passage], trace: Sequence[str] = ()) -> str:
    """A Markdown table of what retrieval found, then how the answer was checked, for the curious."""
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
    if trace:
        rows += ["", "**How the answer was checked**", "", "```", *trace, "```"]
    return "\n".join(rows)


def _chip(message: int, position: int, citation: Citation) -> str:
    """A focusable button: the page script sends "message:position" to the server when it is clicked.

    The chatbot's HTML sanitiser drops data-* and aria-* attributes, so where the chip points is in its
    class (`at-<message>-<position>`) and the quote and title are in its `title` (the hover text).
    """
    title = citation.title or citation.source
    tip = f"Source {citation.marker}: {_shorten(title, 80)} — “{_shorten(citation.quote, 200)}”"
    return f'<button type="button" class="cite at-{message}-{position}" title="{_h(tip)}">{citation.marker}</button>'



def _events(events: Sequence[EventAnswer], chip: _ChipFn) -> str:
    rows = "".join(
        f'<tr><th scope="row">{_h(e.label)}</th><td>{_inline(e.text, chip)}</td></tr>' for e in events
    )
    return f'<table class="rag-events"><caption>By event</caption><tbody>{rows}</tbody></table>'


def _paragraphs(text: str, chip: _ChipFn) -> str:
    blocks = [block for block in re.split(r"\n\s*\n", _plain(text).strip()) if block.strip()]
    return "".join(f"<p>{_inline(block, chip).replace(chr(10), '<br>')}</p>" for block in blocks)


def _inline(text: str, chip: _ChipFn) -> str:
    """Escaped text with each [n] replaced by `chip(n)`; adjacent chips sit side by side, no separators."""
    out, last = [], 0
    for match in _MARKER.finditer(text):
        out += [_h(text[last : match.start()]), chip(int(match.group(1)))]
        last = match.end()
    out.append(_h(text[last:]))
    return "".join(out)


def _plain(text: str) -> str:
    """Model text without Markdown syntax: emphasis unwrapped, list bullets as •, stray * ` # removed."""
    text = _EMPHASIS.sub(r"\2", text)
    text = _BULLET.sub("• ", text)
    return _LEFTOVER.sub("", text)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split()).rstrip(".… ")
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


def escape_md(text: str) -> str:
    """Text for a Markdown table cell: punctuation backslash-escaped, so it renders as itself."""
    return html.escape(re.sub(r"([\\`*_{}\[\]()#+\-.!|~$^=:\"'])", r"\\\1", text), quote=False)


def escape_html(text: str) -> str:
    """HTML-escaped text that no template engine or Markdown link syntax can pick up.

    gr.HTML fills its value through templates, so `$ { }` are entities too; brackets and parentheses
    are entities so that even a Markdown pass could not make `[x](javascript:…)` a link.
    """
    escaped = html.escape(text)
    for char, entity in (("$", "&#36;"), ("{", "&#123;"), ("}", "&#125;"), ("[", "&#91;"), ("]", "&#93;"), ("(", "&#40;"), (")", "&#41;")):
        escaped = escaped.replace(char, entity)
    return escaped



_h = escape_html
