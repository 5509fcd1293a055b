"""`rag eval --ablate NAME[,NAME…]`: the same questions once per pipeline step switched off, in one run.

Each NAME is a boolean field of `rag.config.Settings` (the steps of issue 9: `verify_claims`,
`extractive_fallback`, `time_aware`, `premise_check`, `sentence_evidence`) or `legacy`, all five
off at once. Every variant is a new `Assistant` on `settings.replace(NAME=False)` that shares the
loaded models and the index folder of the full pipeline, so the only difference is the setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING, dataclass, fields
from typing import Any

from rag.config import Settings
from rag.errors import ConfigError
from rag.legacy import CHECKS

__all__ = ["STEPS", "LEGACY", "COLUMNS", "Ablation", "parse_ablations", "ablation_rows"]

STEPS = CHECKS  # the answer steps that can be switched off, one at a time
LEGACY = "legacy"

# (metric, column header) of the ablation table, from each variant's overall summary
COLUMNS = (
    ("answer_accuracy", "accuracy"),
    ("false_refusal_rate", "false refusals"),
    ("confidently_wrong", "confidently wrong"),
    ("refusal_accuracy", "refusal accuracy"),
    ("two_event_accuracy", "two-event accuracy"),
    ("latency_p50", "latency p50 (s)"),
    ("prompt_tokens_p50", "prompt tokens p50"),
    ("processed_tokens_p50", "processed p50"),
)


@dataclass(frozen=True)
class Ablation:
    name: str  # as given on the command line
    changes: dict[str, bool]  # the settings switched off

    @property
    def label(self) -> str:
        return "legacy (all five steps off)" if self.name == LEGACY else f"without {self.name}"


def parse_ablations(spec: str | Sequence[str], settings_type: type = Settings) -> list[Ablation]:
    """The variants named by `--ablate`, in order, each once; a ConfigError for a name Settings lacks."""
    names = [n.strip() for part in ([spec] if isinstance(spec, str) else spec) for n in part.split(",") if n.strip()]
    if not names:
        raise ConfigError(f"--ablate needs at least one name: {', '.join(STEPS + (LEGACY,))}.")
    flags = {f.name: f for f in fields(settings_type) if _is_bool(f)}
    known = {f.name for f in fields(settings_type)}
    result = []
    for name in dict.fromkeys(names):
        wanted = STEPS if name == LEGACY else (name,)
        missing = [step for step in wanted if step not in known]
        if missing:
            raise ConfigError(
                f"--ablate {name}: Settings has no field {', '.join(missing)} (yet). Ablation names are boolean "
                f"settings ({', '.join(STEPS)}) or {LEGACY} (all of them off)."
            )
        not_flags = [step for step in wanted if step not in flags]
        if not_flags:
            raise ConfigError(f"--ablate {name}: {', '.join(not_flags)} is not an on/off setting, so it cannot be switched off.")
        result.append(Ablation(name, {step: False for step in wanted}))
    return result


def _is_bool(field: Any) -> bool:
    return field.type in (bool, "bool") or (field.default is not MISSING and isinstance(field.default, bool))


def ablation_rows(variants: Sequence[tuple[str, dict[str, Any]]], fmt: Any) -> list[list[str]]:
    """One row per variant (label, overall summary): the COLUMNS, formatted, then latency relative to the first."""
    first = variants[0][1].get("latency_p50") if variants else None
    rows = []
    for label, summary in variants:
        row = [label] + [fmt(metric, summary.get(metric)) for metric, _ in COLUMNS]
        latency = summary.get("latency_p50")
        row.append(f"{latency / first:.2f}×" if latency is not None and first else "n/a")
        rows.append(row)
    return rows
