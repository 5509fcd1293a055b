"""Hybrid retrieval: dense (Chroma) and BM25 hits fused by weighted reciprocal rank, near-duplicates folded.

Fusion is written here rather than taken from llama-index's `QueryFusionRetriever` because the
relevance gate and the UI need each passage's own cosine similarity, which that class replaces
with its fused score. Near-duplicate passages (the same wire story in two files) take one place in
the LLM's context; the copy stays attached as `duplicate_of`, so both files remain citable.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import Stemmer
from llama_index.core import VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore
from llama_index.retrievers.bm25 import BM25Retriever

from rag.config import Settings
from rag.dating import DateFacts, resolve_dates
from rag.index import ChunkStore
from rag.types import Passage

__all__ = ["HybridRetriever", "Retrieval", "fuse", "select_context"]

_RRF_K = 60  # the constant from Cormack et al.; damps the influence of any single rank


@dataclass(frozen=True)
class Retrieval:
    passages: list[Passage]  # context passages numbered 1..k, their duplicates, then the rest (number 0)
    best_similarity: float  # highest cosine between the question and any chunk

    @property
    def context(self) -> list[Passage]:
        return [p for p in self.passages if p.number and p.duplicate_of is None]


class HybridRetriever:
    def __init__(self, store: ChunkStore, embedder: BaseEmbedding, settings: Settings) -> None:
        self.settings = settings
        index = VectorStoreIndex.from_vector_store(store.vector_store(), embed_model=embedder)
        self._dense = index.as_retriever(similarity_top_k=settings.candidate_k)
        nodes = store.all_nodes()
        self._bm25 = (
            BM25Retriever.from_defaults(
                nodes=nodes,
                similarity_top_k=min(settings.candidate_k, len(nodes)),
                stemmer=Stemmer.Stemmer("english"),
                language="english",
            )
            if nodes
            else None
        )
        self.size = len(nodes)
        texts: dict[str, list[str]] = {}
        for node in nodes:
            texts.setdefault(str(node.metadata.get("source", "")), []).append(node.get_content())
        self._texts = {source: "\n".join(parts) for source, parts in texts.items()}
        facts = {source: DateFacts.loads(entry.dates) for source, entry in store.manifest().items()}
        self.dates = resolve_dates(facts, embedder.get_text_embedding_batch)

    def source_text(self, source: str) -> str:
        """Everything indexed of one file (its chunks, cleaned)."""
        return self._texts.get(source, "")

    def source_texts(self) -> list[str]:
        """Every indexed file's text: where an article's title words ("predecessor") are put before a name."""
        return list(self._texts.values())

    def retrieve(self, question: str, top_k: int | None = None) -> Retrieval:
        top_k = top_k or self.settings.top_k
        dense = self._dense.retrieve(question)
        sparse = self._bm25.retrieve(question) if self._bm25 else []
        similarities = {hit.node.node_id: _cosine(hit.score) for hit in dense}
        fused = fuse([dense, sparse], [self.settings.dense_weight, 1 - self.settings.dense_weight])
        passages = [_to_passage(hit, similarities.get(hit.node.node_id), self.dates) for hit in fused]
        return Retrieval(
            passages=select_context(passages, top_k, self.settings.duplicate_overlap, self.settings.max_per_source),
            best_similarity=max(similarities.values(), default=0.0),
        )


def fuse(rankings: list[list[NodeWithScore]], weights: list[float]) -> list[NodeWithScore]:
    """Weighted reciprocal-rank fusion; ties keep the order of the first ranking.

    Example: fuse([[a, b], [b, c]], [0.5, 0.5]) -> [b, a, c]
    """
    scores: dict[str, float] = {}
    nodes: dict[str, NodeWithScore] = {}
    for ranking, weight in zip(rankings, weights, strict=False):
        for rank, hit in enumerate(ranking):
            key = hit.node.node_id
            scores[key] = scores.get(key, 0.0) + weight / (_RRF_K + rank + 1)
            nodes.setdefault(key, hit)
    ordered = sorted(scores, key=lambda key: scores[key], reverse=True)
    return [NodeWithScore(node=nodes[key].node, score=scores[key]) for key in ordered]


def select_context(passages: list[Passage], top_k: int, overlap: float, per_source: int = 2) -> list[Passage]:
    """Number the first `top_k` distinct passages; fold near-duplicates from other files into them.

    A passage is a duplicate when most of its own word 3-grams are already in the chosen context
    (a longer passage with news of its own is kept). At most `per_source` passages of one file are
    chosen while other files have candidates left, so one long article cannot crowd out the rest.
    """
    context: list[Passage] = []
    duplicates: list[Passage] = []
    deferred: list[Passage] = []
    for passage in passages:
        original = _contained_in(passage, context, overlap)
        if original is not None:
            duplicates.append(replace(passage, number=original.number, duplicate_of=original.chunk_id))
        elif sum(p.source == passage.source for p in context) >= per_source:
            deferred.append(passage)
        elif len(context) < top_k:
            context.append(replace(passage, number=len(context) + 1))
        else:
            deferred.append(passage)
    rest: list[Passage] = []
    for passage in deferred:
        if len(context) < top_k:
            context.append(replace(passage, number=len(context) + 1))
        else:
            rest.append(passage)
    ordered: list[Passage] = []
    for passage in context:
        ordered.append(passage)
        ordered.extend(d for d in duplicates if d.duplicate_of == passage.chunk_id)
    return ordered + rest


def _contained_in(passage: Passage, context: list[Passage], threshold: float) -> Passage | None:
    own = _shingles(passage.text, 3)
    others = [p for p in context if p.source != passage.source]
    if not own or not others:
        return None
    seen = set().union(*(_shingles(p.text, 3) for p in others))
    if len(own & seen) / len(own) < threshold:
        return None
    return max(others, key=lambda p: len(own & _shingles(p.text, 3)))


def _shingles(text: str, size: int) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + size]) for i in range(max(len(words) - size + 1, 0))}


def _cosine(score: float | None) -> float:
    # llama-index's Chroma store reports exp(-distance); with cosine distance that is exp(cos - 1).
    if score is None or score <= 0:
        return 0.0
    return 1.0 + math.log(score)


def _to_passage(hit: NodeWithScore, similarity: float | None, dates: dict[str, str]) -> Passage:
    meta = hit.node.metadata
    return Passage(
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        text=hit.node.get_content(),
        lines=(int(meta.get("lines_start", 0)), int(meta.get("lines_end", 0))),
        chars=(int(meta.get("chars_start", 0)), int(meta.get("chars_end", 0))),
        score=float(hit.score or 0.0),
        similarity=similarity,
        chunk_id=hit.node.node_id,
        offsets=str(meta.get("offsets", "")),
        date=dates.get(str(meta.get("source", "")), ""),
    )
