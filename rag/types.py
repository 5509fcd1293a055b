"""The result types of the public API: plain, typed dataclasses that serialise to JSON as they are."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Passage", "Citation", "Answer", "SkippedFile", "IngestReport"]


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


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    standalone_question: str = ""  # the question after condensing a follow-up with its history
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The `rag ask --json` shape."""
        return {
            "answer": self.text,
            "refused": self.refused,
            "citations": [
                {"source": c.source, "quote": c.quote, "lines": list(c.lines), "marker": c.marker, "score": round(c.score, 4)}
                for c in self.citations
            ],
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
