"""The `rag` command line, driven through click's CliRunner on a real index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag import Assistant
from rag.cli import main


@pytest.fixture
def env(assistant: Assistant) -> dict[str, str]:
    return {"RAG_INDEX_DIR": str(assistant.settings.index_dir), "RAG_CORPUS_DIR": str(assistant.settings.corpus_dir)}


@pytest.mark.slow
def test_ask_json_prints_the_answer_citations_and_passages(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["ask", "--json", "How long is the border between Kazakhstan and Russia?"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"answer", "refused", "citations", "passages"}
    assert "7,600" in data["answer"] and data["refused"] is False
    assert data["citations"][0]["source"] == "002_0eec3ad352a25b00.txt"
    assert isinstance(data["citations"][0]["lines"], list) and data["citations"][0]["quote"]


@pytest.mark.parametrize("question", ["", "   "])
def test_an_empty_question_exits_2_and_writes_nothing(question: str, tmp_path: Path) -> None:
    index = tmp_path / "index"
    result = CliRunner().invoke(main, ["ask", question], env={"RAG_INDEX_DIR": str(index)})
    assert result.exit_code == 2
    assert "question is empty" in result.stderr
    assert not index.exists()


def test_ingest_prints_a_summary_line(tmp_path: Path, seeds_dir: Path) -> None:
    env = {"RAG_INDEX_DIR": str(tmp_path / "index"), "RAG_CORPUS_DIR": str(seeds_dir)}
    result = CliRunner().invoke(main, ["ingest"], env=env)
    assert result.exit_code == 0, result.output
    assert "5 files" in result.stdout and "chunks" in result.stdout
    again = CliRunner().invoke(main, ["ingest"], env=env)
    assert "5 unchanged" in again.stdout


def test_asking_without_an_index_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["ask", "Who won?"], env={"RAG_INDEX_DIR": str(tmp_path / "none")})
    assert result.exit_code == 1
    assert "rag ingest" in result.stderr


def test_a_bad_setting_exits_2_naming_it() -> None:
    result = CliRunner().invoke(main, ["ask", "Who won?"], env={"RAG_TOP_K": "lots"})
    assert result.exit_code == 2
    assert "top_k" in result.stderr


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    for command in ("ingest", "ask", "serve", "eval"):
        assert command in result.stdout
