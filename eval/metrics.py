"""Pure scoring of answers against gold questions: no models, no files, no clock.

Every run (ours or the baseline) is reduced to one `Outcome` per question; `score` compares it with
its `Gold` entry and `summarise` turns a group of scores into the metrics of the report. Rates are
fractions in [0, 1]; a metric that does not apply to a group (refusal accuracy on answerable
questions, say) is None rather than a misleading 0 or 1.

Definitions (source level: a hit is a passage or citation from an acceptable file):
Patterns are matched case-insensitively on the answer text with its citation markers blanked out
(so a "[5]" never passes for "five").
- answer accuracy: answerable questions answered (not refused) with every `must` regex matching
  and no `must_not` regex matching (the wrong polarity, the other city, a re-attached number).
- confidently wrong (a count): answerable questions answered with at least one citation but
  failing `must` or matching `must_not`, plus unanswerable questions answered with a citation.
  A false statement that looks sourced; the goal is 0.
- refusal accuracy: unanswerable questions refused. A premise correction ("The articles give the
  2022 turnout, not the 2019 one [1].") is a refusal (`Answer.refused`) and counts as one, its
  citations included. False-refusal rate: answerable questions refused.
- citation precision: over all answers that are not refusals, the share of distinct cited files
  that are acceptable sources (a citation on an answered unanswerable question has no acceptable
  source, so it counts as wrong; citations on a refusal or correction are not counted).
- two-event accuracy: questions tagged with `events` answered (not refused) with each event's
  figure labelled with its year (eval/events.py says how).
- prompt tokens p50: median of `Answer.trace.prompt_tokens` over the questions that report it.
  Processed prompt tokens p50: the same, less the tokens llama.cpp took from its prompt cache
  (`Answer.trace.cached_tokens`): what the CPU actually read, so what answer time follows; its p95
  is the costliest answers' work, the same on every machine.
- latency tail: latency p95 / latency p50 of the same run. Seconds follow the machine (CI machines
  differ ~3x in speed); the ratio does not, and it grows when some answers hang, retry or run long.
- citation recall: answerable questions whose cited files cover every `needs` group (one group,
  all `sources`, unless the question needs several files).
- recall@k: answerable questions whose first k retrieval ranks cover every `needs` group;
  MRR: mean of 1 / the first rank holding an acceptable source (0 when none does).
- evidence recall: answerable questions whose evidence shown to the model (`Answer.trace.evidence`)
  matches every `must` regex: the answer was in front of the model. It splits a wrong answer into
  "never shown" (retrieval and sentence selection) and "shown, not answered" (draft and checks).
  None for a pipeline that does not report its evidence (the llama-index baseline).
- quote faithfulness: share of citation quotes found verbatim at their line span and char span.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eval.events import events_correct, strip_markers
from eval.gold import Gold
from eval.sources import covers, first_hit_rank, quote_faithful, source_ranking

__all__ = [
    "Gold",
    "Outcome",
    "Score",
    "METRICS",
    "answer_correct",
    "covers",
    "first_hit_rank",
    "pattern_faults",
    "percentile",
    "quote_faithful",
    "score",
    "source_ranking",
    "summarise",
    "summarise_by_category",
    "summarise_by_split",
]

# Report order; `higher` says which direction is better (the gate reads floors or ceilings from it).
METRICS: dict[str, tuple[str, bool]] = {
    "answer_accuracy": ("answer accuracy", True),
    "confidently_wrong": ("confidently wrong (answered, cited, wrong; count)", False),
    "refusal_accuracy": ("refusal accuracy (unanswerable refused)", True),
    "false_refusal_rate": ("false-refusal rate (answerable refused)", False),
    "citation_precision": ("citation precision", True),
    "citation_recall": ("citation recall", True),
    "recall_at_5": ("retrieval recall@5", True),
    "recall_at_k": ("retrieval recall@top_k", True),
    "mrr": ("retrieval MRR", True),
    "evidence_recall": ("evidence recall (gold answer shown to the model)", True),
    "quote_faithfulness": ("quote faithfulness", True),
    "two_event_accuracy": ("two-event accuracy (each figure with its year)", True),
    "prompt_tokens_p50": ("prompt tokens p50", False),
    "processed_tokens_p50": ("prompt tokens processed p50 (not from the prompt cache)", False),
    "processed_tokens_p95": ("prompt tokens processed p95", False),
    "latency_p50": ("latency p50 (s)", False),
    "latency_p95": ("latency p95 (s)", False),
    "latency_tail": ("latency p95 / p50 (same run)", False),
}


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
    events: tuple[tuple[str, str], ...] = ()  # (label, text) of the pipeline's per-event answers
    prompt_tokens: int | None = None  # summed over the answer's LLM calls; None when not reported
    cached_tokens: int = 0  # of prompt_tokens, taken from the engine's prompt cache
    evidence: tuple[str, ...] | None = None  # the evidence lines the model read; None when not reported
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
    split: str = "dev"
    forbidden: tuple[str, ...] = ()  # `must_not` patterns the answer matched
    confidently_wrong: bool = False  # answered, cited, and wrong (see the module docstring)
    events_ok: bool | None = None  # None unless the question spans several events
    events_missing: tuple[str, ...] = ()  # event labels whose figure is missing or not labelled
    prompt_tokens: int | None = None
    processed_tokens: int | None = None  # prompt_tokens less those from the prompt cache
    evidence_hit: bool | None = None  # the gold answer was in the evidence shown (answerable, evidence reported)

    @property
    def passed(self) -> bool:
        if not self.answerable:
            return self.refused  # a refusal may carry the citations of its premise correction
        cited_right = self.cited_ok == self.cited_total and self.quotes_ok == self.quotes_total
        return bool(self.correct and self.covered and cited_right and self.events_ok is not False)

    @property
    def problems(self) -> list[str]:
        """Why the question failed, in the words the tuning list uses."""
        if not self.answerable:
            return [] if self.refused else ["wrong refusal: answered an unanswerable question"]
        if self.refused:
            why = f" ({self.why_refused})" if self.why_refused else ""
            return ["wrong refusal: refused an answerable question" + why]
        found = []
        if self.missing:
            found.append("wrong fact: no match for " + ", ".join(f"/{m}/" for m in self.missing))
        if self.forbidden:
            found.append("wrong fact: matches forbidden " + ", ".join(f"/{m}/" for m in self.forbidden))
        if self.events_missing:
            found.append("not answered per event: no labelled figure for " + ", ".join(self.events_missing))
        if not self.covered:
            found.append("no citation of a needed source" if self.cited_ok else "no citation of an acceptable source")
        if self.cited_ok < self.cited_total:
            found.append(f"wrong citation: {self.cited_total - self.cited_ok} cited file(s) not acceptable")
        if self.quotes_ok < self.quotes_total:
            found.append(f"unfaithful quote: {self.quotes_total - self.quotes_ok} of {self.quotes_total}")
        return found


def pattern_faults(text: str, must: Sequence[str], must_not: Sequence[str] = ()) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The `must` patterns that do not match and the `must_not` ones that do (case-insensitive,
    citation markers blanked)."""
    text = strip_markers(text)
    missing = tuple(pattern for pattern in must if not re.search(pattern, text, re.IGNORECASE))
    forbidden = tuple(pattern for pattern in must_not if re.search(pattern, text, re.IGNORECASE))
    return missing, forbidden


