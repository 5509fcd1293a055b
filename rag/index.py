"""The Chroma index: chunks with their embeddings, a manifest of ingested files, and the write lock.

Chroma is either embedded (`PersistentClient` under `index_dir/chroma`, the default) or a server
(`HttpClient`, when `chroma_url` is set); everything else is the same. The chunk collection records
the embedding model and its dimension, so opening it with another model fails fast instead of
returning silently wrong neighbours. A second collection holds the manifest (one record per file:
content hash and chunk count); a file's record is written only after Chroma holds all its chunks,
which makes an interrupted ingest safe to rerun.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings
from llama_index.core.schema import BaseNode, TextNode
from llama_index.core.vector_stores.utils import metadata_dict_to_node
from llama_index.vector_stores.chroma import ChromaVectorStore

from rag.config import Settings
from rag.errors import IndexLockedError, IndexMismatchError, IndexMissingError

__all__ = ["ChunkStore", "ManifestEntry", "write_lock", "remove_embedded_index"]

SCHEMA_VERSION = 1
_MANIFEST_SUFFIX = "__manifest"


@dataclass(frozen=True)
class ManifestEntry:
    source: str
    sha256: str
    chunks: int
    root: str = ""  # resolved corpus folder the file was ingested from
    title: str = ""  # the article's headline or first words
    dates: str = ""  # JSON: the dates the file's own text states (see `rag.dating`)


class ChunkStore:
    """One Chroma collection of chunks plus its manifest, for one embedding model."""

    def __init__(self, settings: Settings, model_name: str, dimension: int) -> None:
        self.settings = settings
        self.model_name = model_name
        self.dimension = dimension
        self.client = _connect(settings)
        self._chunks: Any = None
        self._manifest: Any = None

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.index_dir / "chroma")

    # --- opening ---------------------------------------------------------------------------
    def open(self, create: bool = False) -> None:
        """Open (or create) the collections; raise if they belong to another model or tool."""
        names = {c if isinstance(c, str) else c.name for c in self.client.list_collections()}
        name = self.settings.collection
        if name not in names and not create:
            raise IndexMissingError(f"No index found at {self.location}. Run `rag ingest` first.")
        metadata = {"rag_schema": SCHEMA_VERSION, "embedding_model": self.model_name, "embedding_dim": self.dimension}
        if name in names:
            collection = self.client.get_collection(name)
            self._check(collection.metadata or {})
        else:
            collection = self.client.create_collection(name, metadata={**metadata, "hnsw:space": "cosine"})
        self._chunks = collection
        self._manifest = self.client.get_or_create_collection(name + _MANIFEST_SUFFIX, metadata={"rag_schema": SCHEMA_VERSION})

    def _check(self, metadata: dict[str, Any]) -> None:
        if metadata.get("rag_schema") != SCHEMA_VERSION:
            raise IndexMismatchError(
                f"The collection '{self.settings.collection}' at {self.location} was not built by this tool "
                f"(or by an incompatible version). Run `rag ingest --rebuild` to rebuild it."
            )
        built_with = (metadata.get("embedding_model"), metadata.get("embedding_dim"))
        if built_with != (self.model_name, self.dimension):
            raise IndexMismatchError(
                f"The index at {self.location} was built with embedding model {built_with[0]} "
                f"({built_with[1]} dimensions) but the configured model is {self.model_name} "
                f"({self.dimension} dimensions). Run `rag ingest --rebuild` to re-embed the corpus."
            )

    def drop(self) -> None:
        """Delete both collections (used by `--rebuild`)."""
        for name in (self.settings.collection, self.settings.collection + _MANIFEST_SUFFIX):
            try:
                self.client.delete_collection(name)
            except Exception:  # noqa: BLE001 - absent collections raise different types across versions
                pass

    @property
    def collection(self) -> Any:
        if self._chunks is None:
            self.open()
        return self._chunks

    def vector_store(self) -> ChromaVectorStore:
        return ChromaVectorStore(chroma_collection=self.collection)

    # --- manifest ------------------------------------------------------------------------------
    def manifest(self) -> dict[str, ManifestEntry]:
        self.collection  # noqa: B018 - opens the collections
        records = self._manifest.get(include=["metadatas"])
        return {
            meta["source"]: ManifestEntry(
                meta["source"],
                meta["sha256"],
                int(meta["chunks"]),
                str(meta.get("root", "")),
                str(meta.get("title", "")),
                str(meta.get("dates", "")),
            )
            for meta in records["metadatas"] or []
        }

    def forget_many(self, sources: list[str]) -> None:
        """Remove several files' chunks, then their manifest records (one Chroma call each)."""
        if sources:
            self.collection.delete(where={"source": {"$in": sources}})
            self._manifest.delete(ids=sources)

    def record_many(self, entries: list[ManifestEntry]) -> None:
        """Mark files as ingested; call only once all their chunks are in Chroma."""
        # The manifest needs no vectors; a constant one satisfies Chroma's schema.
        if entries:
            self._manifest.upsert(
                ids=[entry.source for entry in entries],
                embeddings=[[0.0, 1.0]] * len(entries),
                metadatas=[
                    {
                        "source": entry.source,
                        "sha256": entry.sha256,
                        "chunks": entry.chunks,
                        "root": entry.root,
                        "title": entry.title,
                        "dates": entry.dates,
                    }
                    for entry in entries
                ],
            )

    # --- reading -------------------------------------------------------------------------------
    def count(self) -> int:
        return int(self.collection.count())

    def all_nodes(self, batch: int = 5000) -> list[BaseNode]:
        """Every chunk as a llama-index node (for BM25 and the corpus view)."""
        nodes: list[BaseNode] = []
        total = self.count()
        for offset in range(0, total, batch):
            page = self.collection.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            for chunk_id, text, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=False):
                nodes.append(_to_node(chunk_id, text or "", dict(meta or {})))
        return nodes


