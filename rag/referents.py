"""Whom a sentence means by a description: "The Chinese leader" is Xi Jinping, "his predecessor" Nazarbayev.

News names a person once with a title before the name ("Chinese President Xi Jinping", "authoritarian
predecessor Nursultan Nazarbayev") and later by the title's words alone ("The Chinese leader also
visited Uzbekistan", "a veiled criticism of his predecessor, who … is considered the country's founding
father"). A 1.5B model reading that later sentence alone does not know whom it is about, so it answers
"who is the founding father?" with "the documents do not say", and "which country did Xi visit?" from
another sentence that names Xi. The article's own introductions say whom each title word stands for;
a description whose words point to one person only gets that person's name beside it, in brackets, in
what the model reads (`Evidence.shown`), never in what a citation quotes (`Evidence.text`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache

from rag.evidence import STOP_WORDS, Evidence
from rag.question_kind import asks_for_a_name, mentions

__all__ = ["introductions", "named_in", "resolve", "with_referents"]

# Nouns that title a person in news copy; a description is one of them, with or without a modifier.
_ROLES = (
    "leader|president|ex-president|predecessor|successor|incumbent|diplomat|premier|minister|chairman|chairwoman|ruler|"
    "strongman|founder|chancellor|monarch|king|queen|spokesman|spokeswoman|secretary|governor|mayor|envoy"
)
_NAME = r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){0,2}"
# "Chinese President Xi Jinping", "authoritarian predecessor Nursultan Nazarbayev", "incumbent Kassym-Jomart Tokayev"
_INTRODUCED = re.compile(rf"((?:[\w-]+\s+){{0,2}})\b((?i:{_ROLES}))\s+({_NAME})")
# "The Chinese leader", "his predecessor", "Kazakhstan's incumbent", "Kazakh leader": not followed by a name
_DESCRIBED = re.compile(rf"\b(?:(?i:the|his|her|its|their)\s+|[A-Z][\w-]*['’]s\s+)?(?:([\w-]+)\s+)?((?i:{_ROLES}))\b(?!\s+[A-Z])")
# A title relative to the article's subject ("his predecessor", "the incumbent") means one person alone; an office
# ("the president", "New President") means whoever holds it, of any country, and needs a word saying which one.
_RELATIVE = frozenset({"predecessor", "successor", "incumbent", "founder"})
# "Which Chinese leader", "what Russian leader": the description is what is asked for.
_ASKED = re.compile(r"\b(?i:which|what|whose)\s+((?:[\w’'-]+\s+){0,2})[\w’'-]+$")
_NOT_TITLES = STOP_WORDS | {"but", "and", "or", "so", "while", "s"}


@lru_cache(maxsize=64)
def introductions(article: str) -> dict[str, frozenset[str]]:
    """Each title word of the article (the role and the words before it) -> the full names it is put before.

    A headline's capitals ("New Leader Vows to Keep …") are not a name: a name is one the article uses again.
    """
    words: dict[str, set[str]] = {}
    for match in _INTRODUCED.finditer(article):
        name = re.sub(r"['’]s$", "", match.group(3))
        if name.split()[0].lower() in STOP_WORDS or not any(len(re.findall(rf"\b{re.escape(w)}\b", article)) > 1 for w in re.split(r"[ -]", name)):
            continue
        for word in [*match.group(1).split(), match.group(2)]:
            if word.lower() not in _NOT_TITLES:
                words.setdefault(word.lower(), set()).add(name)
    return {word: frozenset(names) for word, names in words.items()}


def resolve(sentence: str, article: str, collection: Sequence[str] = ()) -> list[tuple[int, str]]:
    """(end of the description, the name it stands for) for each description in `sentence` whose title words the
    article's introductions give to one person only (else the collection's, where the article has none of them),
    and whom the sentence does not name otherwise."""
    own = introductions(article)
    everywhere: dict[str, frozenset[str]] = {}
    for text in collection:
        for word, names in introductions(text).items():
            everywhere[word] = everywhere.get(word, frozenset()) | names
    found = []
    for match in _DESCRIBED.finditer(sentence):
        words = [w.lower() for w in match.groups() if w]
        known = own if any(w in own for w in words) else everywhere
        keys = [w for w in words if w in known]
        if not keys or keys == [match.group(2).lower()] and keys[0] not in _RELATIVE:
            continue
        names = frozenset.intersection(*(known[k] for k in keys))
        if len(names) == 1:
            (name,) = names
            if not mentions(sentence, re.split(r"[ -]", name)[-1]):
                found.append((match.end(), name))
    return found


def named_in(text: str, article: str, collection: Sequence[str] = ()) -> str:
    """`text` (a question or a claim) with each person it describes named beside the description, in brackets.

    "What share did the incumbent win?" checked against "Kazakh President Tokayev … winning 81.31 per cent": read
    alone, the model does not take the incumbent to be Tokayev (0.27). A description asked about ("Which Chinese
    leader …?") is the answer, not a name to give away.
    """
    for end, name in sorted(resolve(text, article, collection), reverse=True):
        asked = _ASKED.search(text[:end])
        if not (asked and not set(asked.group(1).lower().split()) & STOP_WORDS):
            text = f"{text[:end]} ({name}){text[end:]}"
    return text


def with_referents(question: str, evidence: Sequence[Evidence], article: Callable[[str], str] | None, collection: Sequence[str] = ()) -> list[Evidence]:
    """The evidence with each described person named beside the description, where the question asks for a name:
    there the description may be the answer ("who is considered the founding father?": "his predecessor, who …").

    Not where the question only names that person: measured on dev, "Kazakh leader (Tokayev) meets Putin" for a
    question about Tokayev changed no answer for the better and moved one draft's wording off its sentence.
    """
    if not asks_for_a_name(question):
        return list(evidence)
    named = []
    for item in evidence:
        text = article(item.passage.source) if article else item.passage.text
        found = tuple(resolve(item.text, text, collection))
        named.append(replace(item, referents=found) if found else item)
    return named