def answer_correct(text: str, must: Sequence[str], must_not: Sequence[str] = ()) -> tuple[bool, tuple[str, ...]]:
    """Whether every `must` pattern matches and no `must_not` one does, and the patterns at fault."""
    missing, forbidden = pattern_faults(text, must, must_not)
    return not missing and not forbidden, missing + forbidden


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
    events_ok: bool | None = None
    events_missing: tuple[str, ...] = ()
    if gold.event_must:
        events_ok, events_missing = events_correct(outcome.text, gold.event_must, outcome.events)
        if outcome.refused:
            events_ok, events_missing = False, gold.events
    forbidden: tuple[str, ...] = ()
    if gold.answerable:
        missing, forbidden = pattern_faults(outcome.text, gold.must, gold.must_not)
        matched = not missing and not forbidden
        correct: bool | None = matched and not outcome.refused
        wrong_but_sourced = not matched and not outcome.refused and bool(outcome.cited)
        covered: bool | None = not outcome.refused and covers(outcome.cited, gold.groups)
        hit_5: bool | None = covers(_files(outcome.ranking[:5]), gold.groups)
        hit_k: bool | None = covers(_files(outcome.ranking[: outcome.top_k]), gold.groups)
        rank = first_hit_rank(outcome.ranking, acceptable)
        reciprocal: float | None = 1 / rank if rank else 0.0
        shown = None if outcome.evidence is None else not pattern_faults(" ".join(outcome.evidence), gold.must, ())[0]
    else:
        correct = covered = hit_5 = hit_k = shown = None
        reciprocal, missing = None, ()
        wrong_but_sourced = not outcome.refused and bool(outcome.cited)
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
        split=gold.split,
        forbidden=forbidden,
        confidently_wrong=wrong_but_sourced,
        events_ok=events_ok,
        events_missing=events_missing,
        prompt_tokens=outcome.prompt_tokens or None,
        processed_tokens=outcome.prompt_tokens - outcome.cached_tokens if outcome.prompt_tokens else None,
        evidence_hit=shown,
    )


