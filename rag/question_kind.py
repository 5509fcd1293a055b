"""What a question asks for, and whether a sentence holds it.

The kind of fact asked for (a figure, an age, a length, a share, a time, a name), whether the
question is a yes/no one, the names it mentions, and whether a sentence speaks of what it asks.
Both the evidence ranking and the answer checks read questions through these, so they agree on
what "the kind of fact asked for" is.
"""

from __future__ import annotations

import difflib
import re

from nltk.stem import PorterStemmer

from rag.citations import numbers_in
from rag.evidence import STOP_WORDS, WORD

__all__ = [
    "answers_question", "asks_for_a_count", "asks_for_a_kind", "asks_for_a_name", "gives_a_kind_asked", "is_yes_no", "mentions", "name_spans", "proper_names", "speaks_of",
]

_NAME = re.compile(r"\b[A-Z][a-zA-Z'’-]+(?:[ -][A-Z][a-zA-Z'’-]+)*")
_NOT_NAMES = frozenset(
    "The A An In On At Of For And But Yes No It He She They His Her Its Their What Which Who Whom Whose When Where Why How "
    "Did Does Do Is Was Were Are According After Before During While This That These Those There Monday Tuesday Wednesday "
    "Thursday Friday Saturday Sunday January February March April May June July August September October November "
    "December President Leader The documents".split()
)
_OPENING_WORDS = frozenset("During Despite Since Until Under From With As To By After However Meanwhile Although While If Also".split())
_STEMMER = PorterStemmer()
_DEMONYM_ENDINGS = ("ese", "ian", "ish", "an", "i")
_AGE_QUESTION = re.compile(r"\bhow old\b|\bage\b", re.I)  # "what age", "his age when he won"
_AGE = re.compile(r"\b\d{1,3}[- ]years?[- ]old\b|\b(?:aged?|age of) \d{1,3}\b|, \d{2},", re.I)
_YES_NO = re.compile(r"(?:did|does|do|is|was|were|are|has|have|had|can|could|will|would)\b", re.I)
_LENGTH_QUESTION = re.compile(r"\bhow long\b", re.I)
_LENGTH = re.compile(
    r"\b(?:\d[\d,.]*|an?|one|two|three|four|five|six|seven|eight|nine|ten)[- ]?(?:years?|months?|weeks?|days?|decades?|km|kilomet\w*|miles?)\b"
    r"|\bdecades?\b",
    re.I,
)
_SHARE_QUESTION = re.compile(r"\bwhat (?:share|percentage|percent|proportion)\b", re.I)
_SHARE = re.compile(r"\d\s*(?:%|per ?cent)", re.I)
_COUNT_QUESTION = re.compile(r"\bhow many\b", re.I)
_SHARE_FIGURE = re.compile(r"\d[\d,.]*\s*(?:%|per ?cent\b)", re.I)  # "81 percent"
_QUANTITY = re.compile(r"\b(?:dozens?|hundreds|thousands|millions)\b", re.I)  # "a few dozen", "hundreds of police"
_NUMBER_QUESTION = re.compile(r"\b(?:how (?:many|much|old|long|large|big)|what (?:share|percentage|percent|proportion|number|age))\b", re.I)
# "When" asks for a time where it opens the question or its clause's question ("Where and when had he met him?", "when did
# he say …"); a "when" clause after the main one names the moment of what is asked ("What did he pledge when he won?",
# "How old was he when he won?") and asks for no time.
_TIME_QUESTION = re.compile(
    r"^\W*(?:(?:and|so|since|until|where\s+and|but)\s+)?when\b|\bwhen\s+(?:did|does|do|is|was|were|are|will|would|has|have|had|can|could)\b|\bwhen\W*$"
    r"|\bwhat (?:year|month|date|day)\b",
    re.I,
)
# "Which one…?", "which of the two…?" choose among things the sentence names: a name, too.
_NAME_QUESTION = re.compile(
    r"\b(?:who|whom|whose|whos|which (?:one|of)"
    r"|(?:which|what) (?:[\w-]+ ){0,2}(?:city|country|countries|leaders?|president|party|organi[sz]ation|bank|agency|news agency|outlet))\b",
    re.I,
)
# "On what date…?" asks for a day of a month ("November 20", "Nov. 21", "14 November"), not "on Monday" or "this year".
_DATE_QUESTION = re.compile(r"\b(?:what|which) date\b", re.I)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?!\w)")  # months are capitalised: "may 20" is not a date
_TIME_WORD = re.compile(
    r"\b(?:(?:19|20)\d\d|January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|summer|winter|spring|autumn|week|year)\b",
    re.I,
)


