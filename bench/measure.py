"""Ingest throughput and retrieval latency, measured on the real pipeline objects.

Ingest: `Assistant.ingest` on synthetic article files against the raw sentence-transformers `encode`
rate on exactly the texts the pipeline embeds (chunk text plus the title metadata), interleaved run
by run so that load from other processes hits both alike.
Retrieval: a Chroma collection of `size` synthetic chunks written through `ChunkStore` (so it carries
the same metadata and HNSW settings as a real index), then dense, BM25 and hybrid queries with the
gold questions through the app's own `HybridRetriever`.
"""

from __future__ import annotations

import shutil
import statistics
import time
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.schema import MetadataMode, TextNode
from llama_index.core.vector_stores.utils import node_to_metadata_dict

from bench.corpus import SeedText, chunk_vectors, synthetic_chunks, write_articles
from rag import Assistant, Settings
from rag.chunking import chunk_document, make_splitter
from rag.documents import scan_corpus
from rag.index import ChunkStore
from rag.retrieval import HybridRetriever

__all__ = ["bench_ingest", "bench_retrieval", "percentile", "disk_bytes"]

_BATCH = 5000  # chunks per Chroma `add`; well under its maximum batch size


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile. Example: percentile([1, 2, 3, 4], 0.5) -> 2"""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(np.ceil(share * len(ordered))) - 1))]


def disk_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def bench_ingest(base: Settings, embedder: Any, seeds: SeedText, work: Path, files: int, repeats: int) -> dict[str, Any]:
    corpus = work / "ingest-corpus"
    write_articles(seeds, corpus, files)
    tokenizer = embedder._model.tokenizer
    splitter = make_splitter(
        lambda text: tokenizer.encode(text, add_special_tokens=False, verbose=False), base.chunk_size, base.chunk_overlap
    )
    documents, _ = scan_corpus(corpus)
    texts = [node.get_content(metadata_mode=MetadataMode.EMBED) for doc in documents for node in chunk_document(doc, splitter)]
    model = embedder._model
    model.encode(texts[:64])  # warm-up: first calls allocate and pick kernels
    raw, ours, seconds = [], [], []
    for run in range(repeats):
        started = time.perf_counter()
        model.encode(texts)
        raw.append(len(texts) / (time.perf_counter() - started))
        settings = base.replace(corpus_dir=corpus, index_dir=work / f"ingest-index-{run}")
        report = Assistant(settings, embedder=embedder).ingest()
        ours.append(report.chunks / report.seconds)
        seconds.append(report.seconds)
        shutil.rmtree(settings.index_dir, ignore_errors=True)
    raw_rate, our_rate = statistics.median(raw), statistics.median(ours)
    return {
        "files": len(documents),
        "chunks": len(texts),
        "repeats": repeats,
        "raw_chunks_per_s": raw_rate,
        "ingest_chunks_per_s": our_rate,
        "ingest_seconds": statistics.median(seconds),
        "ratio": our_rate / raw_rate,
        "raw_runs": raw,
        "ingest_runs": ours,
    }


def bench_retrieval(
    base: Settings,
    embedder: Any,
    seeds: SeedText,
    sentence_vectors: np.ndarray,
    questions: list[str],
    work: Path,
    size: int,
    passes: int,
) -> dict[str, Any]:
    settings = base.replace(index_dir=work / f"retrieval-{size}")
    store = ChunkStore(settings, settings.embed_package, int(sentence_vectors.shape[1]))
    store.open(create=True)
    insert_s = _fill(store.collection, seeds, sentence_vectors, size)
    started = time.perf_counter()
    retriever = HybridRetriever(store, embedder, settings)  # dense view plus the BM25 index over every chunk
    open_s = time.perf_counter() - started
    size_bytes = disk_bytes(settings.index_dir / "chroma")
    for question in questions[:3]:
        retriever.retrieve(question)  # warm-up
    # The private members are the two halves `retrieve` fuses; timing them apart shows where time goes.
    modes = {
        "embed": lambda q: embedder.get_query_embedding(q),
        "dense": lambda q: retriever._dense.retrieve(q),
        "bm25": lambda q: retriever._bm25.retrieve(q),
        "hybrid": lambda q: retriever.retrieve(q),
    }
    samples: dict[str, list[float]] = {mode: [] for mode in modes}
    for _ in range(passes):
        for question in questions:
            for mode, call in modes.items():
                started = time.perf_counter()
                call(question)
                samples[mode].append((time.perf_counter() - started) * 1000)
    result: dict[str, Any] = {
        "size": size,
        "insert_s": insert_s,
        "open_s": open_s,
        "build_s": insert_s + open_s,
        "disk_mb": size_bytes / 2**20,
        "queries": len(samples["hybrid"]),
    }
    for mode, values in samples.items():
        result[f"{mode}_p50_ms"] = percentile(values, 0.5)
        result[f"{mode}_p95_ms"] = percentile(values, 0.95)
    shutil.rmtree(settings.index_dir, ignore_errors=True)
    return result


def _fill(collection: Any, seeds: SeedText, sentence_vectors: np.ndarray, size: int) -> float:
    """Add `size` chunks in batches; returns the seconds spent inside Chroma only."""
    rng = np.random.default_rng(0)
    chunks = synthetic_chunks(seeds, size)
    spent = 0.0
    done = 0
    while batch := list(islice(chunks, _BATCH)):
        vectors = chunk_vectors(batch, sentence_vectors, rng)
        ids, metadatas = [], []
        for offset, chunk in enumerate(batch):
            number = done + offset
            source = f"synthetic/{number // 4:06d}.txt"
            node = TextNode(
                id_=f"{source}::{number % 4:05d}",
                text=chunk.text,
                metadata={"source": source, "title": chunk.title, "chunk_index": number % 4, "lines_start": 1, "lines_end": 1},
            )
            ids.append(node.node_id)
            metadatas.append(node_to_metadata_dict(node, remove_text=True, flat_metadata=True))
        started = time.perf_counter()
        collection.add(ids=ids, embeddings=vectors, documents=[c.text for c in batch], metadatas=metadatas)
        spent += time.perf_counter() - started
        done += len(batch)
    return spent
