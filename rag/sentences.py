"""Sentence boundaries from pysbd (rule-based, abbreviation-aware: "St. Petersburg", "Nov. 21", "U.S.").

One place for sentence splitting: evidence selection, citation quotes, claim checks and dating all
cut text the same way. Hard-wrapped lines are already joined by cleaning, so a newline inside a
passage is a paragraph break and always ends a sentence.

Example:
    split_sentences("He met Putin in St. Petersburg. It rained.") -> ["He met Putin in St. Petersburg.", "It rained."]
"""

from __future__ import annotations

import re
import threading

import pysbd

__all__ = ["sentence_spans", "split_sentences"]

_local = threading.local()  # pysbd keeps state per call; one segmenter per thread is safe and cheap
_PARAGRAPH = re.compile(r"\n\s*")


def _segmenter() -> pysbd.Segmenter:
    segmenter = getattr(_local, "segmenter", None)
    if segmenter is None:
        segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
        _local.segmenter = segmenter
    return segmenter


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence of `text`, surrounding white space excluded."""
    spans: list[tuple[int, int]] = []
    start = 0
    for paragraph_end in [m.start() for m in _PARAGRAPH.finditer(text)] + [len(text)]:
        block = text[start:paragraph_end]
        if block.strip():
            for piece in _segmenter().segment(block):
                a, b = start + piece.start, start + piece.end
                while a < b and text[a].isspace():
                    a += 1
                while b > a and text[b - 1].isspace():
                    b -= 1
                if b > a:
                    spans.append((a, b))
        match = _PARAGRAPH.match(text, paragraph_end)
        start = match.end() if match else paragraph_end
    return spans


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]
