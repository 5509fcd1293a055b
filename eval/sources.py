"""Where an answer's facts come from: cited files against acceptable sources, retrieval ranks, quotes.

Pure functions, used by eval/metrics.py (which re-exports them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["covers", "first_hit_rank", "source_ranking", "quote_faithful"]


def covers(files: Iterable[str], groups: Sequence[Sequence[str]]) -> bool:
    """Every group has at least one of its files among `files` (False when there are no groups)."""
    present = set(files)
    return bool(groups) and all(present & set(group) for group in groups)


def first_hit_rank(ranking: Sequence[Sequence[str]], acceptable: Iterable[str]) -> int | None:
    """1-based rank of the first retrieval rank holding an acceptable file."""
    wanted = set(acceptable)
    return next((rank for rank, files in enumerate(ranking, start=1) if wanted & set(files)), None)


def source_ranking(passages: Sequence[Any]) -> tuple[tuple[str, ...], ...]:
    """Retrieval ranks from `Answer.passages` in list order.

    A near-duplicate from another file (`duplicate_of` set) shares the rank of the passage it copies,
    as it shares that passage's place in the LLM's context; so the first `top_k` ranks are exactly
    what the model saw, and later ranks are retrieved passages it was not shown.
    """
    ranks: list[list[str]] = []
    rank_of: dict[str, int] = {}
    for passage in passages:
        original = getattr(passage, "duplicate_of", None)
        if original is not None and original in rank_of:
            ranks[rank_of[original]].append(passage.source)
            continue
        rank_of[passage.chunk_id] = len(ranks)
        ranks.append([passage.source])
    return tuple(tuple(dict.fromkeys(files)) for files in ranks)


def quote_faithful(raw: str, quote: str, lines: tuple[int, int], chars: tuple[int, int]) -> bool:
    """The quote occurs verbatim, whitespace aside, in its 1-based inclusive line span and is its char span.

    Whitespace is removed rather than collapsed because the cleaner joins hard-wrapped words
    ("66-\\nyear-old" becomes "66-year-old"), which is the same text for a reader.
    """
    squeeze = _no_space(quote)
    if not squeeze:
        return False
    first, last = lines
    all_lines = raw.split("\n")
    if not 1 <= first <= last <= len(all_lines):
        return False
    start, end = chars
    if not 0 <= start < end <= len(raw):
        return False
    in_lines = squeeze in _no_space("\n".join(all_lines[first - 1 : last]))
    return in_lines and _no_space(raw[start:end]) == squeeze


def _no_space(text: str) -> str:
    return "".join(text.split())
