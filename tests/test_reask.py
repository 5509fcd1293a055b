"""A doubted claim's sentence is quoted only when, asked again alone, it gives the claim's answer; a "Yes" its own words deny says "No"."""

from __future__ import annotations

import pytest

from rag.question_kind import gives_a_kind_asked
from rag.reask import copy_grammar, disagreement
from rag.verify import settled, without_yes_no

WON = "Tokayev, the chosen successor of Nazarbayev, has won a snap presidential election with nearly 71 percent of the vote."
DIPLOMAT = "Nazarbayev handpicked the 66-year-old career diplomat as his successor when he stepped down in March."
PREDECESSOR = "Tokayev criticised his predecessor, who is considered the country's founding father."


def test_a_short_answer_the_claim_gives_confirms_it() -> None:
    assert disagreement("What share of the vote did Tokayev win?", "71 percent", "Tokayev won 71% of the vote.", WON) == ""


def test_a_different_name_from_the_sentence_is_a_disagreement() -> None:
    why = disagreement("Who finished second?", "Tokayev", "Nazarbayev finished second.", WON)
    assert "not what the claim says" in why


def test_a_different_figure_is_a_disagreement() -> None:
    assert disagreement("In what month and year did he step down?", "March 1", "He stepped down in March 2019.", DIPLOMAT)


def test_none_means_the_sentence_alone_does_not_answer() -> None:
    assert "no answer" in disagreement("Who is the prime minister?", "NONE", "The prime minister is Tokayev.", WON)


def test_an_answer_that_only_repeats_the_question_confirms_nothing() -> None:
    assert "repeats the question" in disagreement("Who is the founding father?", "the founding father", "He is the founding father.", WON)


def test_a_reference_that_names_no_one_does_not_answer_who() -> None:
    why = disagreement("Who is considered the founding father?", "his predecessor", "Tokayev is the founding father.", PREDECESSOR)
    assert "not the kind of fact asked for" in why
    assert "not the kind" in disagreement("whos the founding father", "his predecessor", "", PREDECESSOR)


@pytest.mark.parametrize(
    ("question", "short", "gives"),
    [
        ("How old was he then?", "66", True),
        ("How long after the election did they meet?", "One week", True),
        ("How long after the election did they meet?", "a week", True),  # as a sentence writes it, copied
        ("For how long did he rule?", "three decades", True),
        ("In what month and year did he step down?", "March 2019", True),
        ("How many people did police detain?", "a few dozen", True),
        ("Which Central Asian leaders congratulated him?", "Uzbek and Kyrgyz", True),
        ("Who held the post before Dariga, and how old was he in 2022?", "Tokayev", True),  # any kind of a compound
        ("What did Putin say in his statement?", "a convincing mandate of trust", True),  # no particular kind asked
        ("Who is considered the founding father of Kazakhstan?", "Kazakhstan's founding father", False),
        ("Who is considered the founding father?", "the country's first president", False),
        ("How many opponents did he face?", "little-known opponents", False),
        ("When did he step down?", "after the protests", False),
    ],
)
def test_a_short_answer_must_be_of_the_kind_the_question_asks_for(question: str, short: str, gives: bool) -> None:
    assert gives_a_kind_asked(question, short) is gives


def test_a_short_answer_the_sentence_does_not_hold_is_the_models_own() -> None:
    assert "does not say" in disagreement("How old was Tokayev?", "45", "Tokayev was 45.", DIPLOMAT)


@pytest.mark.parametrize(
    ("question", "claim", "expected"),
    [
        ("Does the local media criticise Nazarbayev?", "Yes, the local media does not criticise him.", "No, the local media does not criticise him."),
        ("Does the local media criticise Nazarbayev?", "Yes, it doesn't.", "No, it doesn't."),
        ("Did Kazakhstan not vote for it?", "Yes, Kazakhstan did not vote for it.", "Yes, Kazakhstan did not vote for it."),
        ("Did he win?", "Yes, he won.", "Yes, he won."),
        ("Did he win less than half?", "No, he won 81 percent.", "No, he won 81 percent."),
        ("Who won?", "Yes, nobody did not.", "Yes, nobody did not."),
    ],
)
def test_a_yes_its_own_words_deny_becomes_no_and_nothing_else_changes(question: str, claim: str, expected: str) -> None:
    assert settled(question, claim) == expected


def test_with_no_claim_a_short_answer_the_sentence_states_is_enough() -> None:
    assert disagreement("How old was the diplomat?", "66", "", DIPLOMAT) == ""
    assert disagreement("How old was the diplomat?", "NONE", "", DIPLOMAT)


def test_the_copy_grammar_allows_none_or_a_run_of_the_sentences_words_in_order() -> None:
    assert copy_grammar("Xi met “Tokayev’s” aide.").splitlines() == [
        'root ::= "NONE" | w0 | w1 | w2 | w3',
        'w0 ::= [xX] "i" (" " w1)?',  # any word may start the reply, in either case
        'w1 ::= [mM] "et" (" " w2)?',  # and the reply may stop after any word
        'w2 ::= "“"? [tT] "okayev" [\'’] "s" "”"? (" " w3)?',  # quotes optional, either apostrophe
        'w3 ::= [aA] "ide" "."?',
    ]


def test_the_copy_grammar_escapes_quotes_and_keeps_a_lone_dash() -> None:
    assert copy_grammar('He said "no" — twice.').splitlines()[2:4] == ['w1 ::= [sS] "aid" (" " w2)?', 'w2 ::= "\\""? [nN] "o" "\\""? (" " w3)?']
    assert copy_grammar('He said "no" — twice.').splitlines()[4] == 'w3 ::= "—" (" " w4)?'


@pytest.mark.parametrize(
    ("question", "claim", "shown"),
    [
        ("Did the monitors say it met democratic standards?", "Yes, they said it showed scant respect for them.", "They said it showed scant respect for them."),
        ("Were social media restricted?", "No. Social media were restricted.", "Social media were restricted."),
        ("Were social media restricted?", "Yes", "Yes"),  # nothing but the word: nothing to show instead
        ("Who won?", "Yes Men won.", "Yes Men won."),  # not a yes/no question
    ],
)
def test_a_yes_no_answer_shows_the_checked_statement_not_the_unchecked_yes_or_no(question: str, claim: str, shown: str) -> None:
    assert without_yes_no(question, claim) == shown
