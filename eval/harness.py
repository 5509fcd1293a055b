"""`rag eval`: every gold question through the public `Assistant` API on a fresh index of seeds/.

The models are loaded once; the index is built in a temporary folder (never the user's .rag/), so
the figures depend only on the code, the settings and the corpus. `split` picks the questions:
"dev" (the only split to tune on), "test" (kept out of tuning) or "all"; every metric is reported
per split. A follow-up question is asked with its `history`. With `baseline`, the default
llama-index pipeline answers the same questions on the same model objects; with `ablate`, the
pipeline answers them again once per named step switched off (eval/ablation.py). With `gate`, each
split's overall metrics are compared to eval/thresholds.toml (eval/gate.py) and the exit code says
whether all hold.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from eval.ablation import Ablation, parse_ablations
from eval.gate import check_gate, check_splits, load_thresholds
from eval.gold import SPLITS
from eval.metrics import Gold, Outcome, quote_faithful, score, source_ranking, summarise_by_category, summarise_by_split
from eval.report import Run, print_ablation, print_summary, print_table, write_outputs
from rag.answering import REFUSAL
from rag.assistant import Assistant
from rag.config import Settings
from rag.errors import ConfigError, RagError
from rag.types import Answer

__all__ = [
    "ROOT",
    "GOLD",
    "THRESHOLDS",
    "RESULTS",
    "load_gold",
    "load_thresholds",
    "check_gate",
    "check_splits",
    "select",
    "outcome_of",
    "run_ours",
    "run_cli",
]

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "eval" / "gold.jsonl"
SEEDS = ROOT / "seeds"
THRESHOLDS = ROOT / "eval" / "thresholds.toml"
RESULTS = ROOT / "eval" / "results"

_ADMITS = re.compile(
    r"(?:do|does|did)(?: not|n't) (?:say|mention|contain|state)|no information|(?:cannot|can't) (?:find|answer)", re.I
)

Progress = Callable[[int, int, Gold, Outcome], None]


def load_gold(path: Path = GOLD) -> list[Gold]:
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [Gold.from_dict(json.loads(line)) for line in lines]
    except FileNotFoundError:
        raise ConfigError(f"The gold set {path} is missing: run `rag eval` from a checkout of the repository.") from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"The gold set {path} is invalid ({exc}); `pytest tests/test_gold_set.py` says where.") from None


def select(questions: Sequence[Gold], split: str = "all", limit: int | None = None) -> list[Gold]:
    """The questions of one split ("dev", "test") or of both ("all"), then the first `limit` of them."""
    if split not in (*SPLITS, "all"):
        raise ConfigError(f"--split must be dev, test or all, got {split!r}.")
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {limit}.")
    chosen = [q for q in questions if split == "all" or q.split == split]
    return chosen[:limit] if limit is not None else chosen


def run_ours(assistant: Assistant, questions: Sequence[Gold], progress: Progress | None = None) -> list[Outcome]:
    """Ask each question (with its history); check each citation's quote against the original file."""
    raws: dict[str, str] = {}
    outcomes = []
    for number, gold in enumerate(questions, start=1):
        answer, streamed = _ask(assistant, gold)
        verdicts = []
        for citation in answer.citations:
            if citation.source not in raws:
                raws[citation.source] = assistant.document(citation.source).raw
            verdicts.append(quote_faithful(raws[citation.source], citation.quote, citation.lines, citation.chars))
        outcome = outcome_of(answer, tuple(verdicts), assistant.settings.top_k, streamed)
        outcomes.append(outcome)
        if progress is not None:
            progress(number, len(questions), gold, outcome)
    return outcomes


