"""Which sentences the model reads: the best few, and for an undated question each event's own fact."""

from __future__ import annotations

import pytest

from rag.evidence import Scorer, closest_sentence, focus, select_evidence
from rag.question_kind import answers_question
from rag.types import Passage

QUESTION = "How old was Tokayev when he won the election?"


def _passage(source: str, text: str, date: str) -> Passage:
    return Passage(source, source, text, (1, 1), (0, len(text)), 1.0, 1.0, f"{source}::0", date=date)


def _evidence(spread_events: bool) -> list[str]:
    # Equal embeddings: the share of the question's words decides, as it would between near-synonymous sentences.
    scorer = Scorer(lambda texts: [[1.0] for _ in texts])
    passages = [
        _passage("2022.txt", "69-year-old Tokayev won the election with 81 percent.", "2022-11-21"),
        _passage("2019.txt", "Tokayev won the election with nearly 71 percent. Nazarbayev handpicked the 66-year-old career diplomat.", "2019-06-10"),
    ]
    chosen = select_evidence(QUESTION, passages, scorer, count=2, token_budget=500, spread_events=spread_events, fits=answers_question)
    return [item.sentence for item in chosen]


def test_an_undated_question_reads_each_events_sentence_that_holds_the_kind_of_fact_asked_for() -> None:
    # The 2019 lead sentence shares more of the question's words, but only the other 2019 sentence gives an age.
    assert _evidence(spread_events=True) == ["69-year-old Tokayev won the election with 81 percent.", "Nazarbayev handpicked the 66-year-old career diplomat."]


def test_a_dated_question_reads_the_best_sentences_only() -> None:
    assert _evidence(spread_events=False) == ["69-year-old Tokayev won the election with 81 percent.", "Tokayev won the election with nearly 71 percent."]


def test_a_question_is_scored_by_what_it_asks_not_by_what_every_candidate_is_about() -> None:
    # Most sentences are about Tokayev's election; only one says how long the term is. Scored on the whole
    # question, the sentences that repeat "Tokayev won the snap election" would win on shared words.
    scorer = Scorer(lambda texts: [[1.0] for _ in texts])
    text = (
        "Tokayev won the snap election with 81 percent. Tokayev won the election, observers said. "
        "Tokayev met Putin a week after winning a new seven-year term. Turnout in the snap election was 69 percent. "
        "The election was held on Sunday."
    )
    question = "How long is the new presidential term Tokayev won in the snap election?"
    chosen = select_evidence(question, [_passage("2022.txt", text, "2022-11-21")], scorer, count=1, token_budget=500)
    assert [item.sentence for item in chosen] == ["Tokayev met Putin a week after winning a new seven-year term."]


def test_a_question_whose_every_word_the_candidates_share_is_kept_whole() -> None:
    question = "Who won the election?"
    assert focus(question, ["Tokayev won the election.", "The election was won by Tokayev."]) == question
    assert focus(question, []) == question


def _bag_of_words(texts: list[str]) -> list[list[float]]:
    """A unit vector over a small vocabulary: cosine is the share of words two texts have in common."""
    vocabulary = "social media restricted vote police rally detained state controls politics".split()
    vectors = [[float(word in text.lower()) for word in vocabulary] for text in texts]
    return [[x / (sum(v * v for v in vector) ** 0.5 or 1.0) for x in vector] for vector in vectors]


def test_a_question_about_one_sentence_is_as_close_to_the_articles_as_that_sentence_is() -> None:
    # Against the whole paragraph the question shares two words of eight; against its sentence, all of them.
    paragraph = _passage("2019.txt", "The state controls politics. Police detained a rally. Social media were restricted during the vote.", "2019-06-10")
    scorer = Scorer(_bag_of_words)
    question = "Were social media restricted during the vote?"
    whole = sum(x * y for x, y in zip(*_bag_of_words([question, paragraph.text]), strict=True))
    closest = closest_sentence(question, [paragraph], scorer)
    assert closest == pytest.approx(1.0) and closest > whole + 0.3
    assert closest_sentence(question, [], scorer) == 0.0
