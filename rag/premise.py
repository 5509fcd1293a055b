"""What a question takes for granted, checked against the articles: the year it names, the names it uses.

- A year that dates one of the documents' events ("in the 2019 election", or "his first/second/
  latest election" among the dated events) selects the evidence: documents of another year are set
  aside, undated ones stay. If only the other year's documents answer, the answer is a refusal that
  says what the articles do give ("… for 2022 they say …").
- Every proper name of the question must appear in an article the answer cites: "How many died in
  Almaty alone?" answered from an article that never mentions Almaty is a false premise, refused.
- A name the question restricts ("in Almaty alone", "only Russia") must not be one of a pair the cited
  sentence joins ("rallies in Almaty and Nur-Sultan"): what it says of the pair it does not say of one.
- A rank the question asks about ("the runner-up", "the candidate who came second") must be one a
  cited sentence gives: the winner's sentence says nothing of who came second.
- A month the question places what it asks in, after or before ("after the November 2022 election",
  "in September 2022") must not be contradicted by the month a cited sentence places its own event in
  ("on a visit to Saint Petersburg in June"): that sentence is about another occasion.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

from lemminflect import getAllLemmas
from nltk.stem import PorterStemmer

from rag.dating import YEAR, year_of
from rag.evidence import STOP_WORDS, WORD, Evidence
from rag.question_kind import mentions, name_spans, proper_names
from rag.types import Passage

__all__ = ["PremiseCheck", "without_clause", "word_roots"]

_STEMMER = PorterStemmer()

# An event named by its order: "his first election", "the previous vote", or by a verb, "when he was first elected".
_EARLIER = re.compile(
    r"\b(?:first|earlier|previous|prior)\s+(?:\w+\s+)?(?:election|term|vote|poll|victory|win)\b"
    r"|\bfirst\s+(?:elected|won|chosen|voted\s+in|took\s+office|came\s+to\s+power)\b",
    re.I,
)
# A name taken on its own: "in Almaty alone", "in Nur-Sultan only", "only (in) Russia".
_ALONE = r"(?:{name})\s+(?:alone|only|by itself)\b|\b(?:only|solely|exclusively)\s+(?:(?:in|at|for|by|from)\s+(?:the\s+)?)?(?:{name})\b"
# Names joined by "and"/"or", with a list's commas: "Almaty and Nur-Sultan", "Kazakhstan, Kyrgyzstan and Uzbekistan".
_NAME = r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*"
_JOINED = re.compile(rf"{_NAME}(?:\s*,\s*{_NAME})*\s*,?\s+(?:and|or|&)\s+(?:the\s+)?{_NAME}")
# A place in a race other than first: who holds it is what the question asks about.
_RANK = re.compile(
    r"\brunners?[- ]?up\b|\b(?:second|third|last)[- ]plac(?:e|ed)\b|\b(?:came|finished|placed|ranked|come|finish)\s+(?:in\s+)?(?:second|third|last)\b"
    r"|\bclosest\s+(?:challenger|rival|opponent|competitor)s?\b",
    re.IGNORECASE,
)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
_MONTH = "|".join(_MONTHS)
# What the question asks about is after, before or in a month: "after the November 2022 election", "in September 2022".
# "in the November 2022 election" names an event by its month and places nothing.
_ASKED_MONTH = re.compile(
    rf"\b(?:(?P<rel>after|since|following|before|ahead\s+of|prior\s+to|until)\s+(?:(?:the|his|her|its|their)\s+)?(?:[\w'’-]+\s+)?"
    rf"|(?:in|during|on)\s+)(?P<month>{_MONTH})\b(?:\s+\d{{1,2}}\b)?(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?"
)
# The month a sentence places its own event in: "in June", "On November 14", "stepped down in March".
_SAID_MONTH = re.compile(rf"\b(?:(?:in|on|during|since|until|by)\s+(?:early\s+|late\s+|mid-)?(?P<a>{_MONTH})\b|(?P<b>{_MONTH})\s+\d{{1,2}}\b)")
_LATER = re.compile(
    r"\b(?:second|latest|most recent|last|new|recent)\s+(?:\w+\s+)?(?:election|term|vote|poll|victory|win)\b|\bre-?elect(?:ed|ion)\b", re.I
)

# Where a question places its event by a year or an order: "when Tokayev won the 2019 snap election", "after the
# 2019 vote", "in his first election". The clause runs from its last linking word before the year to the event noun.
_LINK = re.compile(r"\b(?:when|after|before|during|following|since|in|at|as|on)\s", re.I)
_EVENT_NOUN = re.compile(r"(?:\s+[\w'’-]+){0,2}?\s+(?:election|vote|poll|race|ballot|term|win|victory)s?\b", re.I)


class Corpus(Protocol):
    dates: dict[str, str]

    def source_text(self, source: str) -> str: ...


class PremiseCheck:
    def __init__(self, question: str, corpus: Corpus, *, enabled: bool, time_aware: bool) -> None:
        self.question = question
        self.corpus = corpus
        self.enabled = enabled
        known = sorted({year_of(d) for d in corpus.dates.values()} - {""})
        self.years: set[str] = set()
        if time_aware and known:
            self.years = {y for y in YEAR.findall(question) if y in known}
            if not self.years and len(known) > 1:
                if _EARLIER.search(question) and not _LATER.search(question):
                    self.years = {known[0]}
                elif _LATER.search(question) and not _EARLIER.search(question):
                    self.years = {known[-1]}

    def settled_clause(self) -> str:
        """The clause placing the question's event in the one year the evidence is chosen by ("" if none).

        Evidence of that year settles it: a claim's model check reads the claim without it, as the sentence
        says nothing of it ("Nazarbayev, 78, remains chairman" for "78 when Tokayev won the 2019 snap election").
        A month in it is left to be checked: one year holds several events of different months.
        """
        anchor = YEAR.search(self.question) or _EARLIER.search(self.question) or _LATER.search(self.question)
        links = [m.start() for m in _LINK.finditer(self.question, 0, anchor.start())] if anchor and len(self.years) == 1 else []
        if not anchor or not links:
            return ""
        noun = _EVENT_NOUN.match(self.question, anchor.end()) if YEAR.fullmatch(anchor.group(0)) else None
        clause = self.question[links[-1] : noun.end() if noun else anchor.end()]
        return "" if re.search(rf"\b(?:{_MONTH})\b", clause) else clause

    def keep(self, passage: Passage) -> bool:
        """Evidence of the year asked about, or of no known year."""
        year = year_of(passage.date)
        return not self.years or not year or year in self.years

    def dated_as_asked(self, passage: Passage) -> bool:
        """Evidence known to be of the year asked about (any, for a question bound to no year).

        An undated article stays in the evidence, but it cannot vouch for a year: "met Putin a week after
        winning a new term" may be the other election's meeting.
        """
        return not self.years or year_of(passage.date) in self.years

    def unnamed(self, cited: Sequence[Evidence]) -> list[str]:
        """The question's names that no cited article mentions (empty when the check is off)."""
        if not self.enabled or not cited:
            return []
        texts = [self.corpus.source_text(s) for item in cited for s in item.sources]
        # Names in a list ("from Russia, China and Central Asia") are what is asked about, each possibly
        # unanswered; a name standing alone ("in Almaty alone") restricts the question, and is checked.
        alone = [name for name in proper_names(self.question) if not _listed(self.question, name)]
        return [name for name in alone if not any(mentions(t, name) for t in texts)]


    def pooled(self, cited: Sequence[Evidence]) -> list[tuple[str, str]]:
        """The question's restricted names that a cited sentence gives only jointly, each with the names it is joined with.

        "How many were arrested in Nur-Sultan alone?" cited to "police arrested 500 people at rallies in
        Almaty and Nur-Sultan": the figure is the two cities', and nothing in the sentence splits it.
        """
        if not self.enabled:
            return []
        restricted = []  # (the name as matched, as the question writes it)
        for name in proper_names(self.question):
            written = re.search(_ALONE.format(name=_written(name)), self.question, re.I)
            if written and not _listed(self.question, name):
                restricted.append((name, next(iter(name_spans(written.group(0))), name)))
        return [
            (written, _pair(name_spans(joined.group(0))))
            for item in cited for joined in _JOINED.finditer(item.text) for name, written in restricted if mentions(joined.group(0), name)
        ]

    def unranked(self, cited: Sequence[Evidence]) -> str:
        """The rank the question asks about that no cited sentence gives ("" when none is asked, or the check is off)."""
        asked = _RANK.search(self.question)
        if not self.enabled or asked is None or any(_RANK.search(item.text) for item in cited):
            return ""
        return asked.group(0)

    def unsupported(self, cited: Sequence[Evidence]) -> str:
        """Why the cited sentences cannot answer what the question takes for granted ("" when they can, or the check is off)."""
        rank = self.unranked(cited)
        return f"no cited sentence says who is {rank}" if rank else self.untimely(cited)

    def untimely(self, cited: Sequence[Evidence]) -> str:
        """The month a cited sentence places its event in, where the question asks about another time ("" if none does).

        "What did Putin say when he met Tokayev after the November 2022 election?" cited to "Tokayev clashed with
        Putin on a visit to Saint Petersburg in June": the June visit came before, so it answers nothing asked.
        Only months the question and a sentence both place in a known year are compared.
        """
        asked = _ASKED_MONTH.search(self.question)
        if not self.enabled or asked is None:
            return ""
        year = asked.group("year") or (next(iter(self.years)) if len(self.years) == 1 else "")
        if not year:
            return ""
        when = (int(year), _MONTHS.index(asked.group("month")) + 1)
        relation = (asked.group("rel") or "in").lower()
        for item in cited:
            own = YEAR.findall(item.text)
            said_year = own[0] if len(set(own)) == 1 else "" if own else year_of(item.date)
            months = [_MONTHS.index(m.group("a") or m.group("b")) + 1 for m in _SAID_MONTH.finditer(item.text)]
            if not said_year or not months:
                continue
            said = [(int(said_year), m) for m in months]
            if relation in ("after", "since", "following"):
                fits = any(s >= when for s in said)
            elif relation in ("in", "during", "on"):
                fits = when in said
            else:  # before, ahead of, prior to, until
                fits = any(s <= when for s in said)
            if not fits:
                month = _MONTHS[said[0][1] - 1]
                return f"the cited sentence is of {month} {said_year}, the question asks about {relation} {asked.group('month')} {year}"
        return ""

    def unshared(self, answered: set[str], other: str) -> set[str]:
        """The question's words that the articles of the `answered` years use and those of the `other` year never do.

        They tie the question to the answered event ("the January unrest", "as interim president"): a
        sentence of the other event's articles, however it reads, answers another question.
        """
        words = {year: set[str]() for year in {*answered, other}}
        for source, date in self.corpus.dates.items():
            if year_of(date) in words:
                words[year_of(date)] |= word_roots(self.corpus.source_text(source))
        used = set().union(*(words[year] for year in answered))
        return set(word_roots(self.question) & used - words[other])


