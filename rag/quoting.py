"""Which evidence sentence may stand in, quoted, for a claim the checks doubted.

A quote states no more than its article does; what can go wrong is quoting a sentence that does not
answer. `quotable` says which sentences may answer at all, `most_relevant` which one a yes/no question
also needs beside the one the draft cited, or in its place where that one settles nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.evidence import Evidence
from rag.premise import PremiseCheck
from rag.question_kind import answers_question, asks_for_a_kind, is_yes_no
from rag.referents import named_in
from rag.yes_no import settles

__all__ = ["most_relevant", "quotable"]


def quotable(question: str, item: Evidence, collection: Sequence[str] = ()) -> bool:
    """May this sentence stand in for a doubted claim? One that settles a yes/no question (`yes_no.settles`, with the
    people the question describes named from the `collection` of articles), or holds the kind of fact asked for."""
    if is_yes_no(question):
        return settles(named_in(question, "", collection), item.text)
    return asks_for_a_kind(question) and answers_question(question, item.text)


def most_relevant(
    question: str, evidence: Sequence[Evidence], premise: PremiseCheck, besides: Evidence, collection: Sequence[str] = ()
) -> list[Evidence]:
    """The evidence sentence most relevant to a yes/no question, if it is not `besides` (the one the draft cited).

    Neither the sentence a small model cites for its unconfirmed yes/no nor the one retrieval ranks first
    settles the question reliably; each misses the settling sentence where the other finds it ("over 81
    percent of the vote", ranked first, for "more than 90 percent?", where the draft cited the turnout).
    Quoting both leaves the reader the sentence that settles it; neither states more than its article does.
    """
    candidates = [e for e in evidence if quotable(question, e, collection) and premise.dated_as_asked(e.passage) and not premise.unnamed([e])]
    best = max(candidates, key=lambda e: e.score, default=None)
    return [] if best is None or best is besides or best.text == besides.text else [best]
