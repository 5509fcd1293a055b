"""The readings a claim that answers with a name must beat: the same claim with the sentence's other names.

A sentence that names several things ("rallies in Almaty and Nur-Sultan, the capital city"; "While
Russia and China voted against it, Kazakhstan, Kyrgyzstan … abstained") is where a small model gives
one name what the sentence says of another, and its own yes/no check agrees. The claim with a rival
name in its place shows whether the sentence tells them apart for the model (see `verify`).

Example:
    rival_claims("Which city is the capital?", "Almaty is the capital.", "Police met in Almaty and Nur-Sultan, the capital.", 2)
    -> ["Nur-Sultan is the capital.", "Police is the capital."]
"""

from __future__ import annotations

from rag.citations import numbers_in
from rag.question_kind import mentions, name_spans

__all__ = ["rival_claims"]


def rival_claims(question: str, claim: str, sentence: str, nearest: int) -> list[str]:
    """The claim with each of its answering names (up to two) swapped for the `nearest` other names of the sentence.

    Names the question mentions neither answer nor rival ("Which city was renamed after Nazarbayev?").
    A claim that answers with a figure has none (its names are incidental).
    """
    if numbers_in(claim) - numbers_in(question):
        return []
    answers = [n for n in name_spans(claim) if not mentions(question, n)]
    where = [sentence.find(a) for a in answers if a in sentence]

    rivals = sorted(
        (n for n in name_spans(sentence) if not mentions(question, n) and not mentions(claim, n)),
        key=lambda n: min((abs(sentence.find(n) - w) for w in where), default=sentence.find(n)),
    )
    return [claim.replace(name, rival, 1) for name in answers[:2] for rival in rivals[:nearest]]

