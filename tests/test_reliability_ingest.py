"""A messy corpus folder or a damaged index never stops the work: every file is ingested or skipped
with a named reason, and an index the tool cannot trust is refused with `rag ingest --rebuild` as the fix.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag import Assistant, IndexMismatchError, UnreadableFileError
from rag.cli import main
from rag.documents import load_document
from rag.index import ChunkStore

MakeAssistant = Callable[..., Assistant]

LATIN1 = "Café Zoë in Montréal has served the famous crème brûlée of Señor Muñoz since 1921."
UTF16 = "The Quarnby lighthouse keeper Ørjan Ødegård recorded forty-seven storms in 2021."
GOOD = "The Tinytown council approved the new Zorblat bridge on Tuesday after a long debate."


def _messy_corpus(folder: Path) -> Path:
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "latin1.txt").write_bytes(LATIN1.encode("latin-1"))
    (folder / "utf16.txt").write_bytes(UTF16.encode("utf-16"))  # little-endian with a BOM
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "zero.txt").write_bytes(b"")
    (folder / "blank.md").write_text("  \n\n \t \n", encoding="utf-8")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    os.symlink("loop.txt", folder / "loop.txt")  # a file symlink pointing at itself
    os.symlink(".", folder / "dirloop")  # a folder symlink back to the corpus: would recurse forever
    os.mkfifo(folder / "pipe.txt")  # reading it would block the ingest for ever
    with (folder / "huge.txt").open("wb") as handle:  # 20 MB, over the default 10 MB limit
        block = b"All work and no play makes a very large file.\n" * 20_000
        while handle.tell() < 20 * 1024 * 1024:
            handle.write(block)
    return folder


def test_a_messy_folder_ingests_what_it_can_and_names_a_reason_for_everything_else(
    make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    corpus = _messy_corpus(tmp_path / "messy")
    assistant = make_assistant(corpus)
    report = assistant.ingest()

    reasons = {item.path: item.reason for item in report.skipped}
    assert "binary" in reasons["binary.txt"]
    assert "empty" in reasons["zero.txt"]
    assert "empty" in reasons["blank.md"]
    assert "unsupported file type .jpg" in reasons["photo.jpg"]
    assert "symlink loop" in reasons["loop.txt"]
    assert "not followed" in reasons["dirloop"]
    assert "not a regular file" in reasons["pipe.txt"]
    assert "larger than the 10 MB limit" in reasons["huge.txt"]
    assert all(reason.strip() for reason in reasons.values())
    assert sorted(assistant.sources()) == ["good.txt", "latin1.txt", "utf16.txt"]
    assert report.files == 3 and report.added == 3


def test_latin1_and_utf16_files_are_decoded_so_their_text_is_searchable(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    corpus = _messy_corpus(tmp_path / "messy")
    assistant = make_assistant(corpus)
    assistant.ingest()

    latin1 = assistant.retrieve("Café Zoë crème brûlée in Montréal")[0]
    assert latin1.source == "latin1.txt"
    assert latin1.text == LATIN1
    utf16 = assistant.retrieve("How many storms did the Quarnby lighthouse keeper record?")[0]
    assert utf16.source == "utf16.txt"
    assert utf16.text == UTF16
    assert assistant.document("utf16.txt").raw == UTF16


def test_a_file_that_vanishes_during_ingest_does_not_stop_the_rest_and_is_dropped_on_the_next_run(
    make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in range(40):  # more than one write batch, so progress is reported mid-ingest
        (corpus / f"note{number:02d}.txt").write_text(f"Note {number}: parcel {number} reached depot {number % 5}.")
    victim = corpus / "note39.txt"

    def delete_the_last_file(done: int, total: int, current: str) -> None:
        if done > 0:
            victim.unlink(missing_ok=True)

    assistant = make_assistant(corpus)
    first = assistant.ingest(progress=delete_the_last_file)
    assert not victim.exists(), "the progress callback ran while files were still being written"
    # Read before it vanished: ingested from what was read, or skipped with a reason; never a crash.
    assert first.files + len(first.skipped) == 40
    assert {item.reason for item in first.skipped} <= {"file disappeared while reading"}

    second = assistant.ingest()
    assert second.files == 39
    assert "note39.txt" not in assistant.sources()
    assert assistant.store.count() == 39


def test_a_file_gone_between_listing_and_reading_is_reported_as_disappeared(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="disappeared"):
        load_document(tmp_path / "gone.txt")


def test_a_folder_of_1000_small_files_is_ingested_whole(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    corpus = tmp_path / "many"
    for folder in range(10):
        (corpus / f"box{folder}").mkdir(parents=True)
        for number in range(100):
            (corpus / f"box{folder}" / f"item{number:03d}.txt").write_text(
                f"Item {folder}-{number} is stored on shelf {number % 9}."
            )
    assistant = make_assistant(corpus)
    report = assistant.ingest()
    assert report.skipped == []
    assert (report.files, report.added, report.chunks) == (1000, 1000, 1000)
    assert assistant.ingest().unchanged == 1000, "a second run finds nothing to do"


# --- an index this tool cannot trust ------------------------------------------------------------


def _small_corpus(folder: Path) -> Path:
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    return folder


def _assert_refused_then_rebuilt(assistant: Assistant) -> None:
    with pytest.raises(IndexMismatchError, match=r"rag ingest --rebuild"):
        assistant.ingest()
    with pytest.raises(IndexMismatchError, match=r"rag ingest --rebuild"):
        assistant.retrieve("Which bridge did the council approve?")  # no silent answers from a wrong index
    report = assistant.ingest(rebuild=True)
    assert report.files == 1
    assert assistant.retrieve("Which bridge did the council approve?")[0].source == "good.txt"


def test_garbage_in_the_chroma_database_asks_for_a_rebuild_and_the_rebuild_recovers(
    make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    assistant = make_assistant(_small_corpus(tmp_path / "corpus"))
    database = assistant.settings.index_dir / "chroma" / "chroma.sqlite3"
    database.parent.mkdir(parents=True)
    database.write_bytes(os.urandom(64 * 1024))
    _assert_refused_then_rebuilt(assistant)


def test_a_foreign_collection_of_the_same_name_asks_for_a_rebuild(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    assistant = make_assistant(_small_corpus(tmp_path / "corpus"))
    foreign = ChunkStore(assistant.settings, "unused", 3).client.create_collection(assistant.settings.collection)
    foreign.add(ids=["x"], embeddings=[[0.1, 0.2, 0.3]], documents=["someone else's data"])
    _assert_refused_then_rebuilt(assistant)


def test_an_index_built_with_another_embedding_model_asks_for_a_rebuild(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    assistant = make_assistant(_small_corpus(tmp_path / "corpus"))
    ChunkStore(assistant.settings, "some-other-embedder", 768).open(create=True)
    with pytest.raises(IndexMismatchError, match=r"some-other-embedder.*rag ingest --rebuild"):
        assistant.ingest()
    _assert_refused_then_rebuilt(assistant)


def test_the_cli_reports_a_corrupted_index_in_one_line_with_the_fix_and_no_traceback(tmp_path: Path) -> None:
    corpus = _small_corpus(tmp_path / "corpus")
    database = tmp_path / "index" / "chroma" / "chroma.sqlite3"
    database.parent.mkdir(parents=True)
    database.write_bytes(b"this is not a sqlite database" * 1000)
    env = {"RAG_INDEX_DIR": str(tmp_path / "index"), "RAG_CORPUS_DIR": str(corpus)}
    result = CliRunner().invoke(main, ["ingest"], env=env)
    assert result.exit_code == 1
    assert "rag ingest --rebuild" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), "a clean exit, not an escaped exception"
