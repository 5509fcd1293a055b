"""`rag eval`: every gold question through the public `Assistant` API on a fresh index of seeds/.

The models are loaded once; the index is built in a temporary folder (never the user's .rag/), so
the figures depend only on the code, the settings and the corpus. With `baseline`, the default
llama-index pipeline answers the same questions on the same model objects. With `gate`, the
overall metrics are compared to eval/thresholds.toml and the exit code says whether all hold.
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

from eval.metrics import METRICS, Gold, Outcome, quote_faithful, score, source_ranking, summarise_by_category
from eval.report import Run, print_summary, print_table, write_outputs
from rag.answering import REFUSAL
from rag.assistant import Assistant
from rag.config import Settings, read_toml
from rag.errors import ConfigError, RagError
from rag.types import Answer

__all__ = ["ROOT", "GOLD", "THRESHOLDS", "RESULTS", "load_gold", "load_thresholds", "check_gate", "run_ours", "run_cli"]

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
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConfigError(f"The gold set {path} is invalid ({exc}); `pytest tests/test_gold_set.py` says where.") from None


def load_thresholds(path: Path = THRESHOLDS) -> dict[str, dict[str, float]]:
    """{"floors": {metric: minimum}, "ceilings": {metric: maximum}}, metric names as in `METRICS`."""
    data = read_toml(path, f"No thresholds file at {path}; the gate needs one.")
    tables = {kind: {str(k): float(v) for k, v in dict(data.get(kind, {})).items()} for kind in ("floors", "ceilings")}
    unknown = sorted((set(tables["floors"]) | set(tables["ceilings"])) - set(METRICS))
    if unknown:
        raise ConfigError(f"{path} names unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}.")
    return tables


def check_gate(summary: dict[str, Any], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """One line per metric on the wrong side of its floor or ceiling; a metric not measured fails too."""
    failures = []
    for kind, below in (("floors", True), ("ceilings", False)):
        for metric, limit in thresholds.get(kind, {}).items():
            value = summary.get(metric)
            if value is None:
                failures.append(f"{metric} was not measured (its {kind[:-1]} is {limit:g})")
            elif (value < limit) if below else (value > limit):
                word = "below its floor" if below else "above its ceiling"
                failures.append(f"{metric} = {_show(metric, value)} is {word} {_show(metric, limit)}")
    return failures


def run_ours(assistant: Assistant, questions: Sequence[Gold], progress: Progress | None = None) -> list[Outcome]:
    """Ask each question; check each citation's quote against the original file."""
    raws: dict[str, str] = {}
    outcomes = []
    for number, gold in enumerate(questions, start=1):
        answer, draft = _ask(assistant, gold.question)
        verdicts = []
        for citation in answer.citations:
            if citation.source not in raws:
                raws[citation.source] = assistant.document(citation.source).raw
            verdicts.append(quote_faithful(raws[citation.source], citation.quote, citation.lines, citation.chars))
        outcome = Outcome(
            text=answer.text,
            refused=answer.refused,
            cited=tuple(dict.fromkeys(c.source for c in answer.citations)),
            ranking=source_ranking(answer.passages),
            seconds=answer.seconds,
            quotes=tuple(verdicts),
            top_k=assistant.settings.top_k,
            extra={
                "draft": draft,
                "refusal": refusal_kind(draft) if answer.refused else "",
                "citations": [
                    {"source": c.source, "marker": c.marker, "lines": list(c.lines), "chars": list(c.chars), "quote": c.quote}
                    for c in answer.citations
                ],
            },
        )
        outcomes.append(outcome)
        if progress is not None:
            progress(number, len(questions), gold, outcome)
    return outcomes


def _ask(assistant: Assistant, question: str) -> tuple[Answer, str]:
    """The checked answer and the model's raw draft (which tells why an answer became a refusal)."""
    deltas: list[str] = []
    for event in assistant.stream(question):
        if isinstance(event, Answer):
            return event, "".join(deltas)
        deltas.append(event)
    raise RagError("The answer stream ended without an answer.")


def refusal_kind(draft: str) -> str:
    """Which stage turned the answer into a refusal, judged from the model's raw draft."""
    if draft.strip() == REFUSAL:
        return "relevance gate, no LLM call"
    if "NOT IN DOCUMENTS" in draft.upper() or _ADMITS.search(draft):
        return "the model said the documents do not say"
    return "the model answered, the citation check rejected it"


def run_cli(settings: Settings, *, gate: bool = False, baseline: bool = False, limit: int | None = None) -> int:
    """The `rag eval` command; returns its exit code (1 when the gate fails)."""
    # A CI log is not a terminal; rich would wrap the tables at 80 columns.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    questions = load_gold()
    if limit is not None:
        if limit < 1:
            raise ConfigError(f"--limit must be at least 1, got {limit}.")
        questions = questions[:limit]
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="rag-eval-") as folder:
        # Always an embedded index of its own: an eval must not touch a shared Chroma server or the user's index.
        fresh = settings.replace(
            corpus_dir=SEEDS, index_dir=Path(folder) / "index", upload_dir=Path(folder) / "uploads", chroma_url=None
        )
        assistant = Assistant(fresh)
        started = time.perf_counter()
        with console.status("Loading models and indexing seeds/ …"):
            report = assistant.ingest(SEEDS)
            assistant.llm  # noqa: B018 - load the LLM now, so the first answer's latency is an answer's
            assistant.retrieve(questions[0].question)  # builds BM25 once, outside the timed answers
        console.print(f"Indexed {report.summary()}; setup {time.perf_counter() - started:.1f} s")
        runs.append(_timed("ours", questions, lambda p: run_ours(assistant, questions, p), console))
        if baseline:
            from eval.baseline import Baseline

            with console.status("Building the llama-index baseline …"):
                base = Baseline(SEEDS, llm=assistant.llm, embedder=assistant.embedder)
            runs.append(_timed("baseline", questions, lambda p: _run_baseline(base, questions, p), console))
    print_table(console, questions, runs)
    print_summary(console, runs)
    paths = write_outputs(RESULTS, questions, runs, fresh, partial=limit is not None)
    console.print("Wrote " + ", ".join(str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in paths))
    if not gate:
        return 0
    failures = check_gate(runs[0].summary["overall"], load_thresholds())
    if limit is not None:
        console.print(f"[yellow]Gate on a partial run ({len(questions)} questions): figures are not comparable.[/]")
    if failures:
        console.print("[bold red]Eval gate FAILED[/] (eval/thresholds.toml):")
        for line in failures:
            console.print(f"  - {line}")
        return 1
    console.print("[bold green]Eval gate passed[/]: every metric is within eval/thresholds.toml.")
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
    return Run(name, outcomes, scores, summarise_by_category(scores), time.perf_counter() - started)


def _show(metric: str, value: float) -> str:
    return f"{value:.1f} s" if metric.startswith("latency") else f"{value:.1%}"
