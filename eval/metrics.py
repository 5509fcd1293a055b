"""Pure scoring of answers against gold questions: no models, no files, no clock.

Every run (ours or the baseline) is reduced to one `Outcome` per question; `score` compares it with
its `Gold` entry and `summarise` turns a group of scores into the metrics of the report. Rates are
fractions in [0, 1]; a metric that does not apply to a group (refusal accuracy on answerable
questions, say) is None rather than a misleading 0 or 1.

Definitions (source level: a hit is a passage or citation from an acceptable file):
- answer accuracy: answerable questions answered (not refused) with every `must` regex matching.
- refusal accuracy: unanswerable questions refused; false-refusal rate: answerable questions refused.
- citation precision: over all answers, the share of distinct cited files that are acceptable
  sources (a citation on an unanswerable question has no acceptable source, so it counts as wrong).
- citation recall: answerable questions whose cited files cover every `needs` group (one group,
  all `sources`, unless the question needs several files).
- recall@k: answerable questions whose first k retrieval ranks cover every `needs` group;
  MRR: mean of 1 / the first rank holding an acceptable source (0 when none does).
- quote faithfulness: share of citation quotes found verbatim at their line span and char span.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Gold",
    "Outcome",
    "Score",
    "METRICS",
    "answer_correct",
    "covers",
    "first_hit_rank",
    "percentile",
    "quote_faithful",
    "score",
    "source_ranking",
    "summarise",
    "summarise_by_category",
]

# Report order; `higher` says which direction is better (the gate reads floors or ceilings from it).
METRICS: dict[str, tuple[str, bool]] = {
    "answer_accuracy": ("answer accuracy", True),
    "refusal_accuracy": ("refusal accuracy (unanswerable refused)", True),
    "false_refusal_rate": ("false-refusal rate (answerable refused)", False),
    "citation_precision": ("citation precision", True),
    "citation_recall": ("citation recall", True),
    "recall_at_5": ("retrieval recall@5", True),
    "recall_at_k": ("retrieval recall@top_k", True),
    "mrr": ("retrieval MRR", True),
    "quote_faithfulness": ("quote faithfulness", True),
    "latency_p50": ("latency p50 (s)", False),
    "latency_p95": ("latency p95 (s)", False),
}


@dataclass(frozen=True)
class Gold:
    id: str
    question: str
    answer: str
    must: tuple[str, ...]
    sources: tuple[str, ...]
    answerable: bool
    category: str
    needs: tuple[tuple[str, ...], ...] = ()

    @property
    def groups(self) -> tuple[tuple[str, ...], ...]:
        """The files an answer must draw on: one of each group."""
        return self.needs or ((self.sources,) if self.sources else ())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Gold:
        return cls(
            id=str(data["id"]),
            question=str(data["question"]),
            answer=str(data.get("answer", "")),
            must=tuple(data.get("must", ())),
            sources=tuple(data.get("sources", ())),
            answerable=bool(data["answerable"]),
            category=str(data["category"]),
            needs=tuple(tuple(group) for group in data.get("needs", ())),
        )


@dataclass(frozen=True)
class Outcome:
    """What a pipeline did with one question, reduced to what the metrics need."""

    text: str
    refused: bool
    cited: tuple[str, ...]  # distinct cited files, in order of first citation
    ranking: tuple[tuple[str, ...], ...]  # retrieval ranks, best first; each holds the files at that rank
    seconds: float
    quotes: tuple[bool, ...] = ()  # one verdict per citation quote; empty when the pipeline gives no quotes
    top_k: int = 4  # ranks the pipeline put in front of the LLM
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # for the report only


@dataclass(frozen=True)
class Score:
    id: str
    category: str
    answerable: bool
    correct: bool | None  # None for unanswerable questions
    refused: bool
    cited_ok: int  # distinct cited files that are acceptable
    cited_total: int
    covered: bool | None  # citations cover every needed group (answerable only)
    hit_at_5: bool | None
    hit_at_k: bool | None
    reciprocal_rank: float | None
    quotes_ok: int
    quotes_total: int
    seconds: float
    missing: tuple[str, ...] = ()  # `must` patterns the answer did not match
    why_refused: str = ""  # which stage refused, when the pipeline says

    @property
    def passed(self) -> bool:
        if not self.answerable:
            return self.refused and self.cited_total == 0
        return bool(self.correct and self.covered and self.cited_ok == self.cited_total and self.quotes_ok == self.quotes_total)

    @property
    def problems(self) -> list[str]:
        """Why the question failed, in the words the tuning list uses."""
        if not self.answerable:
            return [] if self.refused else ["wrong refusal: answered an unanswerable question"]
        if self.refused:
            why = f" ({self.why_refused})" if self.why_refused else ""
            return ["wrong refusal: refused an answerable question" + why]
        found = []
        if not self.correct:
            found.append("wrong fact: no match for " + ", ".join(f"/{m}/" for m in self.missing))
        if not self.covered:
            found.append("no citation of a needed source" if self.cited_ok else "no citation of an acceptable source")
        if self.cited_ok < self.cited_total:
            found.append(f"wrong citation: {self.cited_total - self.cited_ok} cited file(s) not acceptable")
        if self.quotes_ok < self.quotes_total:
            found.append(f"unfaithful quote: {self.quotes_total - self.quotes_ok} of {self.quotes_total}")
        return found


def answer_correct(text: str, must: Sequence[str]) -> tuple[bool, tuple[str, ...]]:
    """Whether every pattern matches (case-insensitive), and the ones that do not."""
    missing = tuple(pattern for pattern in must if not re.search(pattern, text, re.IGNORECASE))
    return not missing, missing


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


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in [0, 100]), as numpy's default; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def score(gold: Gold, outcome: Outcome) -> Score:
    acceptable = set(gold.sources)
    cited_ok = sum(1 for source in outcome.cited if source in acceptable)
    if gold.answerable:
        matched, missing = answer_correct(outcome.text, gold.must)
        correct: bool | None = matched and not outcome.refused
        covered: bool | None = not outcome.refused and covers(outcome.cited, gold.groups)
        hit_5: bool | None = covers(_files(outcome.ranking[:5]), gold.groups)
        hit_k: bool | None = covers(_files(outcome.ranking[: outcome.top_k]), gold.groups)
        rank = first_hit_rank(outcome.ranking, acceptable)
        reciprocal: float | None = 1 / rank if rank else 0.0
    else:
        correct = covered = hit_5 = hit_k = None
        reciprocal, missing = None, ()
    return Score(
        id=gold.id,
        category=gold.category,
        answerable=gold.answerable,
        correct=correct,
        refused=outcome.refused,
        cited_ok=cited_ok,
        cited_total=len(outcome.cited),
        covered=covered,
        hit_at_5=hit_5,
        hit_at_k=hit_k,
        reciprocal_rank=reciprocal,
        quotes_ok=sum(outcome.quotes),
        quotes_total=len(outcome.quotes),
        seconds=outcome.seconds,
        missing=missing,
        why_refused=str(outcome.extra.get("refusal", "")) if outcome.refused else "",
    )


def summarise(scores: Sequence[Score]) -> dict[str, float | int | None]:
    """The report's metrics for a group of questions (see the module docstring)."""
    answerable = [s for s in scores if s.answerable]
    unanswerable = [s for s in scores if not s.answerable]
    cited_total = sum(s.cited_total for s in scores)
    quotes_total = sum(s.quotes_total for s in scores)
    seconds = [s.seconds for s in scores]
    return {
        "questions": len(scores),
        "answerable": len(answerable),
        "answer_accuracy": _rate(answerable, lambda s: bool(s.correct)),
        "refusal_accuracy": _rate(unanswerable, lambda s: s.refused),
        "false_refusal_rate": _rate(answerable, lambda s: s.refused),
        "citation_precision": sum(s.cited_ok for s in scores) / cited_total if cited_total else None,
        "citation_recall": _rate(answerable, lambda s: bool(s.covered)),
        "recall_at_5": _rate(answerable, lambda s: bool(s.hit_at_5)),
        "recall_at_k": _rate(answerable, lambda s: bool(s.hit_at_k)),
        "mrr": sum(s.reciprocal_rank or 0.0 for s in answerable) / len(answerable) if answerable else None,
        "quote_faithfulness": sum(s.quotes_ok for s in scores) / quotes_total if quotes_total else None,
        "latency_p50": percentile(seconds, 50),
        "latency_p95": percentile(seconds, 95),
        "passed": sum(1 for s in scores if s.passed),
    }


def _rate(scores: Sequence[Score], test: Any) -> float | None:
    return sum(1 for s in scores if test(s)) / len(scores) if scores else None


def _files(ranks: Sequence[Sequence[str]]) -> list[str]:
    return [source for rank in ranks for source in rank]


def summarise_by_category(scores: Sequence[Score]) -> dict[str, dict[str, float | int | None]]:
    """`summarise` for all questions ("overall") and for each category, in first-seen order."""
    categories = list(dict.fromkeys(s.category for s in scores))
    result = {"overall": summarise(scores)}
    result.update({category: summarise([s for s in scores if s.category == category]) for category in categories})
    return result


def _no_space(text: str) -> str:
    return "".join(text.split())
