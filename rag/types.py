"""The result types of the public API: plain, typed dataclasses that serialise to JSON as they are."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "Passage",
    "Citation",
    "Answer",
    "Check",
    "Trace",
    "EventAnswer",
    "Progress",
    "DocumentInfo",
    "SkippedFile",
    "IngestReport",
]


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk, as the LLM saw it."""

    source: str  # seed file name, e.g. "004_9f8dad8495adc576.txt"
    title: str
    text: str  # cleaned text of the chunk
    lines: tuple[int, int]  # 1-based first and last line in the original file
    chars: tuple[int, int]  # [start, end) character offsets in the original (decoded) file
    score: float  # fused retrieval score (reciprocal rank fusion)
    similarity: float | None  # cosine similarity to the question, when the dense retriever found it
    chunk_id: str
    number: int = 0  # the [n] it carried in the prompt; 0 = retrieved but not shown to the LLM
    duplicate_of: str | None = None  # chunk id of a near-identical passage from another file
    offsets: str = field(default="", repr=False, compare=False)  # chunk -> original offset map (JSON)
    date: str = ""  # when the events the file reports happened ("2022-11-20", "2022"), "" when unknown


@dataclass(frozen=True)
class Citation:
    """A claim's support: the file, the exact quote from the original text, and where it is."""

    source: str
    quote: str  # verbatim from the original file, whitespace normalised
    lines: tuple[int, int]  # 1-based line span of the quote in the original file
    score: float  # similarity between the cited sentence and the quote
    marker: int  # the [n] in Answer.text that points here
    title: str = ""
    chars: tuple[int, int] = (0, 0)  # [start, end) of the quote in the original file
    date: str = ""  # the cited file's event date, "" when the file does not say


@dataclass(frozen=True)
class Check:
    """One verification of one claim: what was checked against which evidence, and the verdict."""

    claim: str
    kind: str  # "figures", "names", "words", "polarity", "kind", "attribution", "model", "rival", "clause", "whose", "measure", "re-ask", "answer type", "premise"
    passed: bool
    score: float = 1.0  # the check's own measure (a share of words, p(yes) of the model check, …)
    evidence: str = ""  # the evidence sentence it was checked against
    source: str = ""
    note: str = ""  # why it failed, in words a user can read


@dataclass(frozen=True)
class Trace:
    """How an answer was reached: the evidence shown to the model, every check, why it refused."""

    evidence: list[str] = field(default_factory=list)  # "[n] (source, date) sentence" as the model saw it
    draft: str = ""  # the model's unchecked output
    checks: list[Check] = field(default_factory=list)
    refusal_reason: str = ""  # empty when the answer was given
    prompt_tokens: int = 0  # summed over every LLM call of this answer
    llm_calls: int = 0
    cached_tokens: int = 0  # of prompt_tokens, those taken from the engine's prompt cache: not processed again

    def lines(self) -> list[str]:
        """The trace as readable lines (for `rag ask --explain` and the UI)."""
        out = ["Evidence shown to the model:", *(f"  {line}" for line in self.evidence)]
        if self.draft:
            out.append(f"Draft: {self.draft}")
        for check in self.checks:
            mark = "pass" if check.passed else "FAIL"
            note = f" — {check.note}" if check.note else ""
            out.append(f"  [{mark}] {check.kind} {check.score:.2f}: {check.claim}{note}")
        if self.refusal_reason:
            out.append(f"Refused: {self.refusal_reason}")
        out.append(
            f"LLM calls: {self.llm_calls}, prompt tokens: {self.prompt_tokens} "
            f"({self.prompt_tokens - self.cached_tokens} processed, {self.cached_tokens} from the prompt cache)"
        )
        return out


@dataclass(frozen=True)
class EventAnswer:
    """The answer for one event when the evidence covers several (the 2019 and the 2022 election)."""

    label: str  # "2022", "2019", or "date not stated"
    text: str  # the part of the answer about this event, with its [n] markers
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Progress:
    """A stream event before the answer text: the stage the answer is in, for a status line."""

    stage: str  # "searching", "reading", "writing", "checking"
    message: str  # e.g. "Reading 5 sentences from 3 articles…"


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    standalone_question: str = ""  # the question after condensing a follow-up with its history
    seconds: float = 0.0
    events: list[EventAnswer] = field(default_factory=list)  # per-event answers when the evidence spans events
    trace: Trace = field(default_factory=Trace)

    def to_dict(self) -> dict[str, Any]:
        """The `rag ask --json` shape."""
        return {
            "answer": self.text,
            "refused": self.refused,
            "citations": [
                {
                    "source": c.source,
                    "title": c.title,
                    "date": c.date,
                    "quote": c.quote,
                    "lines": list(c.lines),
                    "chars": list(c.chars),
                    "marker": c.marker,
                    "score": round(c.score, 4),
                }
                for c in self.citations
            ],
            "events": [asdict(e) for e in self.events],
            "trace": asdict(self.trace),
            "passages": [_passage_dict(p) for p in self.passages],
            "standalone_question": self.standalone_question,
            "seconds": round(self.seconds, 3),
        }


def _passage_dict(passage: Passage) -> dict[str, Any]:
    data = asdict(passage)
    del data["offsets"]
    data["lines"] = list(passage.lines)
    data["chars"] = list(passage.chars)
    return data


@dataclass(frozen=True)
class DocumentInfo:
    """An indexed file as a document list shows it."""

    source: str
    title: str  # the article's headline, or its first line
    date: str  # event date from its text ("2022-11-20", "2022"), "" when unknown
    chunks: int


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass(frozen=True)
class IngestReport:
    files: int  # files in the corpus that are now indexed
    chunks: int  # chunks in the index after this run
    added: int  # files new to the index
    updated: int  # files whose content changed
    removed: int  # files gone from the corpus, removed from the index
    skipped: list[SkippedFile] = field(default_factory=list)  # unreadable files, with the reason
    unchanged: int = 0  # files already indexed with the same content
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.files} files, {self.chunks} chunks ({self.added} added, {self.updated} updated, "
            f"{self.removed} removed, {self.unchanged} unchanged, {len(self.skipped)} skipped) "
            f"in {self.seconds:.1f} s"
        )
