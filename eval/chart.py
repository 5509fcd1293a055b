"""chart.png of an eval run: metrics per category and the latency histogram (needs matplotlib, a dev extra)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.metrics import METRICS

__all__ = ["draw_chart"]

_CHART_METRICS = ("answer_accuracy", "citation_precision", "citation_recall", "recall_at_5", "refusal_accuracy")


def draw_chart(path: Path, runs: Sequence[Any]) -> Path | None:
    """Metrics per category (ours as bars, the baseline as outlines) and a latency histogram."""
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
