"""Showing an eval run: rich tables on the terminal, and report.md, results.json and chart.png on disk.

Every pipeline run (ours, and the baseline when asked) is a `Run`; the first run is ours. The
markdown report gives ours per split (dev, test, all) and per category, puts the runs side by side
per category and question by question, and, after `--ablate`, the ablation table; it can be
copied to docs/ as it is.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from eval.ablation import COLUMNS, ablation_rows
from eval.chart import draw_chart
from eval.metrics import METRICS, Gold, Outcome, Score

__all__ = ["Run", "fmt", "print_table", "print_summary", "print_ablation", "write_outputs", "render_markdown"]


@dataclass(frozen=True)
class Run:
    name: str  # "ours" or "baseline"
    outcomes: list[Outcome]
    scores: list[Score]
    summary: dict[str, dict[str, Any]]  # "overall" and each category -> metric -> value
    seconds: float  # wall-clock time of the whole run
    splits: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # "all"/"dev"/"test" -> like summary

    @property
    def by_split(self) -> dict[str, dict[str, dict[str, Any]]]:
        return self.splits or {"all": self.summary}


def fmt(metric: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if metric == "latency_tail":
        return f"{value:.2f}×"
    if metric.startswith("latency"):
        return f"{value:.1f}"
    if metric == "mrr":
        return f"{value:.2f}"
    if metric == "confidently_wrong" or "tokens_p" in metric:
        return f"{value:g}"
    return f"{value:.0%}"


def verdict(result: Score) -> str:
    return "pass" if result.passed else "; ".join(result.problems)


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _files(files: Sequence[str]) -> str:
    return ",".join(name.split("_", 1)[0] for name in files) or "-"


def _first_hit(result: Score) -> str:
    if result.reciprocal_rank is None:
        return ""
    return str(round(1 / result.reciprocal_rank)) if result.reciprocal_rank else "miss"


def print_table(console: Console, questions: Sequence[Gold], runs: Sequence[Run]) -> None:
    table = Table(title="Per question", show_lines=False)
    for column in ("id", "answer", "cited", "rank", "s", "verdict"):
        table.add_column(column, overflow="fold")
    for extra in runs[1:]:
        table.add_column(f"{extra.name} verdict", overflow="fold")
    for index, gold in enumerate(questions):
        ours, result = runs[0].outcomes[index], runs[0].scores[index]
        row = [
            gold.id,
            _short(ours.text, 60),
            _files(ours.cited),
            _first_hit(result),
            f"{ours.seconds:.1f}",
            "[green]pass[/]" if result.passed else f"[red]{_escape(verdict(result))}[/]",
        ]
        row += [_escape(verdict(run.scores[index])) for run in runs[1:]]
        table.add_row(*row)
    console.print(table)


def print_summary(console: Console, runs: Sequence[Run]) -> None:
    for split, summary in runs[0].by_split.items():
        others = [run.by_split.get(split, run.summary) for run in runs[1:]]
        categories = list(summary)
        names = " (ours / " + " / ".join(r.name for r in runs[1:]) + ")" if len(runs) > 1 else ""
        table = Table(title=f"Summary, {split} questions{names}")
        table.add_column("metric")
        for category in categories:
            table.add_column(category, justify="right")
        every = [summary, *others]
        for metric, (label, _) in METRICS.items():
            table.add_row(label, *[" / ".join(fmt(metric, s.get(c, {}).get(metric)) for s in every) for c in categories])
        table.add_row("passed", *[" / ".join(_passed(s.get(c)) for s in every) for c in categories])
        console.print(table)
    for run in runs:
        console.print(f"{run.name}: {len(run.scores)} questions in {run.seconds / 60:.1f} min")


def print_ablation(console: Console, variants: Sequence[Run]) -> None:
    """The full pipeline (first) and each variant with a step off, on the same questions."""
    table = Table(title=f"Ablation ({len(variants[0].scores)} questions, one run)")
    for header in ("pipeline", *[h for _, h in COLUMNS], "latency vs full"):
        table.add_column(header, justify="left" if header == "pipeline" else "right")
    for row in ablation_rows([(run.name, run.summary["overall"]) for run in variants], fmt):
        table.add_row(*row)
    console.print(table)


def _passed(summary: dict[str, Any] | None) -> str:
    return f"{summary['passed']}/{summary['questions']}" if summary else "-"


def render_markdown(
    questions: Sequence[Gold], runs: Sequence[Run], meta: dict[str, Any], ablations: Sequence[Run] = ()
) -> str:
    ours = runs[0]
    categories = list(ours.summary)
    lines = [
        "# Eval report",
        "",
        f"Generated {meta['generated']} at commit `{meta['commit']}` by `rag eval`"
        + (" (**partial run**, `--limit`)" if meta["partial"] else "")
        + f": {len(questions)} gold questions (split: {meta.get('split', 'all')}), a fresh index of seeds/.",
        "",
        f"Settings: {', '.join(f'{k}={v}' for k, v in meta['settings'].items())}.",
        "",
        *[f"- {run.name}: {run.seconds / 60:.1f} min wall clock" for run in runs],
        "",
        "![metrics per category and latency](chart.png)",
        "",
        f"## {ours.name}: metrics per split",
        "",
        _split_table(ours),
        "",
    ]
    if ablations:
        lines += ["## Ablation: each step switched off, same questions, one run", "", _ablation_table(ablations), ""]
    for split, summary in ours.by_split.items():
        title = f"## {ours.name}, {split} questions: metrics per category"
        lines += [title, "", _summary_table(summary, list(summary)), ""]
    for run in runs[1:]:
        lines += [f"## {run.name}: metrics per category", "", _summary_table(run.summary, categories), ""]
    if len(runs) > 1:
        lines += [
            "## Side by side (ours / " + " / ".join(r.name for r in runs[1:]) + ")",
            "",
            _compare_table(runs, categories),
            "",
        ]
    lines += ["## Failed questions (ours)", ""]
    failed = [(g, s, o) for g, s, o in zip(questions, ours.scores, ours.outcomes, strict=True) if not s.passed]
    lines += [f"- **{g.id}** ({g.category}) {g.question} — {verdict(s)}. Answer: “{_short(o.text, 200)}”" for g, s, o in failed]
    lines += ["" if failed else "None.", "", "## Question by question", ""]
    header = ["id", "category", "split", "ours", "cited", "rank", "s"] + [r.name for r in runs[1:]] + ["answer (ours)"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, gold in enumerate(questions):
        result, outcome = ours.scores[index], ours.outcomes[index]
        cells = [gold.id, gold.category, gold.split, verdict(result), _files(outcome.cited), _first_hit(result)]
        cells.append(f"{outcome.seconds:.1f}")
        cells += [verdict(run.scores[index]) for run in runs[1:]]
        cells.append(_short(outcome.text, 120))
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _summary_table(summary: dict[str, dict[str, Any]], categories: list[str]) -> str:
    rows = ["| metric | " + " | ".join(categories) + " |", "|---|" + "---:|" * len(categories)]
    for metric, (label, _) in METRICS.items():
        rows.append(f"| {label} | " + " | ".join(fmt(metric, summary[c].get(metric)) for c in categories) + " |")
    rows.append("| passed | " + " | ".join(_passed(summary[c]) for c in categories) + " |")
    return "\n".join(rows)


def _split_table(run: Run) -> str:
    """Overall metrics, one column per split (dev, test, all)."""
    return _summary_table({split: summary["overall"] for split, summary in run.by_split.items()}, list(run.by_split))


def _ablation_table(variants: Sequence[Run]) -> str:
    header = ["pipeline", *[h for _, h in COLUMNS], "latency vs full"]
    rows = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    rows += ["| " + " | ".join(row) + " |" for row in ablation_rows([(r.name, r.summary["overall"]) for r in variants], fmt)]
    return "\n".join(rows)


def _compare_table(runs: Sequence[Run], categories: list[str]) -> str:
    rows = ["| metric | " + " | ".join(categories) + " |", "|---|" + "---:|" * len(categories)]
    for metric, (label, _) in METRICS.items():
        cells = [" / ".join(fmt(metric, run.summary[c].get(metric)) for run in runs) for c in categories]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _escape(text: str) -> str:
    return text.replace("[", "\\[")


def write_outputs(
    folder: Path,
    questions: Sequence[Gold],
    runs: Sequence[Run],
    settings: Any,
    *,
    partial: bool,
    split: str = "all",
    ablations: Sequence[Run] = (),
) -> list[Path]:
    """results.json, report.md and (when matplotlib is installed) chart.png under `folder`.

    `ablations`, when given, is the full pipeline's run followed by each variant's.
    """
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(folder),
        "partial": partial,
        "split": split,
        "settings": {
            name: str(getattr(settings, name))
            for name in ("top_k", "candidate_k", "dense_weight", "min_relevance", "min_support", "chunk_size", "chunk_overlap")
        }
        | {
            "llm": str(settings.llm_url or settings.llm_path or "packaged Qwen2.5-Coder-1.5B Q4_K_M"),
            "embedder": settings.embed_package,
        },
    }
    data = {
        **meta,
        "runs": {
            run.name: {
                "seconds": round(run.seconds, 1),
                "summary": run.summary,
                "splits": run.by_split,
                "questions": [
                    {
                        "question": gold.question,
                        "category": gold.category,
                        "split": gold.split,
                        **asdict(result),
                        "passed": result.passed,
                        "problems": result.problems,
                        **asdict(outcome),
                    }
                    for gold, result, outcome in zip(questions, run.scores, run.outcomes, strict=True)
                ],
            }
            for run in runs
        },
        "ablation": {run.name: {"seconds": round(run.seconds, 1), "summary": run.summary} for run in ablations},
    }
    paths = [folder / "results.json", folder / "report.md"]
    paths[0].write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    paths[1].write_text(render_markdown(questions, runs, meta, ablations), encoding="utf-8")
    chart = draw_chart(folder / "chart.png", runs)
    return paths + ([chart] if chart else [])


def _commit(folder: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=folder.parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"
