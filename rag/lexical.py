"""The cheap checks of a claim against the one evidence sentence it is attributed to (see `verify`).

- figures: each number of the claim (not echoed from the question) is in the sentence;
- names: each proper name of the claim (not in the question) is in the sentence, or its last word is
  and the article gives it in full;
- words: most of the claim's new content words are in the sentence;
- polarity: a claim that something was approved or supported, where the sentence says it was
  rejected, abstained or opposed, fails (and a negation the sentence lacks);
- kind: a question asking for a kind of fact ("how long") gets a claim that gives one;
- attribution: a claim that someone said, described or called something is checked against a sentence that
  reports someone's words ("Russia described the ties as strained" is not in "ties have been strained").
"""

from __future__ import annotations

import re

from rag.citations import numbers_in
from rag.evidence import Evidence, content_stems
from rag.question_kind import answers_question, asks_for_a_kind, mentions, proper_names
from rag.types import Check

__all__ = ["lexical_checks", "words"]

_NEGATIVE = ("not", "never", "against", "abstain", "declin", "refus", "reject", "denie", "deny", "oppos", "lack", "fail", "without")
# Words that deny the same way: a claim may say "refused to back" where its sentence says "declining to recognize",
# or "did not reckon it competitive" for "lacking competitiveness"; "did not abstain" for "abstained" denies it.
_DENIALS = (
    frozenset({"not", "never", "lack", "fail", "without", "declin", "refus", "reject", "denie", "deny"}),
    frozenset({"against", "oppos"}),
    frozenset({"abstain"}),
)
_POSITIVE = ("favour", "favor", "support", "approv", "endors", "backed", "recogni")
# A claim that reports words: "Putin said …", "Russia described the ties as …" (not "the text says", "he is called").
_REPORTS = re.compile(
    r"(?<!text )(?<!article )(?<!evidence )(?<!document )(?<!sentence )(?<!was )(?<!were )(?<!is )(?<!are )(?<!be )(?<!been )(?<!-)"
    r"\b(?:said|says|say|described|describes|called|stated|"
    r"told|declared|wrote|characteri[sz]ed)\b(?!\s+(?:on|for|off|up)\b)",
    re.IGNORECASE,
)
# How news reports words: a verb of saying, a statement or message, a quotation.
_REPORTED = re.compile(
    r"[“”\"]|\b(?:sa(?:y|id|ys|ying)|t(?:old|ell)\w*|according|quot\w*|call\w*|describ\w*|stat(?:ed|ement)\w*|wr(?:ote|ites?|iting)|"
    r"message\w*|hail\w*|declar\w*|announc\w*|report\w*|not(?:ed|ing)|add(?:ed|ing)|urg\w*|warn\w*|pledg\w*|vow\w*|"
    r"promis\w*|claim\w*|insist\w*|comment\w*|remark\w*|prais\w*|congratulat\w*|critici[sz]\w*|accus\w*|welcom\w*|"
    r"express\w*|ask\w*|demand\w*|repl\w*|respond\w*|underlin\w*|stress\w*|expect\w*|cit(?:ed|ing))\b",
    re.IGNORECASE,
)


def lexical_checks(question: str, claim: str, item: Evidence, year: str = "", article: str = "") -> list[Check]:
    """The cheap checks of `claim` against `item`; `year`: the event year the draft read beside the sentence,
    `article`: the text of the sentence's source, where a name it shortens is given in full."""
    source, sentence, text = item.passage.source, item.sentence, item.shown  # a described person is named
    checks = []
    figures = numbers_in(claim) - numbers_in(question)
    missing = sorted(figures - numbers_in(text) - {year})
    checks.append(Check(claim, "figures", not missing, 1.0 - len(missing) / max(len(figures), 1), sentence, source,
                        f"the sentence does not state {', '.join(missing)}" if missing else ""))
    names = [n for n in proper_names(claim) if not mentions(question, n)]
    absent = [n for n in names if not _named(text, n, article)]
    checks.append(Check(claim, "names", not absent, 1.0 - len(absent) / max(len(names), 1), sentence, source,
                        f"the sentence does not name {', '.join(absent)}" if absent else ""))
    novel = content_stems(claim) - content_stems(question)
    found = len(novel & content_stems(text)) / len(novel) if novel else 1.0
    checks.append(Check(claim, "words", found >= 0.5, found, sentence, source,
                        "" if found >= 0.5 else "most of its words are not in the sentence"))
    flipped = _polarity_flip(claim, text)
    checks.append(Check(claim, "polarity", not flipped, 0.0 if flipped else 1.0, sentence, source, flipped))
    if asks_for_a_kind(question):  # "how long" answered with a percentage is a figure re-attached
        fits = answers_question(question, claim)
        checks.append(Check(claim, "kind", fits, float(fits), sentence, source, "" if fits else "it does not give the kind of fact asked for"))
    if _REPORTS.search(claim):
        heard = _REPORTED.search(text) is not None
        checks.append(Check(claim, "attribution", heard, float(heard), sentence, source, "" if heard else "the sentence reports no one's words"))
    return checks


def _named(text: str, name: str, article: str) -> bool:
    """Is `name` in the sentence, in full or, as news writes a name after its first mention, by its last word
    ("69-year-old Tokayev" names "Kassym-Jomart Tokayev" in an article that gives the full name)?"""
    if mentions(text, name):
        return True
    last = re.split(r"[ -]", name)[-1]
    return last != name and len(last) >= 3 and mentions(text, last) and mentions(article, name)


def _polarity_flip(claim: str, sentence: str) -> str:
    claim_words, sentence_words = words(claim), words(sentence)

    def has(words: list[str], stems: tuple[str, ...]) -> set[str]:
        # Short words must match whole ("no" is not "note"); longer ones are stems ("abstain" in "abstained").
        return {s for s in stems for w in words if (w == s if len(s) <= 3 else w.startswith(s))}

    claim_negative, sentence_negative = has(claim_words, _NEGATIVE), has(sentence_words, _NEGATIVE)
    if has(claim_words, _POSITIVE) - has(sentence_words, _POSITIVE) and sentence_negative:
        return "the sentence says the opposite (" + ", ".join(sorted(sentence_negative)) + ")"
    if any(not any(w in group for w in sentence_negative) for group in _DENIALS for w in claim_negative if w in group):
        return "the claim negates what the sentence states"
    return ""


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower().replace("n't", " not"))