def summarise(scores: Sequence[Score]) -> dict[str, float | int | None]:
    """The report's metrics for a group of questions (see the module docstring)."""
    answerable = [s for s in scores if s.answerable]
    unanswerable = [s for s in scores if not s.answerable]
    answered = [s for s in scores if not s.refused]  # a refusal's (correction's) citations are not judged
    cited_total = sum(s.cited_total for s in answered)
    tokens = [float(s.prompt_tokens) for s in scores if s.prompt_tokens]
    processed = [float(s.processed_tokens) for s in scores if s.processed_tokens is not None]
    quotes_total = sum(s.quotes_total for s in scores)
    seconds = [s.seconds for s in scores]
    return {
        "questions": len(scores),
        "answerable": len(answerable),
        "answer_accuracy": _rate(answerable, lambda s: bool(s.correct)),
        "confidently_wrong": sum(1 for s in scores if s.confidently_wrong),
        "refusal_accuracy": _rate(unanswerable, lambda s: s.refused),
        "false_refusal_rate": _rate(answerable, lambda s: s.refused),
        "citation_precision": sum(s.cited_ok for s in answered) / cited_total if cited_total else None,
        "citation_recall": _rate(answerable, lambda s: bool(s.covered)),
        "recall_at_5": _rate(answerable, lambda s: bool(s.hit_at_5)),
        "recall_at_k": _rate(answerable, lambda s: bool(s.hit_at_k)),
        "mrr": sum(s.reciprocal_rank or 0.0 for s in answerable) / len(answerable) if answerable else None,
        "evidence_recall": _rate([s for s in answerable if s.evidence_hit is not None], lambda s: bool(s.evidence_hit)),
        "quote_faithfulness": sum(s.quotes_ok for s in scores) / quotes_total if quotes_total else None,
        "latency_p50": percentile(seconds, 50),
        "latency_p95": percentile(seconds, 95),
        "latency_tail": _ratio(percentile(seconds, 95), percentile(seconds, 50)),
        "two_event_accuracy": _rate([s for s in scores if s.events_ok is not None], lambda s: bool(s.events_ok)),
        "prompt_tokens_p50": percentile(tokens, 50),
        "processed_tokens_p50": percentile(processed, 50),
        "processed_tokens_p95": percentile(processed, 95),
        "passed": sum(1 for s in scores if s.passed),
    }


def _ratio(part: float | None, whole: float | None) -> float | None:
    return part / whole if part is not None and whole else None


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


def summarise_by_split(scores: Sequence[Score]) -> dict[str, dict[str, dict[str, float | int | None]]]:
    """`summarise_by_category` for all the questions run ("all") and for each split among them."""
    result = {"all": summarise_by_category(scores)}
    for split in sorted({s.split for s in scores}):
        result[split] = summarise_by_category([s for s in scores if s.split == split])
    return result
