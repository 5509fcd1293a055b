"""The eval gate: eval/thresholds.toml read per split, and each split's overall metrics checked against it.

Layout of the file: `[floors]` and `[ceilings]` apply to every split (dev and test), each checked
on its own; `[dev.floors]`, `[test.floors]`, `[dev.ceilings]` and `[test.ceilings]` add lines for
one split or tighten a shared one. A split table may not loosen a shared line (a lower floor, a
higher ceiling): that would be lowering the bar for one split, which the gate refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eval.gold import SPLITS
from eval.metrics import METRICS
from rag.config import read_toml
from rag.errors import ConfigError

__all__ = ["KINDS", "load_thresholds", "check_gate", "check_splits", "show"]

KINDS = ("floors", "ceilings")
Thresholds = dict[str, dict[str, dict[str, float]]]  # split -> "floors"/"ceilings" -> metric -> line


def load_thresholds(path: Path) -> Thresholds:
    """{split: {"floors": {metric: minimum}, "ceilings": {metric: maximum}}} for each of dev and test."""
    data = read_toml(path, f"No thresholds file at {path}; the gate needs one.")
    unknown_tables = sorted(set(data) - set(KINDS) - set(SPLITS))
    if unknown_tables:
        raise ConfigError(f"{path} has unknown table(s) {', '.join(unknown_tables)}; known: {', '.join(KINDS + SPLITS)}.")
    shared = {kind: _lines(data.get(kind, {}), path, kind) for kind in KINDS}
    result: Thresholds = {}
    for split in SPLITS:
        own = dict(data.get(split, {}))
        if set(own) - set(KINDS):
            raise ConfigError(f"{path}: [{split}] may hold only {' and '.join(KINDS)}, not {', '.join(sorted(set(own) - set(KINDS)))}.")
        result[split] = {}
        for kind in KINDS:
            extra = _lines(own.get(kind, {}), path, f"{split}.{kind}")
            for metric, line in extra.items():
                base = shared[kind].get(metric)
                if base is not None and (line < base if kind == "floors" else line > base):
                    raise ConfigError(f"{path}: [{split}.{kind}] {metric} = {line:g} loosens the shared {kind[:-1]} {base:g}.")
            result[split][kind] = shared[kind] | extra
    return result


def _lines(table: Any, path: Path, name: str) -> dict[str, float]:
    lines = {str(k): float(v) for k, v in dict(table).items()}
    unknown = sorted(set(lines) - set(METRICS))
    if unknown:
        raise ConfigError(f"{path} [{name}] names unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}.")
    return lines


def check_gate(summary: Mapping[str, Any], thresholds: Mapping[str, Mapping[str, float]]) -> list[str]:
    """One line per metric on the wrong side of its floor or ceiling; a metric not measured fails too."""
    failures = []
    for kind, below in (("floors", True), ("ceilings", False)):
        for metric, limit in thresholds.get(kind, {}).items():
            value = summary.get(metric)
            if value is None:
                failures.append(f"{metric} was not measured (its {kind[:-1]} is {limit:g})")
            elif (value < limit) if below else (value > limit):
                word = "below its floor" if below else "above its ceiling"
                failures.append(f"{metric} = {show(metric, value)} is {word} {show(metric, limit)}")
    return failures


def check_splits(summaries: Mapping[str, Mapping[str, Any]], thresholds: Thresholds) -> list[str]:
    """`check_gate` on each split's overall metrics, each line prefixed with its split.

    `summaries` maps each split that was run to its overall metrics (`rag eval --gate` runs both;
    `--split dev --gate` checks dev only, and says so).
    """
    failures = []
    for split in SPLITS:
        if split in summaries:
            failures += [f"{split}: {line}" for line in check_gate(summaries[split], thresholds.get(split, {}))]
    return failures


def show(metric: str, value: float) -> str:
    if metric == "latency_tail":
        return f"{value:.2f}×"
    if metric.startswith("latency"):
        return f"{value:.1f} s"
    if metric == "confidently_wrong" or "tokens_p" in metric:
        return f"{value:g}"
    return f"{value:.1%}"