@lru_cache(maxsize=64)
def word_roots(text: str) -> frozenset[str]:
    """Content words by the stem of their dictionary forms.

    The dictionary form joins irregular inflections ("won" is "win", "led" is "lead"), which a stemmer cuts apart;
    the stem then joins derivations ("elected", "election"). Whole stems, not first letters: "interim" (2019's
    alone) is not "international" (every article's).
    """
    return frozenset(root for word in WORD.findall(text.lower()) if word not in STOP_WORDS for root in _roots(word)) - _STOP_ROOTS


@lru_cache(maxsize=4096)
def _roots(word: str) -> frozenset[str]:
    return frozenset(_STEMMER.stem(lemma) for forms in getAllLemmas(word).values() for lemma in forms) or frozenset({_STEMMER.stem(word)})


# A stop word's other forms are stop words too: the articles' "said" is left out, so the question's "say" must be.
_STOP_ROOTS = frozenset(root for word in STOP_WORDS for root in _roots(word))


def without_clause(claim: str, clause: str) -> str:
    """The claim with the question's clause left out where it repeats it word for word ("… was 78 years old.")."""
    if not clause or clause.lower() not in claim.lower():
        return claim
    return re.sub(r"\s+([.,;!?])", r"\1", " ".join(re.sub(re.escape(clause), " ", claim, flags=re.I).split()))


def _written(name: str) -> str:
    """A pattern for a name as `proper_names` gives it: "Nur Sultan" is written "Nur-Sultan"."""
    return re.escape(name).replace(r"\ ", r"[\s-]")


def _listed(question: str, name: str) -> bool:
    escaped = _written(name)
    return re.search(rf"{escaped}\s*(?:,|\band\b|\bor\b)|(?:,|\band\b|\bor\b)\s*{escaped}", question) is not None


def _pair(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)
