"""Event dates: from a document's own day-level dates, then from the documents it shares events with."""

from __future__ import annotations

from rag.dating import DateFacts, date_facts, resolve_dates, year_of


def test_a_day_with_its_year_dates_the_document() -> None:
    assert date_facts("Voters went to the polls on 20 November 2022 in a snap vote.").dated == ["2022-11-20"]


def test_a_bare_year_is_background_not_the_event_date() -> None:
    facts = date_facts("Nazarbayev resigned in 2019, but kept his clout until this year.")
    assert facts.dated == [] and facts.days == [] and facts.years == [2019]
    assert resolve_dates({"a.txt": facts}) == {"a.txt": ""}


def test_a_day_without_year_takes_the_latest_year_of_its_text() -> None:
    facts = date_facts("Turnout was high on November 20. He will call a vote at the end of 2022. Independence came in 1991.")
    assert resolve_dates({"a.txt": facts}) == {"a.txt": "2022-11-20"}


def test_urls_do_not_date_a_document() -> None:
    assert date_facts("See https://example.com/2026/06/27/story for more.").years == []


def test_a_document_naming_the_same_day_borrows_the_year() -> None:
    dated = date_facts("The vote was held on November 20. A parliamentary vote is due at the end of 2022.")
    undated = date_facts("Monitors said Monday, Nov. 21, that the 20 November election lacked competitiveness.")
    assert resolve_dates({"dated.txt": dated, "undated.txt": undated})["undated.txt"] == "2022"


def test_a_copy_of_a_dated_document_takes_its_date() -> None:
    story = (
        "Putin congratulated the incumbent on his landslide victory in a snap poll. "
        "Historically close ties between the two countries have been strained this year. "
        "The results were expected and none of his five opponents scored double digits. "
        "Protests over high living costs left many people dead in the capital city. "
    )
    original = date_facts(story + "Monitors spoke on 21 November 2022 about the election.")
    copy = date_facts(story)
    assert resolve_dates({"original.txt": original, "copy.txt": copy})["copy.txt"] == "2022-11-21"


def test_facts_survive_the_manifest_round_trip_and_bad_json() -> None:
    facts = date_facts("It happened on 3 March 2019 in the capital.")
    assert DateFacts.loads(facts.dumps()) == facts
    assert DateFacts.loads("not json") == DateFacts()


def test_year_of() -> None:
    assert year_of("2022-11-20") == "2022" and year_of("2019") == "2019" and year_of("") == ""


def test_the_seed_articles_get_their_election_years(assistant: object) -> None:
    dates = assistant.document_dates()  # type: ignore[attr-defined]
    assert {source[:3]: year_of(date) for source, date in dates.items()} == {
        "000": "2022", "001": "2022", "002": "", "003": "2019", "004": "2022",
    }  # fmt: skip
