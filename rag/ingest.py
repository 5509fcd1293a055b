"""Bring the index in line with a corpus folder: add new files, replace changed ones, drop deleted ones.

Incremental by content hash (the manifest), idempotent (chunk ids are derived from file name and
position), and safe to interrupt: a file's manifest record is written only after all of its chunks
are in Chroma, and a file without a record has its leftovers deleted before it is written again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from llama_index.core import VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.node_parser import SentenceSplitter

from rag.chunking import chunk_document
from rag.dating import date_facts
from rag.documents import Document, scan_corpus
from rag.index import ChunkStore, ManifestEntry, write_lock
from rag.types import IngestReport

__all__ = ["ingest_folder"]

Progress = Callable[[int, int, str], None]  # (files done, files total, current file)

# Files embedded and written together: one embedder call per file made a folder of 1,000 small
# notes take minutes; a batch is still small enough that an interrupted run redoes little.
_BATCH_FILES = 32


def ingest_folder(
    folder: Path,
    store: ChunkStore,
    embedder: BaseEmbedding,
    splitter: SentenceSplitter,
    *,
    max_file_mb: float,
    prefix: str = "",
    progress: Progress | None = None,
) -> IngestReport:
    started = time.perf_counter()
    root = str(folder.resolve())
    with write_lock(store.settings):
        store.open(create=True)
        documents, skipped = scan_corpus(folder, max_file_mb, prefix)
        manifest = store.manifest()
        current = {doc.source: doc for doc in documents}
        # Files that are unreadable right now keep their old chunks rather than vanish from answers;
        # files ingested from another folder (uploads) are not this folder's to remove.
        unreadable = {item.path for item in skipped}
        removed = [
            source
            for source, entry in manifest.items()
            if entry.root == root and source not in current and source not in unreadable
        ]
        store.forget_many(removed)
        pending = [doc for doc in documents if _needs_write(doc, manifest.get(doc.source))]
        index = VectorStoreIndex.from_vector_store(store.vector_store(), embed_model=embedder)
        added = sum(1 for document in pending if document.source not in manifest)
        updated = len(pending) - added
        for start in range(0, len(pending), _BATCH_FILES):
            if progress:
                progress(start, len(pending), pending[start].source)
            _write(pending[start : start + _BATCH_FILES], store, index, splitter, root)
        if progress:
            progress(len(pending), len(pending), "")
        return IngestReport(
            files=len(store.manifest()),
            chunks=store.count(),
            added=added,
            updated=updated,
            removed=len(removed),
            skipped=skipped,
            unchanged=len(documents) - len(pending),
            seconds=time.perf_counter() - started,
        )


def _needs_write(document: Document, entry: ManifestEntry | None) -> bool:
    return entry is None or entry.sha256 != document.sha256


def _write(documents: list[Document], store: ChunkStore, index: VectorStoreIndex, splitter: SentenceSplitter, root: str) -> None:
    # Delete first: a changed file may now have fewer chunks, and a crashed run may have left some.
    store.forget_many([document.source for document in documents])
    chunked = [(document, chunk_document(document, splitter)) for document in documents]
    nodes = [node for _, file_nodes in chunked for node in file_nodes]
    if nodes:
        index.insert_nodes(nodes)
    # Only now, with every chunk of the batch in Chroma, do the files count as ingested.
    store.record_many(
        [
            ManifestEntry(
                document.source, document.sha256, len(file_nodes), root, document.title, date_facts(document.cleaned.text).dumps()
            )
            for document, file_nodes in chunked
        ]
    )
