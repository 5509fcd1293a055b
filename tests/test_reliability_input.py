"""Bad questions get a clear error — a `RagError` from the API, exit code 2 from the CLI — and touch nothing.

The limit on question length is `max_question_chars` (2,000 by default, RAG_MAX_QUESTION_CHARS): a longer
question is refused before retrieval, so it is never sent to the LLM, whole or truncated.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rag import Answer, Assistant, InvalidQuestionError, RagError
from rag.assistant import validate_question
from rag.cli import main

BAD_QUESTIONS = {
    "empty": "",
    "whitespace only": "   \n\t   \r\n ",
    "100 kB of text": ("Who congratulated Tokayev on his victory? " * 2500)[:100_000],
    "control characters only": "\x00\x01\x07\x1b\x7f\x0b",
    "only punctuation": "?!… ... ,;: -- ¿¡ ()",
}


@pytest.mark.parametrize("question", BAD_QUESTIONS.values(), ids=BAD_QUESTIONS.keys())
def test_the_api_refuses_a_bad_question_with_a_rag_error_and_leaves_the_index_untouched(
    assistant: Assistant, question: str
) -> None:
    chunks_before = assistant.store.count()
    with pytest.raises(InvalidQuestionError) as caught:
        assistant.ask(question)
    assert isinstance(caught.value, RagError)
    assert str(caught.value).strip(), "the error must say what is wrong"
    with pytest.raises(InvalidQuestionError):
        assistant.retrieve(question)
    assert assistant.store.count() == chunks_before


def test_the_length_limit_is_named_in_the_message_so_the_user_knows_what_to_do(assistant: Assistant) -> None:
    with pytest.raises(InvalidQuestionError, match=r"2,000.*RAG_MAX_QUESTION_CHARS"):
        assistant.ask("x" * 100_000)


def test_control_characters_inside_a_real_question_are_replaced_not_passed_on() -> None:
    cleaned = validate_question("Who\x00 congratulated\x1b[31m Tokayev\x07?", 2000)
    assert cleaned == "Who congratulated [31m Tokayev ?"
    assert all(ch.isprintable() for ch in cleaned)


def test_a_question_with_control_characters_still_retrieves_its_passages(assistant: Assistant) -> None:
    passages = assistant.retrieve("Which Russian\x00 leader congratulated\x07 Tokayev?\x1b")
    assert passages, "the sanitised question should still find the Putin passages"
    assert any("Putin" in passage.text for passage in passages)


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    ["¿Quién felicitó a Tokáyev por su victoria electoral?", "Кто поздравил Токаева с победой на выборах?"],
    ids=["spanish", "russian"],
)
def test_a_question_in_another_language_is_answered_or_refused_gracefully(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert isinstance(answer, Answer)
    assert answer.question == question
    if answer.refused:
        assert answer.text and not answer.citations
    else:
        assert answer.citations, "a non-refused answer must cite its sources"
        assert {c.source for c in answer.citations} <= {p.source for p in answer.passages}


# --- CLI -----------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """RAG_* variables pointing the CLI at an index folder that does not exist yet."""
    monkeypatch.chdir(tmp_path)  # no stray rag.toml from the working directory
    return {"RAG_INDEX_DIR": str(tmp_path / "index"), "RAG_MODEL_CACHE": str(tmp_path / "models")}


@pytest.mark.parametrize("question", BAD_QUESTIONS.values(), ids=BAD_QUESTIONS.keys())
def test_the_cli_exits_2_with_a_message_before_loading_any_model_or_touching_the_index(
    cli_env: dict[str, str], question: str
) -> None:
    result = CliRunner().invoke(main, ["ask", question], env=cli_env)
    assert result.exit_code == 2, result.output
    assert "Error:" in result.output
    assert "Traceback" not in result.output
    # Loading the models or opening Chroma would have created these folders.
    assert not Path(cli_env["RAG_INDEX_DIR"]).exists()
    assert not Path(cli_env["RAG_MODEL_CACHE"]).exists()


def test_the_cli_json_mode_refuses_bad_questions_the_same_way(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["ask", "--json", "   "], env=cli_env)
    assert result.exit_code == 2
    assert "empty" in result.output
    assert not Path(cli_env["RAG_INDEX_DIR"]).exists()