def outcome_of(answer: Any, quotes: tuple[bool, ...], top_k: int, streamed: str = "") -> Outcome:
    """An `Answer` reduced to what the metrics need; its trace, where it has one, goes to `extra`.

    `prompt_tokens` is None when the answer has no trace or reports 0 (not measured). The model's
    draft is the trace's, or else the streamed text; a refusal's reason is the trace's, or else
    judged from the draft.
    """
    trace = getattr(answer, "trace", None)
    draft = str(getattr(trace, "draft", "") or streamed)
    reason = str(getattr(trace, "refusal_reason", "") or "")
    events = list(getattr(answer, "events", None) or [])
    return Outcome(
        text=answer.text,
        refused=answer.refused,
        cited=tuple(dict.fromkeys(c.source for c in answer.citations)),
        ranking=source_ranking(answer.passages),
        seconds=answer.seconds,
        quotes=quotes,
        top_k=top_k,
        events=tuple((str(e.label), str(e.text)) for e in events),
        prompt_tokens=int(getattr(trace, "prompt_tokens", 0) or 0) or None,
        cached_tokens=int(getattr(trace, "cached_tokens", 0) or 0),
        evidence=None if trace is None else tuple(str(line) for line in getattr(trace, "evidence", ())),
        extra={
            "draft": draft,
            "refusal": (reason or refusal_kind(draft)) if answer.refused else "",
            "standalone_question": str(getattr(answer, "standalone_question", "") or ""),
            "llm_calls": int(getattr(trace, "llm_calls", 0) or 0),
            "checks": [
                f"{'pass' if c.passed else 'FAIL'} {c.kind} {c.score:.2f} {c.source[:3]}: {c.claim[:80]} {c.note}".rstrip()
                for c in getattr(trace, "checks", [])
            ],
            "events": [{"label": e.label, "text": e.text, "sources": list(getattr(e, "sources", ()))} for e in events],
            "citations": [
                {"source": c.source, "marker": c.marker, "lines": list(c.lines), "chars": list(c.chars), "quote": c.quote}
                for c in answer.citations
            ],
        },
    )


def _ask(assistant: Assistant, gold: Gold) -> tuple[Answer, str]:
    """The checked answer and the text streamed before it (progress events skipped)."""
    deltas: list[str] = []
    for event in assistant.stream(gold.question, gold.messages() or None):
        if isinstance(event, Answer):
            return event, "".join(deltas)
        if isinstance(event, str):
            deltas.append(event)
    raise RagError("The answer stream ended without an answer.")


def refusal_kind(draft: str) -> str:
    """Which stage turned the answer into a refusal, judged from the model's raw draft."""
    if draft.strip() == REFUSAL:
        return "relevance gate, no LLM call"
    if "NOT IN DOCUMENTS" in draft.upper() or _ADMITS.search(draft):
        return "the model said the documents do not say"
    return "the model answered, the citation check rejected it"


def run_cli(
    settings: Settings,
    *,
    gate: bool = False,
    baseline: bool = False,
    limit: int | None = None,
    split: str = "all",
    ablate: str | Sequence[str] | None = None,
) -> int:
    """The `rag eval` command; returns its exit code (1 when the gate fails)."""
    # A CI log is not a terminal; rich would wrap the tables at 80 columns.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    questions = select(load_gold(), split, limit)
    if not questions:
        raise ConfigError(f"No gold question is in the {split} split.")
    variants = parse_ablations(ablate) if ablate else []
    runs: list[Run] = []
    ablations: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="rag-eval-") as folder:
        # Always an embedded index of its own: an eval must not touch a shared Chroma server or the user's index.
        fresh = settings.replace(
            corpus_dir=SEEDS, index_dir=Path(folder) / "index", upload_dir=Path(folder) / "uploads", chroma_url=None
        )
        ablated = [(variant, fresh.replace(**variant.changes)) for variant in variants]  # a bad name fails before any model loads
        assistant = Assistant(fresh)
        started = time.perf_counter()
        with console.status("Loading models and indexing seeds/ …"):
            report = assistant.ingest(SEEDS)
            assistant.llm  # noqa: B018 - load the LLM now, so the first answer's latency is an answer's
            assistant.retrieve(questions[0].question)  # builds BM25 once, outside the timed answers
        console.print(f"Indexed {report.summary()}; setup {time.perf_counter() - started:.1f} s; split {split}")
        runs.append(_timed("ours", questions, lambda p: run_ours(assistant, questions, p), console))
        for variant, changed in ablated:
            ablations.append(_ablated(variant, changed, assistant, questions, console))
        if baseline:
            from eval.baseline import Baseline

            with console.status("Building the llama-index baseline …"):
                base = Baseline(SEEDS, llm=assistant.llm, embedder=assistant.embedder)
            runs.append(_timed("baseline", questions, lambda p: _run_baseline(base, questions, p), console))
    print_table(console, questions, runs)
    print_summary(console, runs)
    if ablations:
        print_ablation(console, [runs[0], *ablations])
    paths = write_outputs(
        RESULTS, questions, runs, fresh, partial=limit is not None, split=split, ablations=[runs[0], *ablations] if ablations else []
    )
    console.print("Wrote " + ", ".join(str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in paths))
    return _gate(console, runs[0], split, limit) if gate else 0


