"""Parsing the model's [n] markers and choosing quotes: pure functions on hand-made cases."""

from __future__ import annotations

import pytest

from rag.answering import clean_condensed, finish_answer, merge_answers, normalise_history, resolve_ellipsis, split_compound
from rag.chunking import OffsetMap
from rag.citations import numbers_in, quote_candidates, split_claims
from rag.types import Answer, Citation, Passage


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Tokayev won 81% [2]. He is 69 [2][3].", [("Tokayev won 81%.", (2,)), ("He is 69.", (2, 3))]),
        ("It was 7,600 km. [1]", [("It was 7,600 km.", (1,))]),
        ("Putin and Xi [1, 3].", [("Putin and Xi.", (1, 3))]),
        ("They met in St. Petersburg in June [4].", [("They met in St. Petersburg in June.", (4,))]),
        ("No markers here.", [("No markers here.", ())]),
        ("See [Passage 2].", [("See.", (2,))]),
    ],
)
def test_sentences_and_their_markers_are_split_apart(answer: str, expected: list[tuple[str, tuple[int, ...]]]) -> None:
    assert [(claim.text, claim.markers) for claim in split_claims(answer)] == expected


def test_numbers_ignore_thousands_separators() -> None:
    assert numbers_in("a 7,600-kilometer border and 81.31 per cent") == {"7600", "81.31"}
    assert numbers_in("five opponents, six rivals") == {"5", "6"}


def passage(text: str, number: int = 1, source: str = "a.txt") -> Passage:
    return Passage(source, "Title", text, (1, 1), (0, len(text)), 0.1, 0.8, f"{source}::0", number, offsets="[[0,0,1,0]]")


def test_quote_candidates_are_sentences_and_stop_at_dropped_text() -> None:
    text = "Tokayev clashed with Putin in June, criticizing Moscow's move to recognize regions. He won."
    gap = text.index("move")
    offsets = OffsetMap(((0, 0, 1, 0), (gap, gap + 40, 3, 1)))
    spans = [text[a:b] for a, b in quote_candidates(passage(text), offsets)]
    assert spans == ["Tokayev clashed with Putin in June, criticizing Moscow's", "move to recognize regions."]


def fake_embed(texts: list[str]) -> list[list[float]]:
    """Bag-of-words vectors: enough to rank sentences by shared words in a pure test."""
    vocabulary = sorted({w for t in texts for w in t.lower().split()})
    vectors = []
    for text in texts:
        words = text.lower().split()
        vector = [float(words.count(w)) for w in vocabulary]
        norm = sum(v * v for v in vector) ** 0.5 or 1.0
        vectors.append([v / norm for v in vector])
    return vectors


def test_a_marker_past_the_last_passage_is_dropped_and_the_claim_reattributed() -> None:
    passages = [passage("The border is 7,600 kilometers long between the two countries.", 1)]
    answer = finish_answer(
        "How long is the border?",
        "How long is the border?",
        "The border is 7,600 kilometers long [7].",
        passages,
        fake_embed,
        0.3,
        0.0,
    )
    assert not answer.refused
    assert "[7]" not in answer.text
    assert [c.marker for c in answer.citations] == [1]


def test_a_number_the_passage_never_states_is_not_supported() -> None:
    passages = [passage("Tokayev won the election with a large majority of the vote.", 1)]
    answer = finish_answer(
        "When was Tokayev born?", "When was Tokayev born?", "Tokayev was born in 1953 [1].", passages, fake_embed, 0.3, 0.0
    )
    assert answer.refused
    assert answer.citations == []


def test_the_models_own_refusal_becomes_a_refusal() -> None:
    passages = [passage("Some text about the election.", 1)]
    answer = finish_answer("q", "q", "The documents do not say.", passages, fake_embed, 0.3, 0.0)
    assert answer.refused and answer.citations == []


def test_history_is_read_from_gradio_messages_pairs_and_block_lists() -> None:
    history = [
        {"role": "user", "content": "Who won?"},
        {"role": "assistant", "content": [{"type": "text", "text": "Tokayev [1]."}]},
        ("And when?", "In November."),
    ]
    assert normalise_history(history) == [
        ("user", "Who won?"),
        ("assistant", "Tokayev [1]."),
        ("user", "And when?"),
        ("assistant", "In November."),
    ]


def test_a_bare_figure_with_its_marker_is_a_claim_to_check() -> None:
    passages = [passage("None of his five little-known opponents scored double digits in the vote.", 1)]
    answer = finish_answer(
        "How many opponents did Tokayev have?", "How many opponents did Tokayev have?", "5 [1]", passages, fake_embed, 0.0, 0.0
    )
    assert not answer.refused
    assert [c.marker for c in answer.citations] == [1]


def test_a_year_echoed_from_the_question_is_not_an_invented_number() -> None:
    question = "What share did Tokayev win in the 2022 election?"
    passages = [passage("Tokayev won 81.31 per cent of the vote in the election on Sunday.", 1)]
    answer = finish_answer(
        question, question, "Tokayev won 81.31 per cent in the 2022 election [1].", passages, fake_embed, 0.3, 0.0
    )
    assert not answer.refused
    assert answer.citations[0].marker == 1


def test_a_passage_that_states_another_figure_is_not_cited_for_this_one() -> None:
    question = "What share of the vote did Tokayev receive in 2019?"
    passages = [
        passage("Tokayev was leading the election with over 81% of the vote.", 1, "000.txt"),
        passage("Tokayev has won a snap presidential election with nearly 71 percent of the vote.", 2, "003.txt"),
    ]
    answer = finish_answer(question, question, "Tokayev won 71% of the vote [1][2].", passages, fake_embed, 0.2, 0.0)
    assert [c.source for c in answer.citations] == ["003.txt"]


