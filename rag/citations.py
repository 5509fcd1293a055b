"""From the model's [n] markers to checked `Citation`s with exact quotes from the original files.

For each answer sentence and each passage it cites, the best-supporting sentence of that passage
(and of its near-duplicates in other files) becomes the quote. A citation survives only if its quote
supports the sentence about as well as the best passage does (embedding cosine blended with word
overlap), and a sentence keeps citations only if every number it states appears in a passage it
cites. Markers pointing past the passage list are dropped; a sentence whose markers are wrong or
missing is re-attributed to the passage that does support it, if any.

Example:
    split_claims("Tokayev won 81% [2]. He is 69 [2][3].") -> [("Tokayev won 81%", [2]), ("He is 69", [2, 3])]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.chunking import OffsetMap
from rag.evidence import Evidence
from rag.sentences import sentence_spans
from rag.types import Citation, Passage

__all__ = [
    "Claim", "split_claims", "quote_candidates", "cite", "strip_markers", "numbers_in", "make_citation", "offset_map", "evidence_citations",
]

Embed = Callable[[list[str]], list[list[float]]]
_Option = tuple[float, int, Passage, int]  # (support, passage number, passage, index of its best quote)

MARKER = re.compile(r"\s*\[(?:(?:passage|source|doc)\s*)?(\d+(?:\s*(?:,|and|;)\s*\d+)*)\]", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")
_RELATIVE_MARGIN = 0.15
_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
    if value > 1  # "one of his allies" is no figure
} | {"thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "thousand": "1000", "dozen": "12"}
_CLOSE_MARGIN = 0.05
_STOP = frozenset(
    "a an the of in on at to for by with and or is was were are be been has have had that this its it as from his her their he she they which who what".split()
)


@dataclass(frozen=True)
class Claim:
    text: str  # the sentence without its markers
    markers: tuple[int, ...]
    span: tuple[int, int]  # where the sentence (markers included) sits in the answer text


def split_claims(answer: str) -> list[Claim]:
    claims: list[Claim] = []
    for start, end in sentence_spans(answer):
        sentence = answer[start:end]
        markers = tuple(int(n) for group in MARKER.findall(sentence) for n in re.findall(r"\d+", group))
        text = strip_markers(sentence).strip()
        if not re.search(r"\w", text) and claims:
            # A sentence of markers only ("... vote. [1]") belongs to the sentence before it.
            last = claims.pop()
            claims.append(Claim(last.text, last.markers + markers, (last.span[0], end)))
        else:
            claims.append(Claim(text, markers, (start, end)))
    return claims


def strip_markers(text: str) -> str:
    return MARKER.sub("", text)


def numbers_in(text: str) -> set[str]:
    """Numbers as digit strings, thousands separators removed: '7,600-kilometer five' -> {'7600', '5'}."""
    digits = {re.sub(r"[,\s]", "", n) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}
    words = {_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _NUMBER_WORDS}
    return digits | words


def quote_candidates(passage: Passage, offsets: OffsetMap) -> list[tuple[int, int]]:
    """Sentence spans of a passage, also cut where the original has dropped text in between."""
    spans: list[tuple[int, int]] = []
    for start, end in sentence_spans(passage.text):
        cuts = [start, *offsets.gaps_between(start, end), end]
        for a, b in zip(cuts, cuts[1:], strict=False):
            piece = passage.text[a:b]
            lead = len(piece) - len(piece.lstrip())
            piece = piece.strip()
            if len(_WORD.findall(piece.lower())) >= 3:
                spans.append((a + lead, a + lead + len(piece)))
    return spans


def cite(
    question: str,
    claims: list[Claim],
    context: Sequence[Passage],
    duplicates: Sequence[Passage],
    embed: Embed,
    min_support: float,
) -> tuple[list[Citation], dict[int, tuple[int, ...]]]:
    """Checked citations, and for each claim index the markers that survived (possibly re-attributed)."""
    by_number = {p.number: [p, *[d for d in duplicates if d.duplicate_of == p.chunk_id]] for p in context}
    quotes = [(p, span) for group in by_number.values() for p in group for span in _candidates(p)]
    claim_texts = [c.text for c in claims]
    # A claim is embedded alone and with its question: a short answer ("7,600 km") needs the question's
    # words to resemble its source sentence, a long one is better compared on its own.
    texts = [f"{question} {text}" for text in claim_texts] + claim_texts + [p.text[a:b] for p, (a, b) in quotes]
    vectors = embed(texts)
    count = len(claims)
    with_question, alone, quote_vectors = vectors[:count], vectors[count : 2 * count], vectors[2 * count :]

    def support(claim_index: int, quote_index: int) -> float:
        passage, (a, b) = quotes[quote_index]
        quote_vector = quote_vectors[quote_index]
        cosine = max(_dot(with_question[claim_index], quote_vector), _dot(alone[claim_index], quote_vector))
        return 0.75 * cosine + 0.25 * _overlap(claim_texts[claim_index], passage.text[a:b])

    citations: list[Citation] = []
    kept: dict[int, tuple[int, ...]] = {}
    for ci, claim in enumerate(claims):
        if len(_content_words(claim.text)) < 2 and not claim.markers and not numbers_in(claim.text):
            kept[ci] = ()  # filler such as "Yes." carries no claim of its own
            continue
        options: list[_Option] = []
        for number, group in by_number.items():
            for passage in group:
                scored = [(support(ci, qi), qi) for qi, (p, _) in enumerate(quotes) if p is passage]
                best, qi = max(scored, default=(0.0, -1))
                options.append((best, number, passage, qi))
        chosen = _choose(options, {n for n in claim.markers if n in by_number}, min_support)
        chosen = _grounded(claim.text, question, chosen)
        citations.extend(make_citation(passage, quotes[qi][1], score, number) for score, number, passage, qi in chosen)
        kept[ci] = tuple(sorted({number for _, number, _, _ in chosen}))
    return citations, kept


def _choose(options: list[_Option], marked: set[int], min_support: float) -> list[_Option]:
    """The passages that support a sentence: its own markers unless another passage clearly does better."""
    if not options:
        return []
    ranked = sorted(options, key=lambda option: -option[0])
    top, top_number = ranked[0][0], ranked[0][1]
    # A marker whose passage supports the sentence far worse than the best one is a wrong citation.
    floor = max(min_support, top - _RELATIVE_MARGIN)
    if not marked:  # an unmarked sentence gets the best-supporting passage (and its copies in other files)
        return [o for o in ranked if o[1] == top_number and o[0] >= floor]
    # The model's markers, plus any passage it did not mark that supports the sentence about as well as the best.
    return [o for o in ranked if o[0] >= floor and (o[1] in marked or o[0] >= top - _CLOSE_MARGIN)]


def _grounded(claim: str, question: str, chosen: list[_Option]) -> list[_Option]:
    """Keep the citations only if the sentence's own facts are in the passages it cites.

    Figures: each cited passage must state one of the sentence's figures, and together they must
    state all of them (figures echoed from the question, "in the 2022 election", are the asker's).
    A sentence without figures must find most of its new words (those not in the question) in its
    passages: an answer from the model's memory ("the currency is the tenge") shares only the topic.
    """
    figures = numbers_in(claim) - numbers_in(question)
    if figures:
        chosen = [option for option in chosen if figures & numbers_in(option[2].text)]
        stated = set().union(*(numbers_in(option[2].text) for option in chosen))
        return chosen if figures <= stated else []
    novel = {_stem(w) for w in _content_words(claim)} - {_stem(w) for w in _content_words(question)}
    if not novel or not chosen:
        return chosen
    found = {_stem(w) for option in chosen for w in _content_words(option[2].text)}
    return chosen if len(novel & found) / len(novel) >= 0.5 else []


def _stem(word: str) -> str:
    # Five letters are enough to equate "congratulated" and "congratulations", crude but dependable.
    return word[:5]


def _candidates(passage: Passage) -> list[tuple[int, int]]:
    return quote_candidates(passage, offset_map(passage))


def offset_map(passage: Passage) -> OffsetMap:
    if passage.offsets:
        return OffsetMap.loads(passage.offsets)
    return OffsetMap(((0, passage.chars[0], passage.lines[0], 0),))


def make_citation(passage: Passage, span: tuple[int, int], score: float, number: int) -> Citation:
    offsets = offset_map(passage)
    start, end = span
    raw_start, first_line = offsets.locate(start)
    raw_end, last_line = offsets.locate(end - 1)
    return Citation(
        source=passage.source,
        quote=" ".join(passage.text[start:end].split()),
        lines=(first_line, last_line),
        score=round(score, 4),
        marker=number,
        title=passage.title,
        chars=(raw_start, raw_end + 1),
        date=passage.date,
    )


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


def _overlap(claim: str, quote: str) -> float:
    words = set(_content_words(claim))
    return len(words & set(_content_words(quote))) / len(words) if words else 0.0


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return float(sum(x * y for x, y in zip(a, b, strict=False)))


def evidence_citations(item: Evidence, marker: int) -> list[Citation]:
    """An evidence sentence's citations under `marker`: its own passage's and those of its copies in other articles."""
    found = [(item.passage, item.span), *item.copies]
    return [make_citation(passage, verbatim_span(passage, span), item.score, marker) for passage, span in found]


def verbatim_span(passage: Passage, span: tuple[int, int]) -> tuple[int, int]:
    """The longest piece of a sentence that is contiguous in the original file.

    Cleaning drops lines (a URL, a teaser) that can sit inside a sentence; a quote must be verbatim
    at its lines, so it stops where dropped text lies.
    """
    cuts = [span[0], *offset_map(passage).gaps_between(*span), span[1]]
    pieces = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False)]
    start, end = max(pieces, key=lambda piece: len(passage.text[piece[0] : piece[1]].split()))
    text = passage.text[start:end]
    return start + len(text) - len(text.lstrip()), end - (len(text) - len(text.rstrip()))