def _ablated(variant: Ablation, settings: Settings, full: Assistant, questions: Sequence[Gold], console: Console) -> Run:
    """The questions again with one step off: a new Assistant on the same models and index folder."""
    other = Assistant(settings, llm=full.llm, embedder=full.embedder)
    other.retrieve(questions[0].question)  # its own BM25, built outside the timed answers
    return _timed(variant.label, questions, lambda p: run_ours(other, questions, p), console)


def _gate(console: Console, ours: Run, split: str, limit: int | None) -> int:
    summaries = {name: ours.splits[name]["overall"] for name in SPLITS if name in ours.splits}
    failures = check_splits(summaries, load_thresholds(THRESHOLDS))
    if split != "all":
        console.print(f"[yellow]Gate on the {split} split only; `rag eval --gate` checks both.[/]")
    if limit is not None:
        console.print(f"[yellow]Gate on a partial run ({len(ours.scores)} questions): figures are not comparable.[/]")
    if failures:
        console.print("[bold red]Eval gate FAILED[/] (eval/thresholds.toml):")
        for line in failures:
            console.print(f"  - {line}")
        return 1
    checked = " and ".join(summaries) or "no split"
    console.print(f"[bold green]Eval gate passed[/]: every metric of {checked} is within eval/thresholds.toml.")
    return 0


def _run_baseline(base: Any, questions: Sequence[Gold], progress: Progress) -> list[Outcome]:
    outcomes = []
    for number, gold in enumerate(questions, start=1):
        try:
            outcome = base.ask(gold.question)
        except RagError:
            raise
        except Exception as exc:  # noqa: BLE001 - a baseline failure is scored as an empty answer, not a crash
            outcome = Outcome(text="", refused=True, cited=(), ranking=(), seconds=0.0, extra={"error": repr(exc)})
        outcomes.append(outcome)
        progress(number, len(questions), gold, outcome)
    return outcomes


def _timed(name: str, questions: Sequence[Gold], execute: Callable[[Progress], list[Outcome]], console: Console) -> Run:
    def progress(number: int, total: int, gold: Gold, outcome: Outcome) -> None:
        result = score(gold, outcome)
        verdict = "[green]pass[/]" if result.passed else "[red]" + "; ".join(result.problems).replace("[", "\\[") + "[/]"
        console.print(f"{name} [{number}/{total}] {gold.id} {outcome.seconds:5.1f} s {verdict}", highlight=False)

    started = time.perf_counter()
    outcomes = execute(progress)
    scores = [score(gold, outcome) for gold, outcome in zip(questions, outcomes, strict=True)]
    seconds = time.perf_counter() - started
    return Run(name, outcomes, scores, summarise_by_category(scores), seconds, summarise_by_split(scores))
