"""Answers people can trust, on the real models: every claim checked, time-aware, premises questioned.

Each case is a kind of failure the first version had (issue 9), asked in words of its own rather
than those of a gold question.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag import Answer, Assistant, Progress
from rag.checker import ModelChecker
from rag.llm import make_llm
from rag.reask import EXTRACT_INSTRUCTION

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
S000, S001, S002, S003, S004 = sorted(path.name for path in SEEDS.glob("*.txt"))

pytestmark = pytest.mark.slow


def test_a_vote_the_text_calls_an_abstention_is_never_reported_as_support(assistant: Assistant) -> None:
    answer = assistant.ask("Did Kazakhstan back the UN General Assembly resolution on Ukraine reparations?")
    assert not re.search(r"\b(?:voted (?:for|in favou?r)|supported|backed)\b", answer.text, re.I), answer.text
    if not answer.refused:
        assert re.search(r"abstain", answer.text, re.I) and {c.source for c in answer.citations} == {S004}


def test_an_undated_question_spanning_both_elections_is_answered_per_election(assistant: Assistant) -> None:
    answer = assistant.ask("What percentage of the vote did Tokayev get?")
    assert not answer.refused
    labels = {event.label for event in answer.events}
    assert labels == {"2019", "2022"}, answer.text
    assert re.search(r"71\b.{0,120}2019|2019.{0,120}71\b", answer.text) and re.search(r"81.{0,120}2022|2022.{0,120}81", answer.text)
    assert {c.date[:4] for c in answer.citations} == {"2019", "2022"}


def test_a_place_the_cited_article_never_mentions_is_a_false_premise(assistant: Assistant) -> None:
    answer = assistant.ask("How many people died in Nur-Sultan alone during the January protests?")
    assert answer.refused and answer.trace.refusal_reason, answer.text
    assert not answer.citations


def test_a_figure_the_sentence_gives_another_person_is_not_given_as_the_one_asked_about(assistant: Assistant) -> None:
    # The 2019 sentence names Nazarbayev as Tokayev's predecessor and gives the 71 percent to Tokayev.
    answer = assistant.ask("What share of the vote did Nursultan Nazarbayev receive in the 2019 snap election?")
    assert answer.refused and not re.search(r"\b71\b", answer.text), answer.text


def test_a_figure_for_two_cities_is_not_given_as_one_citys(assistant: Assistant) -> None:
    answer = assistant.ask("How many protesters did police detain in Almaty alone on the day of the 2019 election?")
    # A refusal that says what the articles do give, and where.
    assert answer.refused and "Almaty and Nur-Sultan together" in answer.text, answer.text
    assert {c.source for c in answer.citations} == {S003}


def test_a_true_figure_of_the_event_asked_about_is_not_given_for_what_it_does_not_measure(assistant: Assistant) -> None:
    # The sentence states the January dead, and the model reads "238 dead" in it; asked whether the sentence
    # answers how many were wounded, it says no.
    answer = assistant.ask("How many people were wounded in the January unrest in Kazakhstan?")
    assert answer.refused and "238" not in answer.text, answer.text
    assert any(check.kind == "measure" and not check.passed for check in answer.trace.checks), answer.trace.lines()


def test_a_runner_up_the_articles_never_name_is_not_made_up_from_the_winners_sentence(assistant: Assistant) -> None:
    answer = assistant.ask("Which candidate came second in the 2022 Kazakh presidential vote?")
    assert answer.refused, answer.text
    assert not re.search(r"\b(?:Tokayev|Nazarbayev)\b", answer.text), answer.text


def test_asked_again_of_one_sentence_the_model_can_only_copy_its_words(assistant: Assistant) -> None:
    # Unconstrained, the model answers "20 people" here, which the sentence does not say.
    sentence = "A Reuters correspondent saw police detain a few dozen people."
    question = "By a Reuters reporter's count, how many people were detained by police?"
    reply = ModelChecker(assistant.llm).extract(EXTRACT_INSTRUCTION, f"Sentence: (2019) {sentence}\nQuestion: {question}", sentence)
    assert reply == "NONE" or reply.lower().rstrip(".") in sentence.lower(), reply
    assert "dozen" in reply


def test_every_answer_carries_its_trace_with_each_model_call_counted_once(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, counted = assistant.llm.engine, []  # what the engine itself reports, call by call
    post, events = engine.post, engine.events

    def counted_post(body: dict[str, Any]) -> dict[str, Any]:
        data = post(body)
        counted.append(data["usage"]["prompt_tokens"])
        return data

    def counted_events(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for chunk in events(body):
            counted.extend([chunk["usage"]["prompt_tokens"]] if chunk.get("usage") else [])
            yield chunk

    monkeypatch.setattr(engine, "post", counted_post)
    monkeypatch.setattr(engine, "events", counted_events)
    answer = assistant.ask("How long is the shared border of Kazakhstan and Russia?")

    assert "7,600" in answer.text and {c.source for c in answer.citations} == {S002}
    kinds = {check.kind for check in answer.trace.checks if check.passed}
    assert {"figures", "names", "words", "polarity", "model"} <= kinds
    assert answer.trace.evidence and answer.trace.llm_calls == len(counted) >= 2
    assert answer.trace.prompt_tokens == sum(counted)
    assert 0 < answer.trace.cached_tokens < answer.trace.prompt_tokens  # the shared instructions come from the prompt cache
    assert any(line.startswith("Evidence shown") for line in answer.trace.lines())


def test_the_stream_shows_stages_then_exactly_the_verified_text(assistant: Assistant) -> None:
    # "Which Chinese leader congratulated Tokayev?" is refused since the re-ask (the draft names nobody, and the
    # sentence it paraphrased is about a meeting): a known false refusal, see docs/eval-report.md.
    events = list(assistant.stream("Which Chinese leader sent Tokayev a congratulatory message?"))
    stages = [e.stage for e in events if isinstance(e, Progress)]
    assert stages[:2] == ["searching", "reading"] and "checking" in stages
    final = events[-1]
    assert isinstance(final, Answer)
    assert "".join(e for e in events if isinstance(e, str)) == final.text
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", final.text)]
    assert markers == sorted(markers) and markers[0] == 1  # numbered 1..n in reading order


def test_rag_ask_explain_prints_the_checks(assistant: Assistant, tmp_path: Path) -> None:
    env = {"RAG_INDEX_DIR": str(assistant.settings.index_dir), "RAG_CORPUS_DIR": str(SEEDS), "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", "--explain", "Who is Nazarbayev's eldest daughter?"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Dariga" in result.stdout and "Evidence shown to the model" in result.stdout and "[pass] model" in result.stdout


def test_an_undated_question_answered_for_one_election_says_which_election(assistant: Assistant) -> None:
    # The evidence holds both elections; an answer that states one age must not pass it off as "when he won".
    answer = assistant.ask("How old was Tokayev when he won the presidential vote?")
    assert not answer.refused, answer.text
    for sentence in re.split(r"(?<=\])\s+", answer.text.strip()):
        assert re.search(r"\b(?:2019|2022)\b", sentence), answer.text


@pytest.mark.xfail(
    strict=True,
    reason="known failure (issue 9, open): a yes/no claim the evidence does not state is replaced by the sentence most "
    "like it, which shares the question's words but not its predicate. Asking the model whether a sentence answers a "
    "yes/no question does not separate them (round 18: 0.64 vs 0.68 here; the sentence that answers 'did Kazakhstan vote "
    "in favour' with 'abstained' read 0.27), so the quote is not gated on it. Passing this means the class is fixed.",
)
def test_a_yes_no_question_is_not_settled_by_a_sentence_that_only_shares_its_words(assistant: Assistant) -> None:
    answer = assistant.ask("Did the preliminary count of the 2022 vote come as a surprise?")
    assert not re.search(r"over 81", answer.text), answer.text  # the count itself says nothing of a surprise
    if not answer.refused:
        assert re.search(r"\bexpected\b", answer.text), answer.text


def test_a_yes_no_answer_the_checks_cannot_confirm_also_quotes_the_sentence_retrieval_ranks_first(assistant: Assistant) -> None:
    # The draft cites the turnout ("69.44 per cent … participated") for a question about his share of the vote.
    answer = assistant.ask("Did Tokayev get more than 85 percent of the vote in the 2022 election?")
    assert not answer.refused and re.search(r"over 81", answer.text), answer.text
    assert not re.match(r"\W*yes\b", answer.text, re.I), answer.text


def test_a_yes_no_question_the_draft_leaves_unanswered_is_settled_by_the_sentence_the_model_reads_an_answer_in(
    assistant: Assistant,
) -> None:
    # Asked again for a short answer, the model replies NONE to every yes/no question, so that step is skipped.
    answer = assistant.ask("Did any of the other candidates in the 2022 vote reach double digits?")
    assert not answer.refused and re.search(r"none of his five", answer.text), answer.text
    assert {c.source for c in answer.citations} <= {S000, S001}


@pytest.fixture(scope="module")
def reproducible(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The seeds on their own index, answered by a second engine with RAG_LLM_REPRODUCIBLE on."""
    base = tmp_path_factory.mktemp("reproducible")
    settings = assistant.settings.replace(index_dir=base / "index", upload_dir=base / "uploads", llm_reproducible=True)
    llm = make_llm(settings)
    built = Assistant(settings, llm=llm, embedder=assistant.embedder)
    built.ingest()
    yield built
    llm.close()


def test_with_reproducible_answers_a_question_gets_the_same_answer_whatever_was_asked_before(reproducible: Assistant) -> None:
    question = "How many years does Tokayev's new presidential term last?"
    first = reproducible.ask(question)
    reproducible.ask("Which city was renamed after Nazarbayev?")
    again = reproducible.ask(question)

    assert again.text == first.text and again.refused == first.refused
    # The same work too: nothing of the first asking's prompt was reused for the second (a plain engine would
    # serve most of it from its prompt cache).
    assert (again.trace.prompt_tokens, again.trace.cached_tokens) == (first.trace.prompt_tokens, first.trace.cached_tokens)
    assert [c.score for c in again.trace.checks] == [c.score for c in first.trace.checks]