def proper_names(text: str) -> list[str]:
    """Capitalised names, question words and calendar words left out: "Did Putin meet Xi in June?" -> ["Putin", "Xi"]."""
    names = []
    for match in _NAME.finditer(text):
        words = [w for w in re.split(r"[ -]", match.group(0)) if w not in _NOT_NAMES]
        if words:
            names.append(" ".join(words))
    return names


def name_spans(text: str) -> list[str]:
    """Proper names as `text` writes them, to put one in another's place: "Nur-Sultan", "Russian President
    Vladimir Putin"; a possessive's "’s" and a sentence's opening word ("During Sunday's vote") left out."""
    spans = []
    for match in _NAME.finditer(text):
        tokens = re.findall(r"[^ -]+|[ -]", re.sub(r"['’]s$", "", match.group(0)))
        while tokens and (tokens[0] in " -" or tokens[0] in _NOT_NAMES or tokens[0] in _OPENING_WORDS):
            tokens.pop(0)
        while tokens and (tokens[-1] in " -" or tokens[-1] in _NOT_NAMES):
            tokens.pop()
        if tokens:
            spans.append("".join(tokens))
    return list(dict.fromkeys(spans))


def is_yes_no(question: str) -> bool:
    """"Did Kazakhstan vote for it?": answered by a sentence, whichever way it goes."""
    return _YES_NO.match(question.strip()) is not None


def asks_for_a_kind(question: str) -> bool:
    """Does the question ask for a figure, an age, a time or a name (a kind a sentence can be seen to hold)?"""
    kinds = (_AGE_QUESTION, _LENGTH_QUESTION, _SHARE_QUESTION, _NUMBER_QUESTION, _TIME_QUESTION, _NAME_QUESTION)
    return any(kind.search(question) for kind in kinds)


def asks_for_a_name(question: str) -> bool:
    """"Who…?", "Which country…?": the answer is a name."""
    return bool(_NAME_QUESTION.search(question))


def asks_for_a_count(question: str) -> bool:
    """"How many…?": the number answering it can count something else of the same event (the arrested, not the killed).

    An age, a share or a length says what it measures in its own words ("69-year-old", "81 percent", "7,600-kilometer").
    """
    return bool(_COUNT_QUESTION.search(question))


def answers_question(question: str, sentence: str) -> bool:
    """Does the sentence hold the kind of fact the question asks for (a figure, a time, a name)?"""
    if _AGE_QUESTION.search(question):
        return bool(_AGE.search(sentence))
    if _LENGTH_QUESTION.search(question):
        return bool(_LENGTH.search(sentence))
    if _SHARE_QUESTION.search(question):
        return bool(_SHARE.search(sentence))
    if _COUNT_QUESTION.search(question):  # "how many opponents?" is not answered by a vote share or an age
        # An age in any of its forms ("69-year-old", "Nazarbayev, 78, remains chairman") counts nothing.
        counts = numbers_in(_AGE.sub(" ", _SHARE_FIGURE.sub(" ", sentence))) - numbers_in(question)
        return bool(counts or _quantities(sentence) - _quantities(question))
    if _NUMBER_QUESTION.search(question):
        return bool(numbers_in(sentence) - numbers_in(question))
    if _DATE_QUESTION.search(question):
        return bool(_DATE.search(sentence))
    if _TIME_QUESTION.search(question):
        return bool(_TIME_WORD.search(sentence))
    if _NAME_QUESTION.search(question):
        return any(not mentions(question, name) for name in proper_names(sentence))
    return True


