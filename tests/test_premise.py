"""What a question takes for granted, read against the articles: the year it names, the event its words tie it to."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from rag.evidence import Evidence
from rag.premise import PremiseCheck, without_clause
from rag.types import Passage

ARTICLES = {
    "2019.txt": ("2019-06-10", "Interim president Tokayev won with 71 percent; his six rivals were little known."),
    "2022.txt": ("2022-11-21", "President Tokayev won with 81 percent, months after the January unrest; five opponents ran."),
    "undated.txt": ("", "Tokayev leads Kazakhstan."),
}


@dataclass
class Articles:
    """The corpus as `PremiseCheck` reads it: each source's date and text."""

    dates: dict[str, str] = field(default_factory=lambda: {source: date for source, (date, _) in ARTICLES.items()})

    def source_text(self, source: str) -> str:
        return ARTICLES[source][1]


def _check(question: str) -> PremiseCheck:
    return PremiseCheck(question, Articles(), enabled=True, time_aware=True)


def test_a_question_about_either_event_is_tied_to_neither() -> None:
    assert _check("What percent did Tokayev win?").unshared({"2019"}, "2022") == set()


def test_words_only_the_answered_events_articles_use_tie_the_question_to_that_event() -> None:
    # "January unrest" is the 2022 event's: a 2019 sentence with a number answers another question.
    assert _check("How many people died in the January unrest?").unshared({"2022"}, "2019") == {"januari", "unrest"}
    assert _check("How many rivals did the interim president face?").unshared({"2019"}, "2022") == {"interim", "rival"}



def test_a_word_is_tied_to_an_event_by_its_whole_dictionary_form_not_its_first_letters() -> None:
    # "interim" is the 2019 article's alone, though the 2022 one speaks of "international" monitors; "win" is both
    # articles' though 2019's says "won": an irregular past is the same word.
    articles = Articles(dates={"2019.txt": "2019-06-10", "intl.txt": "2022-11-21"})
    texts = {"2019.txt": "Interim president Tokayev won the election.", "intl.txt": "International monitors watched President Tokayev winning."}
    articles.source_text = texts.__getitem__  # type: ignore[method-assign]
    check = PremiseCheck("Did the interim president win the elections?", articles, enabled=True, time_aware=True)
    assert check.unshared({"2019"}, "2022") == {"interim", "elect"}
    assert PremiseCheck("Did Tokayev win?", articles, enabled=True, time_aware=True).unshared({"2022"}, "2019") == set()


def test_another_form_of_a_left_out_word_ties_a_question_to_no_event() -> None:
    # "said" is no content word, so neither is "say", though only the 2019 article writes "says".
    articles = Articles(dates={"2019.txt": "2019-06-10", "2022.txt": "2022-11-21"})
    texts = {"2019.txt": "Tokayev says he will hold talks.", "2022.txt": "Tokayev said he will hold talks."}
    articles.source_text = texts.__getitem__  # type: ignore[method-assign]
    assert PremiseCheck("What did Tokayev say about talks?", articles, enabled=True, time_aware=True).unshared({"2019"}, "2022") == set()

def test_a_year_in_the_question_selects_its_events_evidence() -> None:
    check = _check("What percent did Tokayev win in 2019?")
    assert check.years == {"2019"}


def test_an_event_named_by_its_order_selects_its_years_evidence() -> None:
    assert _check("What share did Tokayev get when he was first elected president?").years == {"2019"}
    assert _check("Who did he visit after he was re-elected?").years == {"2022"}
    assert _check("Who did he visit on his first trip abroad?").years == set()


def test_only_an_article_dated_to_the_year_asked_about_vouches_for_it() -> None:
    # An undated article stays in the evidence, but its "a week after winning" may be the other election's.
    dated = {source: Passage(source, source, text, (1, 1), (0, len(text)), 1.0, 1.0, f"{source}::0", date=date)
             for source, (date, text) in ARTICLES.items()}
    about_2019 = _check("How many days after the 2019 election did Tokayev meet Putin?")
    assert [s for s, p in dated.items() if about_2019.dated_as_asked(p)] == ["2019.txt"]
    assert [s for s, p in dated.items() if about_2019.keep(p)] == ["2019.txt", "undated.txt"]
    assert all(_check("When did Tokayev meet Putin?").dated_as_asked(p) for p in dated.values())


ARRESTS = "During Sunday's vote, police arrested 500 people at rallies in Almaty and Nur-Sultan, the capital city."
VOTE = "While Russia and China voted against it, Kazakhstan, Kyrgyzstan and several of their neighbours abstained."


