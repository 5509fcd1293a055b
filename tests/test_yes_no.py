"""A sentence quoted for a yes/no question must speak of its subject and of its predicate."""

from __future__ import annotations

from rag.yes_no import settles, subject_and_predicate

HALYK = "Dariga became the speaker of the Senate, and the family controls Kazakhstan's largest bank, Halyk."
UZBEKISTAN = "The Chinese leader also visited Uzbekistan for a meeting of the Shanghai Cooperation Organization."


def test_the_subject_ends_where_the_verb_of_a_did_question_begins() -> None:
    assert subject_and_predicate("Did Tokayev put down the protests peacefully?") == ("Tokayev", "put down the protests peacefully?")
    assert subject_and_predicate("Does the vast majority of local media criticize Nazarbayev?")[0] == "the vast majority of local media"


def test_the_subject_of_a_was_question_ends_at_a_participle_a_complement_or_a_comparison() -> None:
    assert subject_and_predicate("Was Halyk bank fined after the election?") == ("Halyk bank", "fined after the election?")
    assert subject_and_predicate("Were the preliminary results of the election a surprise?")[1] == "a surprise?"
    assert subject_and_predicate("Was turnout in Kazakhstan's election above 70 percent?") == (
        "turnout in Kazakhstan's election", "above 70 percent?",
    )


def test_a_sentence_sharing_only_the_subjects_words_does_not_settle_it() -> None:
    assert not settles("Was Halyk bank fined after the 2019 election?", HALYK)
    assert settles("Did Halyk bank become the largest bank?", HALYK)


def test_a_sentence_about_another_person_does_not_settle_it() -> None:
    question = "Did the incumbent (Kassym-Jomart Tokayev) attend the Shanghai Cooperation Organization meeting in Uzbekistan?"
    assert not settles(question, UZBEKISTAN)
    assert settles("Did Xi Jinping attend a meeting in Uzbekistan?", "Xi met with Tokayev. Xi also attended a meeting in Uzbekistan.")


def test_the_predicate_is_shared_by_dictionary_form_or_settled_by_a_figure() -> None:
    assert settles("Did Xi Jinping meet Tokayev in Kazakhstan?", "Xi met with Tokayev in Kazakhstan in September.")
    assert settles("Is Kazakhstan's border with Russia longer than 5,000 kilometres?", "Kazakhstan shares a 7,600-kilometer border with Russia.")
    assert not settles("Was turnout above 70 percent after the 2019 vote?", "Turnout rose in 2019.")  # a year compares nothing


def test_a_possessor_is_not_the_subject() -> None:
    assert settles("Did any of Tokayev's opponents score double digits?", "None of his five opponents scored double digits.")
