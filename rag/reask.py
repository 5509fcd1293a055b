"""Chain-of-verification for a doubted claim: ask the question again, of the one sentence alone.

When the model's wording of a claim is doubted, the sentence it paraphrased is a candidate to be
quoted in its place. That is only right when the sentence itself answers the question *the way the
claim did*: "Who finished second?" drafted as "Tokayev finished second", from a sentence that says
Tokayev won, must not become a quote of that sentence. So the question is asked again against the
sentence alone, for a short answer copied from it, and that answer must

- exist (not NONE) and say something the question does not already say;
- be of the kind asked for: a name for "who", a figure for "how many" ("his predecessor" names no one);
- be in the sentence (a short answer the sentence does not hold is the model's own);
- agree with the doubted claim: its figures are the claim's, or it shares the claim's words.

With no claim (the model found nothing, and the most relevant sentence is a candidate to quote),
the first two conditions decide.

Where the engine takes a llama.cpp grammar, the short answer is constrained to NONE or a run of the
sentence's own words (`copy_grammar`): asked to copy, a 1.5B model still writes its own reading now
and then ("20 people" for "a few dozen people"), which would fail a true sentence. The constraint
shapes the reply, not the judgement: NONE stays open, and the checks above still run.

Two independent readings that agree are far less often both wrong than one reading alone.
"""

from __future__ import annotations

import re

from rag.citations import numbers_in
from rag.evidence import content_stems
from rag.question_kind import gives_a_kind_asked

__all__ = ["EXTRACT_INSTRUCTION", "copy_grammar", "disagreement"]

EXTRACT_INSTRUCTION = (
    "Answer the question using only the sentence. Reply with the answer in a few words copied from the sentence, "
    "or NONE if the sentence does not give it."
)


def disagreement(question: str, short: str, claim: str, sentence: str) -> str:
    """Why the re-asked answer `short` does not confirm `claim` ("" for none) from `sentence` ("" when it does)."""
    if not short.strip() or short.strip().upper().startswith("NONE"):
        return "asked again, the model finds no answer in the sentence alone"
    figures = numbers_in(short) - numbers_in(question)
    words = content_stems(short) - content_stems(question)
    if not figures and not words:
        return "asked again, the model only repeats the question"
    if not gives_a_kind_asked(question, short):
        return f"asked again, the model answers “{short.strip()}”, which is not the kind of fact asked for"
    if figures - numbers_in(sentence) or (words and len(words & content_stems(sentence)) * 2 < len(words)):
        return f"asked again, the model answers “{short.strip()}”, which the sentence does not say"
    if not claim:  # no draft to agree with: the sentence answering the question alone is enough
        return ""
    agrees = figures <= numbers_in(claim) if figures else bool(words & content_stems(claim))
    return "" if agrees else f"asked again of the sentence alone, the model answers “{short.strip()}”, not what the claim says"


def copy_grammar(sentence: str) -> str:
    """A GBNF grammar for "NONE" or any run of consecutive words of `sentence`.

    A word may drop its leading or trailing punctuation ("people" from "people.") and its first letter's
    case, and a straight and a curly apostrophe are one: the model writes "Kazakhstan's" for "Kazakhstan’s".

    Example: copy_grammar("Xi met Tokayev.") accepts "NONE", "Xi met", "met Tokayev", "Tokayev." but not "Tokayev met".
    """
    words = sentence.split()
    rules = [f"root ::= {_literal('NONE')}" + "".join(f" | w{i}" for i in range(len(words)))]
    for i, word in enumerate(words):
        match = re.fullmatch(r"(\W*)(.*?)(\W*)", word)
        assert match is not None  # the pattern matches any string
        lead, core, tail = match.groups()
        if core:
            parts = [f"{_literal(lead)}?" if lead else "", _first_letter(core), f"{_literal(tail)}?" if tail else ""]
        else:  # a dash or a lone quote mark: no word to keep without it
            parts = [_literal(word)]
        follow = f' (" " w{i + 1})?' if i + 1 < len(words) else ""
        rules.append(f"w{i} ::= " + " ".join(p for p in parts if p) + follow)
    return "\n".join(rules)


def _first_letter(core: str) -> str:
    head, rest = core[0], core[1:]
    first = f"[{head.lower()}{head.upper()}]" if head.isalpha() and head.lower() != head.upper() else _literal(head)
    pieces = [first] + [("[\'’]" if part in "'’" else _literal(part)) for part in re.split(r"(['’])", rest) if part]
    return " ".join(pieces)


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
