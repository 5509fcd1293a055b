"""`Assistant.documents()` and `Assistant.remove()`: the document list and deletion the UI and HTTP API share.

Each test gets its own fresh index (the session's loaded models, real Chroma), because removing changes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import Assistant, DocumentInfo, DocumentNotFoundError
from rag.uploads import save_uploads

BORDER_SOURCE = "002_0eec3ad352a25b00.txt"
UPLOAD_TEXT = (
    "Quuxville Lantern Festival draws record crowd\n\n"
    "The Quuxville Lantern Festival drew 4,321 visitors on Saturday, the organisers said.\n"
    "The festival has been held on the river bank every spring since 1987.\n"
)


@pytest.fixture
def fresh(assistant: Assistant, tmp_path: Path) -> Assistant:
    """The seeds in a fresh index of this test's own; the session's embedder (no LLM: nothing here asks)."""
    settings = assistant.settings.replace(index_dir=tmp_path / "index", upload_dir=tmp_path / "uploads")
    built = Assistant(settings, embedder=assistant.embedder)
    built.ingest()
    return built


def _upload(assistant: Assistant, tmp_path: Path, name: str = "lanterns.txt") -> str:
    original = tmp_path / "incoming" / name
    original.parent.mkdir(exist_ok=True)
    original.write_text(UPLOAD_TEXT, encoding="utf-8")
    saved = save_uploads([original], assistant.settings)
    assert saved.saved == [name]
    assistant.ingest(assistant.settings.upload_dir)
    return f"{assistant.settings.upload_dir.resolve().name}/{name}"


def test_documents_lists_every_indexed_file_with_its_title_and_chunk_count(fresh: Assistant, seeds_dir: Path) -> None:
    documents = fresh.documents()
    assert all(isinstance(d, DocumentInfo) for d in documents)
    assert [d.source for d in documents] == sorted(p.name for p in seeds_dir.glob("*.txt"))
    assert {d.source: d.chunks for d in documents} == fresh.sources()
    assert all(d.title and d.chunks > 0 for d in documents)
    assert all(isinstance(d.date, str) for d in documents)


def test_removing_a_seed_file_drops_its_index_entry_but_never_the_file(fresh: Assistant, seeds_dir: Path) -> None:
    chunks_before = fresh.store.count()
    removed_chunks = fresh.sources()[BORDER_SOURCE]
    fresh.retrieve("How long is the border between Kazakhstan and Russia?")  # builds the retriever that must be reset

    fresh.remove(BORDER_SOURCE)

    assert BORDER_SOURCE not in [d.source for d in fresh.documents()]
    assert fresh.store.count() == chunks_before - removed_chunks
    assert (seeds_dir / BORDER_SOURCE).is_file()
    passages = fresh.retrieve("How long is the border between Kazakhstan and Russia?")
    assert BORDER_SOURCE not in {p.source for p in passages}
    with pytest.raises(DocumentNotFoundError):
        fresh.document(BORDER_SOURCE)
    # The file is still in the corpus folder, so the next ingest brings it back.
    assert fresh.ingest().added == 1
    assert BORDER_SOURCE in fresh.sources()


def test_removing_an_unknown_document_says_so(fresh: Assistant) -> None:
    with pytest.raises(DocumentNotFoundError, match="not an indexed document"):
        fresh.remove("no_such_file.txt")
    with pytest.raises(DocumentNotFoundError):
        fresh.remove("../seeds/" + BORDER_SOURCE)


def test_removing_an_uploaded_file_deletes_the_stored_upload_too(fresh: Assistant, tmp_path: Path) -> None:
    source = _upload(fresh, tmp_path)
    stored = fresh.settings.upload_dir / "lanterns.txt"
    assert source in fresh.sources() and stored.is_file()
    assert fresh.document(source).raw.startswith("Quuxville Lantern Festival")

    fresh.remove(source)

    assert source not in fresh.sources()
    assert not stored.exists()
    assert len(fresh.documents()) == 5  # the seeds are untouched
    # Nothing is left to bring it back: ingesting the uploads folder again adds nothing.
    assert fresh.ingest(fresh.settings.upload_dir).added == 0
