"""Cleaning turns raw news text into prose and can always point back at the original characters."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.chunking import OffsetMap, chunk_document, make_splitter
from rag.cleaning import clean, extract_title
from rag.documents import decode, load_document, scan_corpus

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def seed(name: str) -> str:
    return next(SEEDS.glob(f"{name}_*.txt")).name


def cleaned(name: str) -> str:
    return load_document(SEEDS / seed(name)).cleaned.text


def test_hard_wrapped_lines_are_joined_into_sentences() -> None:
    text = cleaned("000")
    assert "congratulated Kazakhstan's incumbent president, Kassym-Jomart Tokayev, on his landslide victory" in text


def test_a_word_split_across_lines_is_rejoined_with_its_hyphen() -> None:
    text = cleaned("003")
    assert "the 66-year-old career diplomat" in text
    assert "power-sharing arrangement" in text
    assert "state-run RIA Novosti" in text


def test_a_sentence_interrupted_by_a_url_line_is_made_whole() -> None:
    text = cleaned("000")
    assert "criticizing Moscow's move to recognize Ukrainian separatist regions" in text
    assert "http" not in text


@pytest.mark.parametrize(
    ("name", "boilerplate"),
    [
        ("000", "Related article"),
        ("003", "Related article"),
        ("003", "themoscowtimes.com"),
        ("001", "To suggest a correction"),
        ("001", "Ctrl + Enter"),
        ("001", "Other Topics of Interest"),
        ("001", "Belarusian Hoaxer"),
        ("002", "Your support"),
        ("002", "Subscribe to Independent Premium"),
        ("002", "paywalls"),
        ("002", "bookmark"),
    ],
)
def test_boilerplate_is_removed(name: str, boilerplate: str) -> None:
    assert boilerplate not in cleaned(name)


def test_a_headline_printed_twice_is_kept_once_as_the_title() -> None:
    document = load_document(SEEDS / seed("002"))
    assert document.cleaned.text.count("Kazakh leader meets Putin in first post-election trip abroad") == 1
    assert document.title == "Kazakh leader meets Putin in first post-election trip abroad"


def test_an_article_without_a_headline_is_titled_by_its_first_words() -> None:
    title = extract_title("Putin on Monday congratulated\nthe incumbent president on his win.\n", "fallback")
    assert title.startswith("Putin on Monday congratulated the incumbent")


def test_every_clean_character_comes_from_the_same_character_in_the_original() -> None:
    documents, _ = scan_corpus(SEEDS)
    for document in documents:
        for char, offset in zip(document.cleaned.text, document.cleaned.origin, strict=True):
            if not char.isspace():
                assert document.raw[offset] == char, (document.source, offset)


def test_every_chunk_is_found_verbatim_at_its_recorded_span_modulo_whitespace_and_dropped_lines() -> None:
    documents, _ = scan_corpus(SEEDS)
    splitter = make_splitter(lambda text: text.split(), 60, 10)
    for document in documents:
        for node in chunk_document(document, splitter):
            meta = node.metadata
            dropped = {i for start, end in document.cleaned.dropped for i in range(start, end)}
            span = range(meta["chars_start"], meta["chars_end"])
            original = "".join(document.raw[i] for i in span if i not in dropped)
            assert "".join(node.text.split()) == "".join(original.split()), (document.source, meta["chunk_index"])
            assert document.line_of(meta["chars_start"]) == meta["lines_start"]
            assert document.line_of(meta["chars_end"] - 1) == meta["lines_end"]


def test_the_offset_map_of_a_chunk_locates_any_character_in_the_original() -> None:
    document = load_document(SEEDS / seed("003"))
    node = chunk_document(document, make_splitter(lambda text: text.split(), 400, 10))[0]
    offsets = OffsetMap.loads(node.metadata["offsets"])
    position = node.text.index("66-year-old")
    raw_offset, line = offsets.locate(position)
    assert document.raw[raw_offset : raw_offset + 3] == "66-"
    assert line == document.line_of(raw_offset) == 5


def test_the_url_line_inside_a_paragraph_is_marked_as_a_gap() -> None:
    document = load_document(SEEDS / seed("000"))
    node = chunk_document(document, make_splitter(lambda text: text.split(), 400, 10))[0]
    offsets = OffsetMap.loads(node.metadata["offsets"])
    gap = node.text.index("move to recognize")
    assert gap in offsets.gaps_between(0, len(node.text))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("héllo wörld".encode(), "héllo wörld"),
        ("héllo".encode("latin-1"), "héllo"),
        ("hello".encode("utf-16"), "hello"),
        (b"\xef\xbb\xbfhello", "hello"),
        (b"line one\r\nline two", "line one\nline two"),
    ],
)
def test_text_in_common_encodings_is_decoded(data: bytes, expected: str) -> None:
    assert decode(data) == expected


def test_cleaning_plain_text_is_a_no_op_apart_from_whitespace() -> None:
    assert clean("Hello   world.\n\nSecond paragraph.").text == "Hello world.\n\nSecond paragraph."
