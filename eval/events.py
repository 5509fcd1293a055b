"""Whether an answer gives each election's figure and labels it with its year (two-event accuracy).

A two-election question ("How old was Tokayev when he won?") is answered well only when every
event's figure is there *and* carries its year: "66 in 2019, 69 in 2022" passes; "66 and 69", or
"69 in 2019 and 66 in 2022", does not. A figure is labelled with year Y when

- the clause holding it (split at sentence ends, semicolons and line breaks) mentions Y within
  `WINDOW` characters of it, and, where the clause mentions several years and gives several
  events' figures, Y comes at the same rank among the years as this event among the figures
  ("71 % in 2019 and 81 % in 2022", "In 2022 81 %, up from 71 % in 2019"); or
- its clause names no year, and the nearest year mention in the whole text within `WINDOW`
  characters is Y ("Nearly 71 percent. That was 2019."); or
- the pipeline's per-event answers (`Answer.events`) have an entry whose label names Y and whose
  text gives the figure.

Pure functions on strings; citation markers "[1]" are removed first, so "[5]" is never a "5".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["WINDOW", "strip_markers", "clauses", "labelled_events", "events_correct"]

WINDOW = 80
_MARKERS = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")
_CLAUSE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|;|\n+")

EventPatterns = Sequence[tuple[str, Sequence[str]]]  # (label, patterns of its figure)
EventAnswers = Sequence[tuple[str, str]]  # (label, text) from Answer.events


def strip_markers(text: str) -> str:
    """The text without citation markers, each replaced by spaces so that offsets stay put."""
    return _MARKERS.sub(lambda m: " " * len(m.group()), text)


def clauses(text: str) -> list[tuple[int, int]]:
    """[start, end) spans of the clauses of `text`."""
    spans, start = [], 0
    for cut in _CLAUSE_END.finditer(text):
        spans.append((start, cut.start()))
        start = cut.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _mentions(text: str, label: str) -> list[int]:
    return [m.start() for m in re.finditer(rf"(?<!\d){re.escape(label)}(?!\d)", text)]


def _figures(text: str, patterns: Sequence[str]) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for p in patterns for m in re.finditer(p, text, re.IGNORECASE)]


def _near(spans: tuple[int, int], positions: Sequence[int], size: int) -> int | None:
    """Distance from a figure span to the nearest mention (None when there is none)."""
    start, end = spans
    distances = [max(0, start - (p + size), p - end) for p in positions]
    return min(distances) if distances else None


def labelled_events(text: str, events: EventPatterns, answers: EventAnswers = ()) -> dict[str, bool]:
    """For each event label: every one of its patterns has a match labelled with that label."""
    text = strip_markers(text)
    labels = [label for label, _ in events]
    mentions = {label: _mentions(text, label) for label in labels}
    spans = clauses(text)
    result = {}
    for label, patterns in events:
        result[label] = bool(patterns) and all(
            any(_labels(text, match, label, events, mentions, spans) for match in _figures(text, [pattern]))
            or _in_event_answers(answers, label, pattern)
            for pattern in patterns
        )
    return result


def events_correct(text: str, events: EventPatterns, answers: EventAnswers = ()) -> tuple[bool, tuple[str, ...]]:
    """Whether every event is labelled, and the labels that are not."""
    verdicts = labelled_events(text, events, answers)
    missing = tuple(label for label, ok in verdicts.items() if not ok)
    return not missing, missing


def _labels(
    text: str,
    match: tuple[int, int],
    label: str,
    events: EventPatterns,
    mentions: dict[str, list[int]],
    spans: list[tuple[int, int]],
) -> bool:
    start, end = next(((a, b) for a, b in spans if a <= match[0] < b), (0, len(text)))
    inside = {name: [p for p in places if start <= p < end] for name, places in mentions.items()}
    named = sorted((places[0], name) for name, places in inside.items() if places)
    if not named:  # no year in this clause: the nearest one in the text decides
        distances = {name: _near(match, places, len(name)) for name, places in mentions.items()}
        found = [(d, name) for name, d in distances.items() if d is not None and d <= WINDOW]
        return bool(found) and min(found)[1] == label
    distance = _near(match, inside.get(label, []), len(label))
    if distance is None or distance > WINDOW:
        return False
    if len(named) == 1:
        return True
    figured = []
    for name, patterns in events:
        first = [a for a, _ in _figures(text[start:end], patterns)]
        if first and inside.get(name):
            figured.append((min(first), name))
    order_years = [name for _, name in named if name in {n for _, n in figured}]
    order_figures = [name for _, name in sorted(figured)]
    return label in order_years and order_years.index(label) == order_figures.index(label)


def _in_event_answers(answers: EventAnswers, label: str, pattern: str) -> bool:
    return any(
        _mentions(event_label, label) and re.search(pattern, strip_markers(event_text), re.IGNORECASE)
        for event_label, event_text in answers
    )