def test_an_answer_from_the_models_memory_is_refused_even_when_on_topic() -> None:
    question = "What is the official currency of Kazakhstan?"
    passages = [passage("Kazakhstan is a key source of oil and other commodities for China.", 1)]
    answer = finish_answer(
        question, question, "The official currency of Kazakhstan is the tenge [1].", passages, fake_embed, 0.0, 0.0
    )
    assert answer.refused


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "Which city was renamed after Nazarbayev, and in what year did he resign?",
            ["Which city was renamed after Nazarbayev?", "In what year did he resign?"],
        ),
        (
            "Which Russian and Chinese leaders congratulated Tokayev?",
            ["Which Russian and Chinese leaders congratulated Tokayev?"],
        ),
        ("How long is the border?", ["How long is the border?"]),
    ],
)
def test_a_compound_question_is_split_into_its_questions(question: str, parts: list[str]) -> None:
    assert split_compound(question) == parts


def test_merged_answers_keep_markers_pointing_at_their_own_passages() -> None:
    first = Answer("Q1?", "Putin [1].", False, [Citation("a.txt", "q", (1, 1), 0.9, 1)], [passage("Putin met him.", 1, "a.txt")])
    second = Answer(
        "Q2?", "St. Petersburg [1].", False, [Citation("b.txt", "q", (2, 2), 0.9, 1)], [passage("In St. Petersburg.", 1, "b.txt")]
    )
    merged = merge_answers("Q1 and Q2?", "Q1 and Q2?", [first, second], 1.0)
    assert merged.text == "Putin [1]. St. Petersburg [2]."
    assert [(c.source, c.marker) for c in merged.citations] == [("a.txt", 1), ("b.txt", 2)]
    assert [p.number for p in merged.passages] == [1, 2]


def test_a_merged_answer_says_which_part_the_documents_do_not_answer() -> None:
    answered = Answer("Q1?", "Putin [1].", False, [Citation("a.txt", "q", (1, 1), 0.9, 1)], [passage("Putin met him.", 1)])
    refused = Answer("Who paid?", "I couldn't find it.", True, [], [])
    merged = merge_answers("both", "both", [answered, refused], 1.0)
    assert not merged.refused
    assert merged.text.endswith("The documents do not answer: Who paid?")


MET_PUTIN = [("user", "Who did Tokayev meet on his first trip abroad after the 2022 election?"), ("assistant", "He met Russian President Vladimir Putin [1].")]


VOTE_ASKED = [("user", "How did Kazakhstan vote on the UN resolution?"), ("assistant", "Kazakhstan abstained [1].")]
SHARE_ASKED = [("user", "What share of the vote did Tokayev win in the 2022 election?"), ("assistant", "81.31 per cent [1].")]


def test_a_follow_up_naming_only_what_changes_asks_the_previous_question_again_about_it() -> None:
    assert resolve_ellipsis("What about Kyrgyzstan?", VOTE_ASKED) == "How did Kyrgyzstan vote on the UN resolution?"
    assert resolve_ellipsis("And what about Russia and China?", VOTE_ASKED) == "How did Russia and China vote on the UN resolution?"
    assert resolve_ellipsis("What about in 2019?", SHARE_ASKED) == "What share of the vote did Tokayev win in the 2019 election?"
    assert resolve_ellipsis("And in 2019?", [("user", "What share did Tokayev win?")]) == "What share did Tokayev win in 2019?"
    assert resolve_ellipsis("What about Nazarbayev?", SHARE_ASKED) == "What share of the vote did Nazarbayev win in the 2022 election?"
    assert resolve_ellipsis("And on the Monday after?", [("user", "How many did police arrest at the rallies?")]) == (
        "How many did police arrest at the rallies on the Monday after?"
    )


def test_any_other_follow_up_is_left_to_the_model_to_rewrite() -> None:
    assert resolve_ellipsis("How old was he then?", SHARE_ASKED) is None  # not a fragment
    assert resolve_ellipsis("What about the turnout?", SHARE_ASKED) is None  # no name or year takes a place
    assert resolve_ellipsis("And in which city?", VOTE_ASKED) is None  # a question of its own
    assert resolve_ellipsis("And for how long?", SHARE_ASKED) is None
    assert resolve_ellipsis("What about Kyrgyzstan?", [("assistant", "Hello.")]) is None  # no question before it
    assert resolve_ellipsis("What about Kyrgyzstan?", [("user", "How did the vote go?")]) is None  # nothing to put it in place of


def test_a_rewritten_follow_up_keeps_to_what_the_conversation_names() -> None:
    asked = "How long is the border between their two countries?"
    met = [("user", "Which Russian leader did the Kazakh president meet?"), ("assistant", "Putin [1].")]
    assert clean_condensed("Standalone question: How long is the border between Russia and Kazakhstan?", asked, met) == (
        "How long is the border between Russia and Kazakhstan?"
    )
    # A name or a figure the conversation never gave is the model's own: the question as asked is searched instead.
    assert clean_condensed("How long is the border between Russia and the United States?", asked, MET_PUTIN) == asked
    assert clean_condensed("Who did Tokayev meet after the 2019 election?", "Whom did he meet?", MET_PUTIN) == "Whom did he meet?"
    assert clean_condensed("Whom did Tokayev meet after the 2022 election?", "Whom did he meet?", MET_PUTIN) == "Whom did Tokayev meet after the 2022 election?"
