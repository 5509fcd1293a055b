"""What kind of fact a question asks for (a figure, an age, a date, a name, yes or no), and whether a text holds one.

These cheap readings decide which sentences may answer a question at all: "how old?" wants an age,
"who?" a name the question does not already give, "what date?" a month or a day rather than "Monday".
"""

from __future__ import annotations

import difflib
import re

from rag.citations import numbers_in

__all__ = ["answers_question", "asks_for_a_kind", "is_yes_no", "mentions", "proper_names", "short_answer_fault"]

_NAME = re.compile(r"\b[A-Z][a-zA-Z'’-]+(?:[ -][A-Z][a-zA-Z'’-]+)*")
_NOT_NAMES = frozenset(
    "The A An In On At Of For And But Yes No It He She They His Her Its Their What Which Who Whom Whose When Where Why How "
    "Did Does Do Is Was Were Are According After Before During While This That These Those There Monday Tuesday Wednesday "
    "Thursday Friday Saturday Sunday January February March April May June July August September October November "
    "December President Leader The documents".split()
)
_ACRONYM = re.compile(r"[A-Z]{2,6}")
_CONNECTORS = r"(?:\s+(?:for|and|of|in|on|the|de)\b)*\s+"  # the small words an acronym skips
_AGE_QUESTION = re.compile(r"\bhow old\b|\bwhat age\b", re.I)
_AGE = re.compile(r"\b\d{1,3}[- ]years?[- ]old\b|\b(?:aged?|age of) \d{1,3}\b|, \d{2},", re.I)
_YES_NO = re.compile(r"(?:did|does|do|is|was|were|are|has|have|had|can|could|will|would)\b", re.I)
_LENGTH_QUESTION = re.compile(r"\bhow long\b", re.I)
_LENGTH = re.compile(
    r"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten)[- ]?(?:years?|months?|weeks?|days?|decades?|km|kilomet\w*|miles?)\b"
    r"|\bdecades?\b",
    re.I,
)
_SHARE_QUESTION = re.compile(r"\bwhat (?:share|percentage|percent|proportion)\b", re.I)
_SHARE = re.compile(r"\d\s*(?:%|per ?cent)", re.I)
_NUMBER_QUESTION = re.compile(r"\b(?:how (?:many|much|old|long|large|big)|what (?:share|percentage|percent|proportion|number|age))\b", re.I)
_TIME_QUESTION = re.compile(r"\b(?:when|what (?:year|month|date|day))\b", re.I)
_YEAR_QUESTION = re.compile(r"\bwhat year\b", re.I)
_DATE_QUESTION = re.compile(r"\bwhat date\b", re.I)
_MONTH = r"January|February|March|April|May|June|July|August|September|October|November|December"
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_DATE = re.compile(rf"\b(?:{_MONTH})\b|\b\d{{1,2}}(?:st|nd|rd|th)?\b", re.I)
_NAME_QUESTION = re.compile(
    r"\b(?:who|whom|whose|(?:which|what) (?:\w+ ){0,3}(?:city|country|countries|leaders?|president|party|organi[sz]ation|bank|agency|news agency|outlet))\b",
    re.I,
)
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


def is_yes_no(question: str) -> bool:
    """"Did Kazakhstan vote for it?": answered by a sentence, whichever way it goes."""
    return _YES_NO.match(question.strip()) is not None


def asks_for_a_kind(question: str) -> bool:
    """Does the question ask for a figure, an age, a time or a name (a kind a sentence can be seen to hold)?"""
    kinds = (_AGE_QUESTION, _LENGTH_QUESTION, _SHARE_QUESTION, _NUMBER_QUESTION, _TIME_QUESTION, _NAME_QUESTION)
    return any(kind.search(question) for kind in kinds)


def answers_question(question: str, sentence: str) -> bool:
    """Does the sentence hold the kind of fact the question asks for (a figure, a time, a name)?"""
    if _AGE_QUESTION.search(question):
        return bool(_AGE.search(sentence))
    if _LENGTH_QUESTION.search(question):
        return bool(_LENGTH.search(sentence))
    if _SHARE_QUESTION.search(question):
        return bool(_SHARE.search(sentence))
    if _NUMBER_QUESTION.search(question):
        return bool(numbers_in(sentence) - numbers_in(question))
    if _YEAR_QUESTION.search(question):  # a weekday or a month is no year, and "Monday" is no date
        return bool(_YEAR.search(sentence))
    if _DATE_QUESTION.search(question):
        return bool(_DATE.search(sentence))
    if _TIME_QUESTION.search(question):
        return bool(_TIME_WORD.search(sentence))
    if _NAME_QUESTION.search(question):
        return any(not mentions(question, name) for name in proper_names(sentence))
    return True


def short_answer_fault(question: str, short: str, sentence: str) -> str:
    """Why the short answer read from `sentence` is not the kind of fact asked for ("" when it is).

    Asked "who?", a sentence that says "his predecessor" gives no name: quoting it answers nothing.
    A bare number answers "how old?" when the sentence gives it as an age ("the 66-year-old").
    """
    if not asks_for_a_kind(question) or answers_question(question, short):
        return ""
    if _AGE_QUESTION.search(question):
        ages = {n for match in _AGE.finditer(sentence) for n in numbers_in(match.group(0))}
        if numbers_in(short) and numbers_in(short) <= ages:
            return ""
    return f"asked again, the model answers “{short.strip()}”, which is not the kind of fact asked for"


def mentions(text: str, name: str) -> bool:
    """Is `name` in `text`, allowing inflection ("Kazakh"/"Kazakhstan"), a typo ("Tokaev") and an acronym spelled out?"""
    if _ACRONYM.fullmatch(name) and _spelled_out(name).search(text):
        return True
    words = re.findall(r"[a-z0-9]+", text.lower())
    for part in re.findall(r"[a-z0-9]+", name.lower()):
        if len(part) < 3:
            continue
        if not any(w[:5] == part[:5] or difflib.SequenceMatcher(None, w, part).ratio() >= 0.83 for w in words):
            return False
    return True


def _spelled_out(acronym: str) -> re.Pattern[str]:
    """"OSCE" as "Organization for Security and Co-operation in Europe": capitalised words with those initials."""
    words = [rf"{letter}[\w'’-]*" for letter in acronym]
    return re.compile(r"\b" + _CONNECTORS.join(words) + r"\b")
