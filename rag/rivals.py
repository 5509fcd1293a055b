"""Where a sentence that names several things gives a claim's names another fact than the claim does.

- `rival_claims`: the readings a claim that answers with a name must beat, the same claim with the
  sentence's other names (for the model to tell apart);
- `unbound_names`: the claim's names that the sentence puts in another clause than the words the
  question asks about (read off the sentence, no model);
- `rival_questions`: the question about the sentence's other names in place of its own, for the model
  to say which of them the sentence answers it for ("Nazarbayev's share" read in Tokayev's sentence).

A sentence that names several things ("rallies in Almaty and Nur-Sultan, the capital city"; "While
Russia and China voted against it, Kazakhstan, Kyrgyzstan … abstained") is where a small model gives
one name what the sentence says of another, and its own yes/no check agrees. The claim with a rival
name in its place shows whether the sentence tells them apart for the model (see `verify`).

Example:
    rival_claims("Which city is the capital?", "Almaty is the capital.", "Police met in Almaty and Nur-Sultan, the capital.", 2)
    -> ["Nur-Sultan is the capital.", "Police is the capital."]
"""

from __future__ import annotations

import re

from rag.citations import numbers_in
from rag.evidence import content_stems
from rag.question_kind import mentions, name_spans, proper_names

__all__ = ["clauses", "rival_claims", "rival_questions", "unbound_names"]

# Boundaries that lists and appositions never make ("Kazakhstan, Kyrgyzstan and …", "Nur-Sultan, the capital"),
# which a comma alone does: a leading "While …," clause, and a contrast (", while …", "; but …").
_LEADING = re.compile(r"^\s*(?:while|whereas|although|though)\b[^,]*,", re.IGNORECASE)
_CONTRAST = re.compile(r"[,;]\s+(?:while|whereas|but|although|though)\b|;\s+", re.IGNORECASE)


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



def rival_questions(question: str, sentence: str, nearest: int) -> list[str]:
    """The question with each of its names the sentence mentions swapped for the sentence's `nearest` other names.

    "What share did Nazarbayev win?" against "… Tokayev, the chosen successor of veteran ruler Nursultan
    Nazarbayev …, has won … with nearly 71 percent": the sentence names Nazarbayev, and gives the figure
    to Tokayev. The model reads an answer to either question in it, but to the one about Tokayev more readily.
    """
    swapped: list[str] = []
    for name in proper_names(question):
        asked = re.search(re.escape(name).replace(r"\ ", r"[\s-]"), question)
        if asked is None or not mentions(sentence, name):
            continue
        where = sentence.find(name.split()[0])
        others = [n for n in name_spans(sentence) if not mentions(question, n) and not mentions(n, name)]
        others.sort(key=lambda n: abs(sentence.find(n) - where))
        swapped.extend(question.replace(asked.group(0), other, 1) for other in others[:nearest])
    return swapped


def clauses(sentence: str) -> list[str]:
    """The sentence cut where a clause of its own begins or ends (see `_LEADING`, `_CONTRAST`)."""
    leading = _LEADING.match(sentence)
    head = [sentence[: leading.end()]] if leading else []
    rest = sentence[leading.end() :] if leading else sentence
    return [part for part in head + _CONTRAST.split(rest) if part.strip()]


def unbound_names(question: str, claim: str, sentence: str) -> list[str]:
    """The claim's answering names that share no clause of the sentence with the words the question asks about.

    "Which two countries voted against it?" answered "Kazakhstan and Kyrgyzstan voted against it" from "While
    Russia and China voted against it, Kazakhstan, Kyrgyzstan and several of their neighbours abstained": the
    sentence holds the names and the words, in different clauses. The small model reads such a pair as
    readily as the true one, so it is read off the sentence instead.
    """
    parts = clauses(sentence)
    answers = [n for n in name_spans(claim) if not mentions(question, n) and n in sentence]
    if len(parts) < 2 or not answers:
        return []
    named = {stem for n in name_spans(claim) for stem in content_stems(n)}
    asked = (content_stems(claim) - named) & content_stems(sentence) & content_stems(question)
    if not asked:
        return []
    homes = {n: [p for p in parts if n in p] for n in answers}
    return [n for n, home in homes.items() if home and not any(asked & content_stems(p) for p in home)]
