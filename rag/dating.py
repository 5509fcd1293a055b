"""When did the events a document reports happen? Dates from its own text, then from the documents it shares events with.

News text dates its event by day ("on November 20", "Monday, Nov. 21") and names bare years mostly
for background ("Nazarbayev resigned in 2019"), so a bare year alone never dates a document. At
ingest each file's own evidence is recorded (`date_facts`); `resolve_dates` then gives every file
its event date, in this order of trust:

1. a day-level date with its year in the text ("20 November 2022");
2. a day-level date whose year is the latest bare year in the same text (004: "November 20" and
   "the end of 2022");
3. the year of another document that names the same day ("20 November" in 001 = "November 20" in 004);
4. the date of a document it copies (the same wire story in two files, 000 and 001);
5. a month named without a year refers to the article's own year ("when he stepped down in March"):
   if another document states the same event with a year ("Nazarbayev resigned in 2019": a
   similar sentence about the same person), the article is of that year.

A document none of these reach stays undated (""), and says so wherever its date would be shown.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import dateparser

from rag.sentences import split_sentences

__all__ = ["DateFacts", "date_facts", "resolve_dates", "year_of", "YEAR"]

Embed = Callable[[list[str]], list[list[float]]]

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?"
    r"|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+(?:19|20)\d\d)?)\b"
)
_MONTH_ONLY = re.compile(r"\bin\s+(?:January|February|March|April|May|June|July|August|September|October|November|December)\b(?!\s+\d)")
YEAR = re.compile(r"(?<![\d/.-])(?:19|20)\d\d(?![\d/%-])")
_URL = re.compile(r"https?://\S+|www\.\S+")
_NAME = re.compile(r"\b[A-Z][a-z]{3,}\b")
_SAME_EVENT = 0.5  # cosine above which two sentences about the same person are taken to report one event


@dataclass(frozen=True)
class DateFacts:
    """What one document's own text says about time (stored in the manifest as JSON)."""

    days: list[str] = field(default_factory=list)  # "11-20": day-level dates without their year
    dated: list[str] = field(default_factory=list)  # "2022-11-20": day-level dates with a year
    years: list[int] = field(default_factory=list)  # bare years outside URLs
    month_sentences: list[str] = field(default_factory=list)  # sentences naming a month without a year
    year_sentences: list[str] = field(default_factory=list)  # sentences naming a bare year
    fingerprint: list[str] = field(default_factory=list)  # hashes of its sentences, to find copies

    def dumps(self) -> str:
        return json.dumps(self.__dict__, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> DateFacts:
        try:
            data = json.loads(text) if text else {}
        except json.JSONDecodeError:
            data = {}
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def date_facts(text: str) -> DateFacts:
    """The time facts of a cleaned document text.

    Example: date_facts("Voters met on 20 November 2022.").dated -> ["2022-11-20"]
    """
    text = _URL.sub(" ", text)
    days: list[str] = []
    dated: list[str] = []
    for match in _DAY_DATE.finditer(text):
        parsed = dateparser.parse(match.group(0), languages=["en"], settings={"REQUIRE_PARTS": ["day", "month"]})
        if parsed is None:
            continue
        if YEAR.search(match.group(0)):
            dated.append(parsed.strftime("%Y-%m-%d"))
        else:
            days.append(parsed.strftime("%m-%d"))
    sentences = split_sentences(text)
    no_dates = [_DAY_DATE.sub(" ", s) for s in sentences]
    return DateFacts(
        days=sorted(set(days)),
        dated=sorted(set(dated)),
        years=sorted({int(y) for s in no_dates for y in YEAR.findall(s)}),
        month_sentences=[s for s in sentences if _MONTH_ONLY.search(s) and not YEAR.search(s)][:12],
        year_sentences=[s for s in sentences if YEAR.search(_DAY_DATE.sub(" ", s))][:12],
        fingerprint=sorted({_hash(s) for s in sentences if len(s.split()) >= 6})[:200],
    )


def resolve_dates(facts: Mapping[str, DateFacts], embed: Embed | None = None) -> dict[str, str]:
    """Every document's event date ("2022-11-20", "2022" or ""), using the other documents where its own text is silent."""
    dates = {source: _own_date(fact) for source, fact in facts.items()}
    for source, fact in facts.items():  # 3: the same day named in a dated document
        if not dates[source] and fact.days:
            for other, other_fact in facts.items():
                year = year_of(dates[other])
                if other != source and year and set(fact.days) & set(other_fact.days):
                    dates[source] = year
                    break
    for source, fact in facts.items():  # 4: a copy of a dated document
        if not dates[source]:
            for other, other_fact in facts.items():
                if other != source and dates[other] and _copies(fact, other_fact):
                    dates[source] = dates[other]
                    break
    if embed is not None:  # 5: an event named by month here and with its year elsewhere
        for source, fact in facts.items():
            if not dates[source] and fact.month_sentences:
                dates[source] = _borrowed_year(source, fact, facts, embed)
    return dates


def year_of(date: str) -> str:
    return date[:4] if date[:4].isdigit() else ""


def _own_date(fact: DateFacts) -> str:
    if fact.dated:
        return max(fact.dated)
    if fact.days and fact.years:
        return f"{max(fact.years)}-{max(fact.days)}"
    return ""


def _copies(a: DateFacts, b: DateFacts) -> bool:
    shared = len(set(a.fingerprint) & set(b.fingerprint))
    smaller = min(len(a.fingerprint), len(b.fingerprint))
    return shared >= 3 and shared >= 0.3 * smaller


def _borrowed_year(source: str, fact: DateFacts, facts: Mapping[str, DateFacts], embed: Embed) -> str:
    candidates = [(s, other) for other, f in facts.items() if other != source for s in f.year_sentences]
    if not candidates:
        return ""
    vectors = embed(fact.month_sentences + [s for s, _ in candidates])
    own, theirs = vectors[: len(fact.month_sentences)], vectors[len(fact.month_sentences) :]
    best = ("", 0.0)
    for i, sentence in enumerate(fact.month_sentences):
        names = set(_NAME.findall(sentence))
        for j, (candidate, _) in enumerate(candidates):
            if not names & set(_NAME.findall(candidate)):
                continue
            cosine = sum(x * y for x, y in zip(own[i], theirs[j], strict=False))
            years = YEAR.findall(_DAY_DATE.sub(" ", candidate))
            if cosine >= _SAME_EVENT and cosine > best[1] and len(set(years)) == 1:
                best = (years[0], cosine)
    return best[0]


def _hash(sentence: str) -> str:
    normal = " ".join(re.findall(r"[a-z0-9]+", sentence.lower()))
    return hashlib.sha1(normal.encode()).hexdigest()[:10]
