"""A person a sentence names only by a title ("The Chinese leader") is named beside it, from the article's own words."""

from __future__ import annotations

from rag.evidence import Evidence, evidence_lines
from rag.lexical import lexical_checks
from rag.referents import introductions, named_in, resolve, with_referents
from rag.types import Passage

CHINA = (
    "Chinese President Xi Jinping sent a congratulatory message. Kazakh President Tokayev secured a second term. "
    "The Chinese leader also visited Uzbekistan for a meeting of the Shanghai Cooperation Organization. "
    "Xi met with Tokayev in Kazakhstan in September. The president said the vote was fair."
)
RUSSIA = (
    "Tokayev has sought to reduce the influence of his authoritarian predecessor Nursultan Nazarbayev. "
    "Nazarbayev ruled for three decades. The Kazakh leader met Putin."
)
FOUNDER = "It was a veiled criticism of his predecessor, who is considered the country's founding father."
ARTICLES = {"china.txt": CHINA, "russia.txt": RUSSIA, "founder.txt": FOUNDER}


def _evidence(sentence: str, source: str) -> Evidence:
    text = ARTICLES[source]
    start = text.index(sentence)
    passage = Passage(source, source, text, (1, 1), (0, len(text)), 0.9, 0.9, source, date="2022-11-21")
    return Evidence(1, sentence, sentence, passage, (start, start + len(sentence)), 0.9)


def test_the_words_before_a_name_are_its_titles() -> None:
    titles = introductions(CHINA)
    assert titles["chinese"] == {"Xi Jinping"}
    assert titles["kazakh"] == {"Tokayev"}
    assert titles["president"] == {"Xi Jinping", "Tokayev"}


def test_a_description_whose_title_words_fit_one_person_names_that_person() -> None:
    sentence = "The Chinese leader also visited Uzbekistan for a meeting of the Shanghai Cooperation Organization."
    assert [name for _, name in resolve(sentence, CHINA)] == ["Xi Jinping"]


def test_an_office_alone_names_no_one_the_article_gives_it_to_several() -> None:
    assert resolve("The president said the vote was fair.", CHINA) == []


def test_a_relative_title_the_article_never_introduces_is_read_from_the_other_articles() -> None:
    found = resolve(FOUNDER, FOUNDER, list(ARTICLES.values()))
    assert [(FOUNDER[:end], name) for end, name in found] == [("It was a veiled criticism of his predecessor", "Nursultan Nazarbayev")]


def test_a_sentence_that_names_the_person_needs_no_reminder() -> None:
    assert resolve("Chinese President Xi Jinping sent a congratulatory message.", CHINA) == []


def test_a_headline_in_capitals_introduces_no_one() -> None:
    assert introductions("Kazakh New Leader Vows to Keep Course. Tokayev won.") == {}


def test_the_model_reads_the_name_beside_the_description_and_a_citation_quotes_the_sentence() -> None:
    sentence = "The Chinese leader also visited Uzbekistan for a meeting of the Shanghai Cooperation Organization."
    item = _evidence(sentence, "china.txt")
    (named,) = with_referents("Which leader visited Uzbekistan for the meeting?", [item], ARTICLES.__getitem__)
    assert named.shown.startswith("The Chinese leader (Xi Jinping) also visited Uzbekistan")
    assert named.named().startswith("The Chinese leader [Xi Jinping] also visited Uzbekistan")
    assert named.text == named.sentence == sentence
    assert evidence_lines([named], dated=True) == [f"[1] (2022) {named.shown}"]


def test_the_name_is_added_only_where_the_question_asks_for_a_name() -> None:
    item = _evidence(FOUNDER, "founder.txt")
    collection = list(ARTICLES.values())
    (asked,) = with_referents("Who is considered the founding father?", [item], ARTICLES.__getitem__, collection)
    (unasked,) = with_referents("What did Nazarbayev's successor pledge?", [item], ARTICLES.__getitem__, collection)
    assert "his predecessor (Nursultan Nazarbayev), who" in asked.shown
    assert unasked.shown == FOUNDER


def test_a_claim_naming_the_described_person_passes_the_names_check() -> None:
    item = _evidence(FOUNDER, "founder.txt")
    (named,) = with_referents("Who is considered the founding father?", [item], ARTICLES.__getitem__, list(ARTICLES.values()))
    claim = "Nursultan Nazarbayev is considered the country's founding father."
    names = {c.kind: c.passed for c in lexical_checks("Who is considered the founding father?", claim, named)}["names"]
    unnamed = {c.kind: c.passed for c in lexical_checks("Who is considered the founding father?", claim, item)}["names"]
    assert names and not unnamed


def test_a_question_or_claim_is_read_with_the_person_it_describes_named() -> None:
    collection = list(ARTICLES.values())
    assert named_in("How long did his predecessor rule?", FOUNDER, collection) == "How long did his predecessor (Nursultan Nazarbayev) rule?"
    assert named_in("The Kazakh leader met Putin.", CHINA, collection) == "The Kazakh leader (Tokayev) met Putin."


def test_a_description_the_question_asks_about_is_left_for_the_answer() -> None:
    assert named_in("Which Chinese leader visited Uzbekistan?", CHINA) == "Which Chinese leader visited Uzbekistan?"
    assert named_in("What did the Chinese leader visit?", CHINA) == "What did the Chinese leader (Xi Jinping) visit?"
    assert named_in("What did the president say?", CHINA) == "What did the president say?"  # an office held by two of them
