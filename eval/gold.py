"""One gold question (a line of eval/gold.jsonl) as a typed, immutable record.

The file format is specified by tests/test_gold_set.py; this module only reads it. Optional keys:
`needs` (groups of files an answer must all draw on), `must_not` (regexes a correct answer must not
match: the wrong polarity, the other entity of a two-entity sentence, a re-attached number),
`events` and `event_must` (the elections an undated question spans, and the figure each must give),
`premise` (what the articles do say, for a false-premise question), `history` (the conversation a
follow-up is asked in) and `split` ("dev", tuned on; "test", kept out of tuning).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Gold", "SPLITS"]

SPLITS = ("dev", "test")


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
    must_not: tuple[str, ...] = ()
    split: str = "dev"
    history: tuple[tuple[str, str], ...] = ()  # (role, content), oldest first
    event_must: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (label such as "2019", patterns of its figure)
    premise: str = ""

    @property
    def groups(self) -> tuple[tuple[str, ...], ...]:
        """The files an answer must draw on: one of each group."""
        return self.needs or ((self.sources,) if self.sources else ())

    @property
    def events(self) -> tuple[str, ...]:
        """The event labels ("2019", "2022") a two-election question must answer separately."""
        return tuple(label for label, _ in self.event_must)

    def messages(self) -> list[dict[str, str]]:
        """The history as the Gradio-style dicts `Assistant.stream(question, history)` takes."""
        return [{"role": role, "content": content} for role, content in self.history]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Gold:
        split = str(data.get("split", "dev"))
        if split not in SPLITS:
            raise ValueError(f"question {data.get('id')}: split {split!r} is not one of {SPLITS}")
        patterns = dict(data.get("event_must", {}))
        labels = [str(label) for label in data.get("events", patterns)]
        if set(labels) != set(patterns):
            raise ValueError(f"question {data.get('id')}: events {labels} and event_must {sorted(patterns)} differ")
        return cls(
            id=str(data["id"]),
            question=str(data["question"]),
            answer=str(data.get("answer", "")),
            must=tuple(data.get("must", ())),
            sources=tuple(data.get("sources", ())),
            answerable=bool(data["answerable"]),
            category=str(data["category"]),
            needs=tuple(tuple(group) for group in data.get("needs", ())),
            must_not=tuple(data.get("must_not", ())),
            split=split,
            history=tuple((str(turn["role"]), str(turn["content"])) for turn in data.get("history", ())),
            event_must=tuple((label, tuple(patterns[label])) for label in labels),
            premise=str(data.get("premise", "")),
        )
