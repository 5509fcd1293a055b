"""End to end on the real models: the right fact, cited to the right file with an exact quote; refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag import Answer, Assistant, InvalidQuestionError, Progress
from rag.answering import REFUSAL

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
S000, S001, S002, S003, S004 = sorted(path.name for path in SEEDS.glob("*.txt"))

QUESTIONS = [
    ("How long is the border between Kazakhstan and Russia?", r"7,?600", {S002}),
    ("Which Russian leader congratulated Tokayev in a statement released by the Kremlin?", r"Putin", {S000, S001}),
    ("How many people died in the unrest in January?", r"\b238\b", {S000, S001}),
    ("What did the OSCE monitors say the November 20 election lacked?", r"competitiv", {S001}),
    ("How many people did police arrest at rallies in Almaty and Nur-Sultan?", r"\b500\b", {S003}),
    ("Who is Nazarbayev's eldest daughter?", r"Dariga", {S003}),
    ("What was the voter turnout in the presidential election on November 20?", r"69\.44", {S004}),
    ("Which Chinese leader sent Tokayev a congratulatory message?", r"\bXi\b", {S004}),
    ("What share of the vote did Tokayev win according to the Central Election Commission?", r"81\.31", {S004}),
    # The sentence says "his predecessor, who … is considered the country's founding father": the name is another article's.
    ("Who do the articles say is considered Kazakhstan's founding father?", r"Nazarbayev", {S004}),
]


def assert_quotes_are_verbatim(answer: Answer) -> None:
    for citation in answer.citations:
        original = (SEEDS / citation.source).read_text(encoding="utf-8")
        start, end = citation.chars
        assert "".join(original[start:end].split()) == "".join(citation.quote.split())
        lines = original.splitlines()[citation.lines[0] - 1 : citation.lines[1]]
        assert "".join(citation.quote.split()) in "".join("\n".join(lines).split())


@pytest.mark.slow
@pytest.mark.parametrize(("question", "fact", "sources"), QUESTIONS, ids=[q[0][:40] for q in QUESTIONS])
def test_a_corpus_question_gets_the_fact_cited_to_its_file(
    assistant: Assistant, question: str, fact: str, sources: set[str]
) -> None:
    answer = assistant.ask(question)
    assert not answer.refused, answer.text
    assert re.search(fact, answer.text, re.IGNORECASE), answer.text
    cited = {citation.source for citation in answer.citations}
    assert cited & sources, (cited, answer.text)
    assert cited <= {S000, S001, S002, S003, S004}
    assert all(f"[{c.marker}]" in answer.text for c in answer.citations)
    assert_quotes_are_verbatim(answer)


@pytest.mark.slow
@pytest.mark.parametrize("question", ["What is the capital of France?", "Who won the 2024 Super Bowl?"])
def test_a_question_the_articles_do_not_answer_is_refused(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.refused
    assert answer.text == REFUSAL
    assert answer.citations == []


@pytest.mark.slow
def test_streaming_yields_text_then_the_final_answer(assistant: Assistant) -> None:
    events = list(assistant.stream("How long is the border between Kazakhstan and Russia?"))
    assert all(isinstance(event, (str, Progress)) for event in events[:-1]) and len(events) > 2
    final = events[-1]
    assert isinstance(final, Answer)
    text = "".join(event for event in events if isinstance(event, str))
    assert "7,600" in text and text == final.text


def _after(asked: str, answered: str) -> list[dict[str, str]]:
    """A conversation of one turn, as the UI and the API pass it."""
    return [{"role": "user", "content": asked}, {"role": "assistant", "content": answered}]


@pytest.mark.slow
def test_a_follow_up_naming_only_another_country_is_asked_as_the_previous_question_about_it(assistant: Assistant) -> None:
    history = _after("How did Russia vote on the UN resolution calling for reparations to Ukraine?", "Russia voted against it [1].")
    answer = assistant.ask("What about China?", history=history)
    assert answer.standalone_question == "How did China vote on the UN resolution calling for reparations to Ukraine?"
    assert answer.refused or re.search(r"against", answer.text), answer.text  # never "in favour", if it answers


@pytest.mark.slow
def test_a_follow_up_is_condensed_with_its_history_before_retrieval(assistant: Assistant) -> None:
    history = _after(
        "Who won the snap presidential election in Kazakhstan on November 20?", "Kassym-Jomart Tokayev won with 81.31 per cent of the vote [1]."
    )
    answer = assistant.ask("And how many voters turned out?", history=history)
    assert "Tokayev" in answer.standalone_question or "election" in answer.standalone_question.lower()
    assert not answer.refused, answer.text
    assert re.search(r"69\.44|8,?300,?046", answer.text), answer.text
    assert S004 in {c.source for c in answer.citations}


@pytest.mark.parametrize("question", ["", "   \n\t ", "?!...", "x" * 5000])
def test_an_unusable_question_is_an_error_before_any_model_runs(assistant: Assistant, question: str) -> None:
    with pytest.raises(InvalidQuestionError):
        assistant.ask(question)


def test_retrieval_puts_the_answering_file_first_for_a_plain_question(assistant: Assistant) -> None:
    passages = assistant.retrieve("How long is the border between Kazakhstan and Russia?")
    assert passages[0].source == S002
    assert passages[0].number == 1 and passages[0].similarity is not None


def test_near_duplicate_passages_from_two_files_share_one_context_slot(assistant: Assistant) -> None:
    passages = assistant.retrieve("How many people died during the protests over high living costs in January?")
    folded = [p for p in passages if p.duplicate_of]
    assert folded, "000 and 001 carry the same paragraph; one should be folded into the other"
    numbers = [p.number for p in passages if p.number and not p.duplicate_of]
    assert numbers == list(range(1, len(numbers) + 1))
    assert {p.source for p in passages if p.number} >= {S000, S001}
