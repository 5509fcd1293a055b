"""Turn a news article's raw text into clean prose, remembering where every character came from.

Cleaning joins hard-wrapped lines (and words split across lines, "66-\\nyear-old" -> "66-year-old"),
drops URL-only lines, "Related article:" teasers, subscription/donation/correction boilerplate and
repeated headlines, and collapses whitespace. `origin[i]` is the offset in the raw text of clean
character i, so a chunk or a quote can always be traced back to its exact place in the original file.

Simplifications: rules are line-based and tuned for English news text; a separator the cleaner
inserts (a space or a paragraph break) points at the raw line break it replaces.

Example:
    clean("a 66-\\nyear-old man\\nhttps://x.y/z\\n").text == "a 66-year-old man"
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CleanText", "clean", "extract_title", "extract_headline"]

_URL_ONLY = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.IGNORECASE)
_TEASER = re.compile(r"^\s*(?:related(?: article| story| content)?|read more|read also|see also|also read)\s*:", re.I)
_BOILERPLATE = re.compile(
    r"your support (?:helps|allows|makes)|subscribe to|subscription|paywall|donat(?:e|ion)"
    r"|suggest a correction|highlight the text and press|other topics of interest"
    r"|bookmark (?:this|your)|sign up for our newsletter|all rights reserved|show all \d+",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?:;\"”’)\]]$")
_HEADLINE_MAX = 120


@dataclass(frozen=True)
class CleanText:
    text: str
    origin: tuple[int, ...]  # raw offset of each clean character
    dropped: tuple[tuple[int, int], ...]  # raw [start, end) spans of dropped lines, with why-free simplicity

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw [start, end) covering clean [start, end)."""
        return self.origin[start], self.origin[end - 1] + 1


@dataclass
class _Line:
    start: int  # raw offset of the first non-blank character
    text: str  # stripped line text


def clean(raw: str) -> CleanText:
    lines = _split_lines(raw)
    kept, dropped = _drop_boilerplate(lines)
    paragraphs = _paragraphs(kept, raw)
    return _assemble(paragraphs, raw, dropped)


def extract_title(raw: str, fallback: str) -> str:
    """The headline if the article starts with one, else its first words."""
    headline = extract_headline(raw)
    if headline:
        return headline
    words = clean(raw).text.split()
    title = " ".join(words[:12])
    return title + ("…" if len(words) > 12 else "") if title else fallback


def extract_headline(raw: str) -> str | None:
    """The first line when it reads as a headline: short, unpunctuated, not continued below."""
    lines = [line for line in _split_lines(raw) if line is not None and line.text]
    if not lines:
        return None
    first = lines[0].text.lstrip("#").strip()
    follower = lines[1].text if len(lines) > 1 else ""
    continues = bool(follower) and follower[0].islower()
    if len(first) <= _HEADLINE_MAX and not _SENTENCE_END.search(first) and not continues:
        return first
    return None


def _split_lines(raw: str) -> list[_Line | None]:
    """Lines with their raw start offsets; None marks a blank line."""
    result: list[_Line | None] = []
    offset = 0
    for piece in raw.splitlines(keepends=True):
        body = piece.rstrip("\r\n")
        stripped = body.strip()
        if stripped:
            result.append(_Line(offset + (len(body) - len(body.lstrip())), stripped))
        else:
            result.append(None)
        offset += len(piece)
    return result


def _drop_boilerplate(lines: list[_Line | None]) -> tuple[list[_Line | None], list[tuple[int, int]]]:
    seen_headlines: dict[str, int] = {}
    for line in lines:
        if line is not None and _is_headline(line.text):
            seen_headlines[line.text] = seen_headlines.get(line.text, 0) + 1
    first_text = next((line.text for line in lines if line is not None), None)
    kept: list[_Line | None] = []
    dropped: list[tuple[int, int]] = []
    title_kept = False
    for line in lines:
        if line is None:
            kept.append(None)
            continue
        drop = bool(_URL_ONLY.match(line.text) or _TEASER.match(line.text) or _BOILERPLATE.search(line.text))
        if not drop and seen_headlines.get(line.text, 0) > 1:
            # A repeated headline: keep it once if it is the article's title, else it is a teaser.
            drop = title_kept or line.text != first_text
            title_kept = title_kept or not drop
        if drop:
            dropped.append((line.start, line.start + len(line.text)))
            kept.append(None)
        else:
            kept.append(line)
    return kept, dropped


def _is_headline(text: str) -> bool:
    return len(text) <= _HEADLINE_MAX and not _SENTENCE_END.search(text)


def _paragraphs(lines: list[_Line | None], raw: str) -> list[list[_Line]]:
    """Group lines into paragraphs, undoing hard wraps."""
    wrapped = _looks_hard_wrapped([line for line in lines if line is not None])
    paragraphs: list[list[_Line]] = []
    current: list[_Line] = []
    gap = False
    for line in lines:
        if line is None:
            gap = True
            continue
        if current and _continues(current[-1], line, wrapped, gap):
            current.append(line)
        else:
            if current:
                paragraphs.append(current)
            current = [line]
        gap = False
    if current:
        paragraphs.append(current)
    return paragraphs


def _looks_hard_wrapped(lines: list[_Line]) -> bool:
    """Most lines end near one width: a wrapped file, not one paragraph per line."""
    lengths = sorted(len(line.text) for line in lines)
    if len(lengths) < 4:
        return False
    return lengths[int(len(lengths) * 0.8)] <= 100


def _continues(previous: _Line, line: _Line, wrapped: bool, gap: bool) -> bool:
    mid_sentence = not _SENTENCE_END.search(previous.text) and (line.text[0].islower() or line.text[0].isdigit())
    if gap:
        # A sentence cut by a dropped line (a URL in the middle of a paragraph) still continues.
        return mid_sentence
    return wrapped or mid_sentence


def _assemble(paragraphs: list[list[_Line]], raw: str, dropped: list[tuple[int, int]]) -> CleanText:
    chars: list[str] = []
    origin: list[int] = []
    for p_index, paragraph in enumerate(paragraphs):
        if p_index:
            _emit_separator(chars, origin, "\n\n", paragraph[0].start - 1)
        for l_index, line in enumerate(paragraph):
            if l_index:
                previous = paragraph[l_index - 1]
                joins_word = re.search(r"\w-$", previous.text) is not None and line.text[0].isalpha()
                if not joins_word:
                    _emit_separator(chars, origin, " ", previous.start + len(previous.text))
            _emit_line(chars, origin, line)
    return CleanText("".join(chars), tuple(origin), tuple(dropped))


def _emit_separator(chars: list[str], origin: list[int], separator: str, raw_offset: int) -> None:
    for char in separator:
        chars.append(char)
        origin.append(max(raw_offset, 0))


def _emit_line(chars: list[str], origin: list[int], line: _Line) -> None:
    previous_space = False
    for offset, char in enumerate(line.text):
        if char.isspace():
            if previous_space:
                continue
            char = " "
            previous_space = True
        else:
            previous_space = False
        chars.append(char)
        origin.append(line.start + offset)
