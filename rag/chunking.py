"""Split cleaned documents into sentence-aware chunks (llama-index `TextNode`s) with provenance.

Each node carries scalar metadata only (Chroma's rule): source file, title, chunk index, the chunk's
character and line span in the original file, hashes, and `offsets` — a compact JSON map from the
chunk's characters back to the original file, so a quote picked inside a chunk at answer time can be
located exactly without re-reading the file.

Example:
    nodes = chunk_document(document, make_splitter(tokenizer, 160, 24))
    nodes[0].metadata["lines_start"], nodes[0].metadata["lines_end"]   # -> 1, 7
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import TextNode

from rag.documents import Document

__all__ = ["make_splitter", "chunk_document", "OffsetMap", "EMBED_METADATA_KEYS"]

# Only a real headline is embedded with the chunk text: it disambiguates chunks that never name their
# topic, while an article's first words (the fallback title) would only blur every chunk's vector.
EMBED_METADATA_KEYS = ("headline",)


def make_splitter(tokenize: Callable[[str], list[int]], chunk_size: int, chunk_overlap: int) -> SentenceSplitter:
    # Counting tokens with the embedder's own tokenizer guarantees chunks fit its window.
    return SentenceSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        tokenizer=tokenize,
        paragraph_separator="\n\n",
    )


def chunk_document(document: Document, splitter: SentenceSplitter) -> list[TextNode]:
    text = document.cleaned.text
    pieces = splitter.split_text(text)
    nodes: list[TextNode] = []
    cursor = 0
    for index, piece in enumerate(pieces):
        start = text.find(piece, cursor)
        if start < 0:  # the splitter normalised something; fall back to a search from the top
            start = text.find(piece)
        if start < 0:
            continue
        end = start + len(piece)
        cursor = start + 1
        raw_start, raw_end = document.cleaned.raw_span(start, end)
        offsets = OffsetMap.build(document, start, end)
        metadata = {
            "source": document.source,
            "title": document.title,
            "headline": document.headline,
            "chunk_index": index,
            "chars_start": raw_start,
            "chars_end": raw_end,
            "lines_start": document.line_of(raw_start),
            "lines_end": document.line_of(raw_end - 1),
            "content_hash": hashlib.sha256(piece.encode()).hexdigest()[:16],
            "file_sha256": document.sha256,
            "offsets": offsets.dumps(),
        }
        node = TextNode(
            id_=f"{document.source}::{index:05d}",
            text=piece,
            metadata=metadata,
            excluded_embed_metadata_keys=[key for key in metadata if key not in EMBED_METADATA_KEYS or not metadata[key]],
            excluded_llm_metadata_keys=list(metadata),
        )
        nodes.append(node)
    return nodes


@dataclass(frozen=True)
class OffsetMap:
    """Runs of chunk characters that map one-to-one onto original characters.

    Each run is (chunk offset, raw offset, line, gap): `gap` is 1 when text the cleaner dropped
    (a URL line, say) lies between this run and the previous one, so a quote must not span it.
    """

    runs: tuple[tuple[int, int, int, int], ...]

    @classmethod
    def build(cls, document: Document, start: int, end: int) -> OffsetMap:
        origin = document.cleaned.origin
        dropped = document.cleaned.dropped
        runs: list[tuple[int, int, int, int]] = []
        for i in range(start, end):
            raw = origin[i]
            # A run never continues past a line break, so every run has a single line number.
            if runs and raw == origin[i - 1] + 1 and document.raw[origin[i - 1]] != "\n":
                continue
            gap = 0
            if runs:
                previous = origin[i - 1]
                gap = int(any(previous < d_start and d_end <= raw for d_start, d_end in dropped))
            runs.append((i - start, raw, document.line_of(raw), gap))
        return cls(tuple(runs))

    def dumps(self) -> str:
        return json.dumps(self.runs, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> OffsetMap:
        return cls(tuple(tuple(run) for run in json.loads(text)))

    def locate(self, offset: int) -> tuple[int, int]:
        """(raw offset, line) of a chunk character."""
        run = self._run_index(offset)
        chunk_offset, raw, line, _ = self.runs[run]
        return raw + offset - chunk_offset, line

    def gaps_between(self, start: int, end: int) -> list[int]:
        """Chunk offsets in (start, end) where dropped text lies in the original."""
        return [run[0] for run in self.runs if run[3] and start < run[0] < end]

    def _run_index(self, offset: int) -> int:
        low, high = 0, len(self.runs) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self.runs[middle][0] <= offset:
                low = middle
            else:
                high = middle - 1
        return low