def _sentence(text: str, source: str = "2019.txt") -> Evidence:
    passage = Passage(source, source, text, (1, 1), (0, len(text)), 1.0, 1.0, f"{source}::0", date=ARTICLES[source][0])
    return Evidence(1, text, text, passage, (0, len(text)), 1.0)


def test_a_name_taken_alone_that_the_sentence_joins_with_another_is_a_false_premise() -> None:
    # The 500 are the two cities' arrests: nothing in the sentence gives either city's share.
    assert _check("How many people were arrested in Nur-Sultan alone?").pooled([_sentence(ARRESTS)]) == [("Nur-Sultan", "Almaty and Nur-Sultan")]
    assert _check("How many were arrested at the rallies in Almaty only?").pooled([_sentence(ARRESTS)]) == [("Almaty", "Almaty and Nur-Sultan")]
    assert _check("Did only Russia vote against it?").pooled([_sentence(VOTE)]) == [("Russia", "Russia and China")]


def test_a_name_not_taken_alone_or_taken_with_its_pair_is_no_false_premise() -> None:
    assert _check("How many people were arrested in Almaty?").pooled([_sentence(ARRESTS)]) == []
    assert _check("How many were arrested in Almaty and Nur-Sultan alone?").pooled([_sentence(ARRESTS)]) == []
    # Joined by a comma that lists nothing: "In Almaty, Tokayev said …" gives Almaty's figure.
    assert _check("How many died in Almaty alone?").pooled([_sentence("In Almaty, Tokayev said 238 people died.")]) == []


def test_a_sentence_about_another_month_than_the_one_asked_after_or_in_is_a_false_premise() -> None:
    june_visit = _sentence("Tokayev clashed with Putin on a visit to Saint Petersburg in June.", "2022.txt")
    asked_after = _check("What did Putin say when he met Tokayev after the November 2022 election?")
    assert asked_after.untimely([june_visit]) == "the cited sentence is of June 2022, the question asks about after November 2022"
    assert asked_after.unsupported([june_visit]) == asked_after.untimely([june_visit])
    assert _check("Whom did Xi meet in September 2022?").untimely([june_visit]).startswith("the cited sentence is of June 2022")
    # Before the month asked about, the same month, or a sentence that places nothing in a month: no contradiction.
    assert _check("Did Tokayev clash with Putin before the November 2022 election?").untimely([june_visit]) == ""
    assert _check("Where did Tokayev clash with Putin in June 2022?").untimely([june_visit]) == ""
    assert asked_after.untimely([_sentence("Putin congratulated Tokayev on his victory.", "2022.txt")]) == ""
    # A month that names the event ("the November 2022 election") places nothing, nor does a month without a known year.
    assert _check("What share did Tokayev win in the November 2022 election?").untimely([june_visit]) == ""
    assert _check("What did Putin say after the November election?").untimely([june_visit]) == ""
    # A year the sentence names is its own: "stepped down in March 2019" is not of its article's 2022.
    assert _check("What happened after November 2022?").untimely([_sentence("Nazarbayev stepped down in March 2019.", "2022.txt")]) != ""


def test_a_rank_no_cited_sentence_gives_is_a_false_premise() -> None:
    winner = _sentence("President Tokayev secured a second term, winning 81.31 per cent of the vote.")
    assert _check("What share did the runner-up get?").unranked([winner]) == "runner-up"
    assert _check("What did the candidate who finished second say?").unranked([winner]) == "finished second"
    assert _check("What share did the runner-up get?").unranked([_sentence("Ivanov, the runner-up, won 5 percent.")]) == ""
    # "second" of a term or an election is no rank in a race.
    assert _check("How long is Tokayev's second term?").unranked([winner]) == ""


@pytest.mark.parametrize(
    ("question", "clause"),
    [
        ("How old was Nazarbayev when Tokayev won the 2019 snap election?", "when Tokayev won the 2019 snap election"),
        ("How many did police detain on the Monday after the 2019 vote?", "after the 2019 vote"),
        ("What share did Tokayev win when he secured his second term?", "when he secured his second term"),
        ("Was turnout above 70 percent in November 2022?", ""),  # a month: one year holds several events
        ("How old was Tokayev?", ""),  # bound to no year
    ],
)
def test_the_clause_placing_the_question_in_one_year_is_found(question: str, clause: str) -> None:
    assert _check(question).settled_clause() == clause


def test_a_claim_repeating_the_clause_is_read_without_it() -> None:
    claim = "Nazarbayev was 78 years old when Tokayev won the 2019 snap election."
    assert without_clause(claim, "when Tokayev won the 2019 snap election") == "Nazarbayev was 78 years old."
    assert without_clause("Nazarbayev was 78 in 2019.", "when Tokayev won the 2019 snap election") == "Nazarbayev was 78 in 2019."
