"""Shared fixtures: one real index of seeds/ per test session, real embedder, real LLM.

Loading the models takes seconds and the LLM ~1.9 GB, so they are built once and shared;
tests that need their own index get a fresh Chroma folder but reuse the loaded models.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag import Assistant, Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's RAG_* variables must not change what the tests see."""
    for name in list(os.environ):
        if name.startswith("RAG_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def session_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("session-index")
    return Settings(corpus_dir=SEEDS, index_dir=base / "index", upload_dir=base / "uploads")


@pytest.fixture(scope="session")
def assistant(session_settings: Settings) -> Assistant:
    """The seeds, ingested once into a real embedded Chroma, with the real models."""
    built = Assistant(session_settings)
    built.ingest()
    return built


@pytest.fixture
def make_assistant(assistant: Assistant, tmp_path: Path) -> Iterator[object]:
    """Factory for an Assistant on its own fresh index that shares the session's loaded models."""

    def factory(corpus: Path | None = None, **overrides: object) -> Assistant:
        settings = assistant.settings.replace(
            corpus_dir=corpus or SEEDS, index_dir=tmp_path / "index", upload_dir=tmp_path / "uploads", **overrides
        )
        return Assistant(settings, llm=assistant.llm, embedder=assistant.embedder)

    yield factory


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the seed articles."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target
