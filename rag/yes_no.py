"""What a yes/no question asks, of whom: the sentence quoted to settle it must speak of both.

"Was Halyk bank fined after the 2019 election?" asks of Halyk bank (its subject) whether it was fined
(its predicate). A sentence naming Kazakhstan's largest bank, Halyk, settles nothing: it shares the
subject's words only, and quoted as the answer it reads as a "yes". "Did the incumbent attend the
meeting in Uzbekistan?" is not settled by "The Chinese leader also visited Uzbekistan for a meeting":
that sentence speaks of another person. So a quote must name the subject's people (as the question
names them, or as its description "the incumbent" is named in the articles) and share a word of the
predicate, by dictionary form ("met" is "meet"), or give a figure where the predicate compares one
("longer than 5,000 kilometres" is settled by "a 7,600-kilometer border").

The subject ends where the predicate begins: for "did"/"does" at the verb in its plain form ("Did Tokayev
*put* down …"), for "was"/"is" at a participle ("Was Halyk bank *fined*"), an "a" opening a complement
("Were the preliminary results … *a* surprise?") or a comparison ("Was turnout … *above* 70 percent?").
The words' possible parts of speech are lemminflect's (no parser ships offline); where they mislead, the
predicate takes in a subject word ("the November *vote* score"), which only makes the check more lenient.
"""

from __future__ import annotations

import re

from lemminflect import getAllLemmas

from rag.citations import numbers_in
from rag.dating import YEAR
from rag.premise import word_roots
from rag.question_kind import mentions, proper_names

__all__ = ["settles", "subject_and_predicate"]

_DO = frozenset("did does do can could will would should may might".split())
_HAVE = frozenset("has have had".split())
_BE = frozenset("is are was were".split())
# Prepositions inside a subject: "the results *of* the election", "turnout *in* Kazakhstan", "the border *with* Russia".
_WITHIN = frozenset("of in with for from at on to by".split())
_COMPARING = frozenset("above below over under more less than higher lower fewer greater".split())
_TOKEN = re.compile(r"[\w’'.,-]*\w|\(|\)")


def subject_and_predicate(question: str) -> tuple[str, str]:
    """The question's subject and predicate ("", the question after its first word, when it is not a yes/no question)."""
    tokens = [m for m in _TOKEN.finditer(question)]
    if not tokens or tokens[0].group(0).lower() not in _DO | _HAVE | _BE:
        return "", question
    aux = tokens[0].group(0).lower()
    bracket = False
    for i, match in enumerate(tokens[1:], start=1):
        word = match.group(0)
        bracket = (bracket or word == "(") and word != ")"  # a name the question's description is given: subject
        if i == 1 or bracket or word in "()" or not word[:1].islower():
            continue
        if _starts_predicate(aux, word, tokens[i + 1].group(0) if i + 1 < len(tokens) else ""):
            return question[tokens[1].start() : match.start()].strip(), question[match.start() :]
    return question[tokens[1].start() :] if len(tokens) > 1 else "", ""


def settles(question: str, sentence: str) -> bool:
    """May `sentence`, quoted, settle the yes/no `question` (its descriptions named: `referents.named_in`)?"""
    subject, predicate = subject_and_predicate(question)
    people = proper_names(re.sub(r"\b[\w-]+['’]s\b", " ", subject))  # "Tokayev's opponents" are not Tokayev
    # A person named once in full is named after by one part of the name: "Tokayev", "Xi".
    if not all(any(mentions(sentence, part) for part in re.split(r"[ -]", name) if len(part) > 1) for name in people):
        return False
    asked = {root for root in word_roots(_without_names(predicate)) if not root[:1].isdigit()}  # figures are compared, not shared
    figures = {n for n in numbers_in(predicate) if not YEAR.fullmatch(n)}
    if not asked and not figures:
        return True  # nothing left to share: the subject was all it asked about
    return bool(asked & word_roots(sentence)) or bool(figures and numbers_in(sentence) - {n for n in numbers_in(sentence) if YEAR.fullmatch(n)})


def _starts_predicate(aux: str, word: str, following: str) -> bool:
    forms = getAllLemmas(word.lower())
    verb = forms.get("VERB", ())
    if aux in _DO:
        return word.lower() in verb
    if aux in _HAVE:
        return bool(verb)
    if word.lower() in _WITHIN:
        return False
    if word.lower() in ("a", "an") or word.lower() in _COMPARING:
        return True
    if verb and "NOUN" not in forms and word.lower() not in verb:  # a participle: "fined", "restricted"
        return True
    # An adjective standing alone ("competitive?", "longer than"), not before the noun it describes.
    return bool(forms) and "NOUN" not in forms and "VERB" not in forms and "NOUN" not in getAllLemmas(following.lower())


def _without_names(text: str) -> str:
    for name in proper_names(text):
        text = re.sub(re.escape(name).replace(r"\ ", r"[\s-]"), " ", text)
    return text
