"""An ingest killed at any point and run again ends with exactly the index a clean build makes, and
a second writer is turned away with the pid of the first instead of corrupting the embedded Chroma.

The writers here are real processes (`python -c` over the public API): SIGKILL gives no chance to
clean up, and Chroma's embedded client must be exercised across processes, not threads.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rag import Assistant, IndexLockedError

MakeAssistant = Callable[..., Assistant]

INGEST_SCRIPT = """
import sys
from pathlib import Path
from rag import Assistant, Settings

assistant = Assistant(Settings(corpus_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2])))
assistant.embedder  # load the model before the first progress line, so kills land inside the writes
report = assistant.ingest(progress=lambda done, total, current: print("progress", done, total, flush=True))
print("done", report.files, flush=True)
"""

LOCK_HOLDER_SCRIPT = """
import sys, time
from pathlib import Path
from rag.config import Settings
from rag.index import write_lock

with write_lock(Settings(index_dir=Path(sys.argv[1]))):
    print("locked", flush=True)
    time.sleep(300)
"""


def _corpus(folder: Path, files: int) -> Path:
    folder.mkdir()
    for number in range(files):
        # Two paragraphs each, so some files span two chunks and partial files are possible.
        text = f"Report {number}: the ferry Nr. {number} left pier {number % 11} at dawn.\n\n" + (
            f"Cargo manifest {number} lists {number * 3} crates of apples and {number % 7} crates of pears. " * (number % 3 + 1)
        )
        (folder / f"report{number:03d}.txt").write_text(text, encoding="utf-8")
    return folder


def _index_state(assistant: Assistant) -> tuple[list[str], dict[str, tuple[str, int]]]:
    """Sorted chunk ids, and the manifest as (hash, chunk count) per file."""
    ids = sorted(assistant.store.collection.get(include=[])["ids"])
    manifest = {source: (entry.sha256, entry.chunks) for source, entry in assistant.store.manifest().items()}
    return ids, manifest


def _kill_during_ingest(corpus: Path, index: Path, after_batches: int, delay: float) -> str:
    """Start an ingest, SIGKILL it `delay` seconds after its `after_batches`-th progress line; what it last printed."""
    process = subprocess.Popen([sys.executable, "-c", INGEST_SCRIPT, str(corpus), str(index)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    last = ""
    try:
        seen = 0
        for line in process.stdout:
            last = line.strip()
            if last.startswith("progress"):
                seen += 1
                if seen > after_batches:
                    time.sleep(delay)  # lands somewhere inside embedding, the Chroma write or the manifest write
                    break
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    return last


@pytest.mark.slow
def test_an_ingest_killed_at_random_points_and_rerun_equals_a_clean_build(
    assistant: Assistant, make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    corpus = _corpus(tmp_path / "corpus", 200)
    resumed = make_assistant(corpus)
    index = resumed.settings.index_dir
    chooser = random.Random(20240611)
    last_lines = []
    for _ in range(3):  # each run loads the embedder in a fresh process, so a few kills, not dozens
        last_lines.append(_kill_during_ingest(corpus, index, chooser.randrange(0, 6), chooser.uniform(0.0, 1.5)))
    print("last lines before each SIGKILL:", last_lines)  # shown with -s; recorded in docs/reliability.md
    assert any(line.startswith("progress") for line in last_lines), f"no kill landed inside an ingest: {last_lines}"

    report = resumed.ingest()  # the rerun, in this process, after every killed writer is gone
    assert report.skipped == []

    clean = Assistant(
        assistant.settings.replace(corpus_dir=corpus, index_dir=tmp_path / "clean"),
        llm=assistant.llm,
        embedder=assistant.embedder,
    )
    clean.ingest()
    resumed_ids, resumed_manifest = _index_state(resumed)
    clean_ids, clean_manifest = _index_state(clean)
    assert len(resumed_ids) == len(set(resumed_ids)), "no chunk stored twice"
    assert resumed_ids == clean_ids, "same chunks, none missing, none extra"
    assert resumed.store.count() == clean.store.count() == len(clean_ids)
    assert resumed_manifest == clean_manifest
    assert len(clean_manifest) == 200


@pytest.fixture
def lock_holder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """Another process holding the index's write lock, as a running `rag ingest` does."""
    index = tmp_path / "index"
    process = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER_SCRIPT, str(index)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    yield process, index
    process.kill()
    process.wait(timeout=60)


def test_a_second_writer_is_refused_with_the_pid_of_the_first_and_the_index_stays_consistent(
    make_assistant: MakeAssistant, tmp_path: Path, lock_holder: tuple[subprocess.Popen[str], Path]
) -> None:
    holder, index = lock_holder
    corpus = _corpus(tmp_path / "corpus", 12)
    writer = make_assistant(corpus)
    assert writer.settings.index_dir == index
    with pytest.raises(IndexLockedError, match=rf"locked by pid {holder.pid}\b.*Wait for it to finish"):
        writer.ingest()
    with pytest.raises(IndexLockedError):
        writer.ingest(rebuild=True)

    holder.kill()  # the lock dies with its holder: no stale lock file to clean up by hand
    holder.wait(timeout=60)
    report = writer.ingest()
    assert report.files == 12
    assert writer.store.count() == sum(entry for entry in writer.sources().values())


def test_the_lock_file_names_the_current_writer(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    writer = make_assistant(_corpus(tmp_path / "corpus", 1))
    seen: list[str] = []
    lock_file = writer.settings.index_dir / "write.lock"
    writer.ingest(progress=lambda done, total, current: seen.append(lock_file.read_text()))
    assert seen and set(seen) == {str(os.getpid())}