def gives_a_kind_asked(question: str, answer: str) -> bool:
    """Does a short answer ("66", "Nur-Sultan", "March 2019") give a kind of fact the question asks for?

    A short answer is judged by what it is, not by the sentence it came from: asked "Who is considered
    the founding father?", "the country's president" names no one, however well the sentence reads. A
    figure alone answers "how old" or "how long"; a compound question asks for several kinds, any of
    which will do. A question that asks for no particular kind is answered by any words.
    """
    kinds = []
    if any(kind.search(question) for kind in (_AGE_QUESTION, _LENGTH_QUESTION, _SHARE_QUESTION, _NUMBER_QUESTION)):
        figures = numbers_in(answer) - numbers_in(question) or _quantities(answer) - _quantities(question)
        kinds.append(bool(figures or _LENGTH.search(answer) or _AGE.search(answer)))  # "one week": "one" is no figure alone
    if _DATE_QUESTION.search(question) or _TIME_QUESTION.search(question):
        kinds.append(bool(_TIME_WORD.search(answer) or _DATE.search(answer) or numbers_in(answer) - numbers_in(question)))
    if _NAME_QUESTION.search(question):
        kinds.append(any(not mentions(question, name) for name in proper_names(answer)))
    return any(kinds) if kinds else True


def speaks_of(question: str, sentence: str) -> bool:
    """Does the sentence share a word of what the question asks (not only whom it names)?

    A yes/no question is settled by a sentence about its predicate ("considered charismatic": "lacking
    charisma"); a sentence that only names the same person settles nothing, whatever the model marked.
    """
    names = {w.lower() for name in proper_names(question) for w in name.split()}
    asked = {w for w in _stems(question) if not any(n.startswith(w[:4]) for n in names)}
    return bool(asked & _stems(sentence))


def _stems(text: str) -> set[str]:
    # Stemmed, then cut: "voted"/"vote" and "charismatic"/"charisma" meet; "did", "the" are left out.
    return {_STEMMER.stem(w)[:5] for w in WORD.findall(text.lower()) if w not in STOP_WORDS and not w.isdigit()}


def _quantities(text: str) -> set[str]:
    """Counts given in words, not figures: a reporter's "a few dozen" answers "how many" as its source does."""
    return {match.lower().rstrip("s") for match in _QUANTITY.findall(text)}


def mentions(text: str, name: str) -> bool:
    """Is `name` in `text`, allowing inflection ("Kazakh"/"Kazakhstan"), a typo ("Tokaev") and an acronym spelled out?"""
    if len(name) >= 2 and name.isupper() and name.isalpha() and _spelled_out(name).search(text):
        return True
    words = re.findall(r"[a-z0-9]+", text.lower())
    parts = re.findall(r"[a-z0-9]+", name.lower())
    if parts and all(len(part) < 3 for part in parts):  # "Xi", "UN": too short to match loosely, so exactly
        return all(part in words for part in parts)
    for part in re.findall(r"[a-z0-9]+", name.lower()):
        if len(part) < 3:
            continue
        if not any(w[:5] == part[:5] or _root(w) == _root(part) or difflib.SequenceMatcher(None, w, part).ratio() >= 0.83 for w in words):
            return False
    return True


def _root(word: str) -> str:
    """A country's name and its people's share this: "china"/"chinese" -> "chin", "japan"/"japanese" -> "japan".

    Where five letters agree ("russia"/"russian") the prefix already matches; this is for the shorter ones.
    """
    for ending in _DEMONYM_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word.rstrip("aeiouy") if len(word.rstrip("aeiouy")) >= 4 else word


def _spelled_out(acronym: str) -> re.Pattern[str]:
    """"OSCE" as a reporter writes it out: "Organization for Security and Co-operation in Europe"."""
    link = r"(?:\s+(?:of|for|and|the|in|on)\b)*\s+"
    return re.compile(r"\b" + link.join(rf"{letter}[\w'’]*(?:-[\w'’]+)*" for letter in acronym) + r"\b")
