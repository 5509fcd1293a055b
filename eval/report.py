"""Showing an eval run: rich tables on the terminal, and report.md, results.json and chart.png on disk.

Every pipeline run (ours, and the baseline when asked) is a `Run`; the first run is ours. The
markdown report puts the runs side by side per category and question by question, so it can be
copied to docs/ as it is.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from eval.metrics import METRICS, Gold, Outcome, Score

__all__ = ["Run", "print_table", "print_summary", "write_outputs", "render_markdown"]

_CHART_METRICS = ("answer_accuracy", "citation_precision", "citation_recall", "recall_at_5", "refusal_accuracy")


@dataclass(frozen=True)
class Run:
    name: str  # "ours" or "baseline"
    outcomes: list[Outcome]
    scores: list[Score]
    summary: dict[str, dict[str, Any]]  # "overall" and each category -> metric -> value
    seconds: float  # wall-clock time of the whole run


def fmt(metric: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if metric.startswith("latency"):
        return f"{value:.1f}"
    if metric == "mrr":
        return f"{value:.2f}"
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
    categories = list(runs[0].summary)
    table = Table(title="Summary" + (" (ours / " + " / ".join(r.name for r in runs[1:]) + ")" if len(runs) > 1 else ""))
    table.add_column("metric")
    for category in categories:
        table.add_column(category, justify="right")
    for metric, (label, _) in METRICS.items():
        table.add_row(label, *[" / ".join(fmt(metric, run.summary[c].get(metric)) for run in runs) for c in categories])
    table.add_row(
        "passed", *[" / ".join(f"{run.summary[c]['passed']}/{run.summary[c]['questions']}" for run in runs) for c in categories]
    )
    console.print(table)
    for run in runs:
        console.print(f"{run.name}: {len(run.scores)} questions in {run.seconds / 60:.1f} min")


def render_markdown(questions: Sequence[Gold], runs: Sequence[Run], meta: dict[str, Any]) -> str:
    ours = runs[0]
    categories = list(ours.summary)
    lines = [
        "# Eval report",
        "",
        f"Generated {meta['generated']} at commit `{meta['commit']}` by `rag eval`"
        + (" (**partial run**, `--limit`)" if meta["partial"] else "")
        + f": {len(questions)} gold questions, a fresh index of seeds/.",
        "",
        f"Settings: {', '.join(f'{k}={v}' for k, v in meta['settings'].items())}.",
        "",
        *[f"- {run.name}: {run.seconds / 60:.1f} min wall clock" for run in runs],
        "",
        "![metrics per category and latency](chart.png)",
        "",
    ]
    for run in runs:
        lines += [f"## {run.name}: metrics per category", "", _summary_table(run, categories), ""]
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
    header = ["id", "category", "ours", "cited", "rank", "s"] + [r.name for r in runs[1:]] + ["answer (ours)"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, gold in enumerate(questions):
        result, outcome = ours.scores[index], ours.outcomes[index]
        cells = [gold.id, gold.category, verdict(result), _files(outcome.cited), _first_hit(result), f"{outcome.seconds:.1f}"]
        cells += [verdict(run.scores[index]) for run in runs[1:]]
        cells.append(_short(outcome.text, 120))
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _summary_table(run: Run, categories: list[str]) -> str:
    rows = ["| metric | " + " | ".join(categories) + " |", "|---|" + "---:|" * len(categories)]
    for metric, (label, _) in METRICS.items():
        rows.append(f"| {label} | " + " | ".join(fmt(metric, run.summary[c].get(metric)) for c in categories) + " |")
    rows.append(
        "| passed | " + " | ".join(f"{run.summary[c]['passed']}/{run.summary[c]['questions']}" for c in categories) + " |"
    )
    return "\n".join(rows)


def _compare_table(runs: Sequence[Run], categories: list[str]) -> str:
    rows = ["| metric | " + " | ".join(categories) + " |", "|---|" + "---:|" * len(categories)]
    for metric, (label, _) in METRICS.items():
        cells = [" / ".join(fmt(metric, run.summary[c].get(metric)) for run in runs) for c in categories]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _escape(text: str) -> str:
    return text.replace("[", "\\[")


def write_outputs(folder: Path, questions: Sequence[Gold], runs: Sequence[Run], settings: Any, *, partial: bool) -> list[Path]:
    """results.json, report.md and (when matplotlib is installed) chart.png under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(folder),
        "partial": partial,
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
                "questions": [
                    {
                        "question": gold.question,
                        "category": gold.category,
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
    }
    paths = [folder / "results.json", folder / "report.md"]
    paths[0].write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    paths[1].write_text(render_markdown(questions, runs, meta), encoding="utf-8")
    chart = _chart(folder / "chart.png", runs)
    return paths + ([chart] if chart else [])


def _chart(path: Path, runs: Sequence[Run]) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display on CI
        import matplotlib.pyplot as plt
    except ImportError:
        return None  # matplotlib is a dev extra; the tables carry the same figures
    categories = [c for c in runs[0].summary if c != "overall"] + ["overall"]
    figure, (bars, histogram) = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [2.2, 1]})
    width = 0.8 / len(_CHART_METRICS)
    for i, metric in enumerate(_CHART_METRICS):
        values = [runs[0].summary[c].get(metric) for c in categories]
        xs = [j + (i - len(_CHART_METRICS) / 2 + 0.5) * width for j in range(len(categories))]
        bars.bar(xs, [v or 0 for v in values], width, label=METRICS[metric][0])
        if len(runs) > 1:  # the baseline as hollow outlines over our bars
            base = [runs[1].summary[c].get(metric) for c in categories]
            bars.bar(xs, [v or 0 for v in base], width, fill=False, edgecolor="black", linewidth=0.8)
    bars.set_xticks(range(len(categories)), categories)
    bars.set_ylim(0, 1.05)
    bars.set_title("Metrics per category" + (" (outlines: baseline)" if len(runs) > 1 else ""))
    bars.legend(fontsize=8, loc="lower left")
    for run in runs:
        histogram.hist([o.seconds for o in run.outcomes], bins=20, alpha=0.6, label=run.name)
    histogram.set_title("Latency per answer")
    histogram.set_xlabel("seconds")
    histogram.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _commit(folder: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=folder.parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"