def _to_node(chunk_id: str, text: str, metadata: dict[str, Any]) -> BaseNode:
    try:
        node = metadata_dict_to_node(metadata, text=text)
    except Exception:  # noqa: BLE001 - chunks written without llama-index's node payload
        node = TextNode(text=text, metadata=metadata)
    node.id_ = chunk_id
    return node


def _connect(settings: Settings) -> Any:
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        headers = {"Authorization": f"Bearer {settings.chroma_token}"} if settings.chroma_token else None
        try:
            return chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                headers=headers,
                settings=chroma_settings,
                tenant=settings.chroma_tenant,
                database=settings.chroma_database,
            )
        except Exception as exc:  # noqa: BLE001 - connection failures surface as several types
            raise IndexMissingError(f"Cannot reach the Chroma server at {settings.chroma_url}: {exc}") from None
    path = settings.index_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:  # noqa: BLE001 - a damaged sqlite file raises many types
        _forget_failed_client(path)
        raise IndexMismatchError(
            f"The index at {path} is unreadable ({type(exc).__name__}: {exc}). Run `rag ingest --rebuild` to build a fresh one."
        ) from None


def _forget_failed_client(path: Path) -> None:
    # Chroma caches one System per folder and keeps it even when starting it failed; without this,
    # every later client in this process (including the one `--rebuild` opens) inherits the broken one.
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(str(path), None)


def remove_embedded_index(settings: Settings) -> None:
    """Delete an embedded index folder that Chroma cannot even open."""
    shutil.rmtree(settings.index_dir / "chroma", ignore_errors=True)


@contextmanager
def write_lock(settings: Settings) -> Iterator[None]:
    """Exclusive, process-wide lock for writers: Chroma's embedded client is not process-safe."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    path = settings.index_dir / "write.lock"
    handle = open(path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise IndexLockedError(
                f"The index at {settings.index_dir} is locked by pid {holder} (another `rag ingest` is "
                f"writing). Wait for it to finish, then retry."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock, also when the process dies
